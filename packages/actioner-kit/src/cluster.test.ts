// Cluster access, including the GKE path: endpoint and CA from a (local) GKE API, a bearer token from
// the auth library, and new clients when the token is refreshed. The "GKE cluster" is the simulated
// cluster over HTTPS with its generated CA, so TLS verification is real.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clustersSchema,
  createClusterRegistry,
  GkeApiEndpointError,
  gkeClusterServer,
  UnknownClusterError,
} from "./cluster.js";

/** GKE API answers that must not decide where the token goes (the GKE API host is Google's, but the
 * answer is checked all the same: an endpoint is a host or IP and a port, nothing else). */
const HOSTILE_ANSWERS: Record<string, unknown> = {
  path: { endpoint: "127.0.0.1:1/api/v1/namespaces" },
  userinfo: { endpoint: "evil.example@127.0.0.1" },
  query: { endpoint: "127.0.0.1?x=1" },
  scheme: { endpoint: "http://127.0.0.1" },
  space: { endpoint: "127.0.0.1 evil.example" },
  empty: { endpoint: "" },
  missing: {},
  number: { endpoint: 42 },
  "bad-ca": { endpoint: "127.0.0.1", masterAuth: { clusterCaCertificate: "bm90IGEgY2VydGlmaWNhdGU=" } },
};
const gkeEntry = (cluster: string) => ({
  kind: "gke" as const,
  resource: `projects/acme-prod/locations/europe-west1/clusters/${cluster}`,
  project: "acme-prod",
  location: "europe-west1",
  cluster,
});

let sim: SimCluster;
let gkeApi: Server;
let gkeApiUrl: string;
const gkeRequests: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  sim = await startSim({
    https: true,
    anonymous: "deny",
    tokens: { "token-1": "admin", "token-2": "admin" },
    rbac: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: admin }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: admin }]`,
    ],
  });
  gkeApi = createServer((request, response) => {
    gkeRequests.push({ path: request.url ?? "", authorization: request.headers.authorization });
    if (request.url?.endsWith("/clusters/hung")) return; // never answers: only the caller's signal ends it
    const cluster = request.url?.match(
      /^\/v1\/projects\/acme-prod\/locations\/europe-west1\/clusters\/(.+)$/,
    )?.[1];
    const ca = Buffer.from(sim.caCert ?? "").toString("base64");
    const answer = (body: unknown) =>
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (cluster === "prod")
      return answer({ endpoint: `127.0.0.1:${sim.port}`, masterAuth: { clusterCaCertificate: ca } });
    if (cluster === "slow")
      return setTimeout(
        () => answer({ endpoint: `127.0.0.1:${sim.port}`, masterAuth: { clusterCaCertificate: ca } }),
        300,
      );
    const hostile = cluster ? HOSTILE_ANSWERS[cluster] : undefined;
    if (hostile) return answer(hostile);
    response.writeHead(404).end('{"error":{"code":404}}');
  });
  await new Promise<void>((resolve) => gkeApi.listen(0, "127.0.0.1", resolve));
  gkeApiUrl = `http://127.0.0.1:${(gkeApi.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sim.stop();
  await new Promise<void>((resolve) => gkeApi.close(() => resolve()));
});

describe("CLUSTERS", () => {
  it("parses GKE clusters, contexts and servers, and names what is wrong", () => {
    expect(
      clustersSchema.parse(
        '{"prod":"projects/acme-prod/locations/europe-west1/clusters/prod","dev":"context:kind-dev","sim":"http://127.0.0.1:6443"}',
      ),
    ).toEqual({
      prod: {
        kind: "gke",
        resource: "projects/acme-prod/locations/europe-west1/clusters/prod",
        project: "acme-prod",
        location: "europe-west1",
        cluster: "prod",
      },
      dev: { kind: "context", context: "kind-dev" },
      sim: { kind: "server", server: "http://127.0.0.1:6443" },
    });
    expect(clustersSchema.safeParse("{}").success).toBe(false);
    expect(clustersSchema.safeParse("not json").error?.issues[0]?.message).toMatch(/not JSON/);
    expect(clustersSchema.safeParse('{"x":"projects/P/clusters/c"}').error?.issues[0]?.message).toMatch(
      /"x": "projects\/P\/clusters\/c" is not a GKE cluster path \("projects\/PROJECT_ID\/locations\/LOCATION\/clusters\/CLUSTER"/,
    );
  });

  it("is the scc-exporter's map: keys alerts cannot carry and malformed GKE paths are refused", () => {
    for (const json of [
      '{"Prod_EU":"http://127.0.0.1:6443"}',
      '{"prod":"projects/acme-prod/locations/1/clusters/prod"}',
      `{"prod":"projects/acme-prod/locations/europe-west1/clusters/${"a".repeat(41)}"}`,
    ])
      expect(clustersSchema.safeParse(json).success, json).toBe(false);
  });
});

describe("cluster registry", () => {
  it("reaches a GKE cluster with the endpoint and CA from the GKE API and an ADC token, refreshed when it changes", async () => {
    let token = "token-1";
    const registry = createClusterRegistry(
      {
        prod: {
          kind: "gke",
          resource: "projects/acme-prod/locations/europe-west1/clusters/prod",
          project: "acme-prod",
          location: "europe-west1",
          cluster: "prod",
        },
      },
      {
        gkeApiEndpoint: gkeApiUrl,
        testOnlyAnyGkeApiEndpoint: true,
        auth: { getAccessToken: async () => token },
      },
    );
    const first = await registry.clientsFor("prod");
    const pods = await first.core.listPodForAllNamespaces({});
    expect(pods.items).toEqual([]);
    expect(gkeRequests).toEqual([
      {
        path: "/v1/projects/acme-prod/locations/europe-west1/clusters/prod",
        authorization: "Bearer token-1",
      },
    ]);
    expect(sim.requests.at(-1)?.user).toBe("admin");

    expect(await registry.clientsFor(undefined)).toBe(first); // the only cluster is the default
    token = "token-2";
    const refreshed = await registry.clientsFor("prod");
    expect(refreshed).not.toBe(first);
    await refreshed.core.listNamespace({});
    expect(gkeRequests).toHaveLength(1); // endpoint and CA are cached; only the token changed
  });

  it("the GKE API lookup is cancelled by the caller's signal (the delivery's deadline)", async () => {
    const registry = createClusterRegistry(
      {
        hung: {
          kind: "gke",
          resource: "projects/acme-prod/locations/europe-west1/clusters/hung",
          project: "acme-prod",
          location: "europe-west1",
          cluster: "hung",
        },
      },
      {
        gkeApiEndpoint: gkeApiUrl,
        testOnlyAnyGkeApiEndpoint: true,
        auth: { getAccessToken: async () => "t" },
      },
    );
    const started = Date.now();
    await expect(registry.clientsFor("hung", AbortSignal.timeout(200))).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each(Object.keys(HOSTILE_ANSWERS))(
    "a GKE API answer with a bad endpoint or CA (%s) is refused",
    async (name) => {
      const registry = createClusterRegistry(
        { [name]: gkeEntry(name) },
        {
          gkeApiEndpoint: gkeApiUrl,
          testOnlyAnyGkeApiEndpoint: true,
          auth: { getAccessToken: async () => "t" },
        },
      );
      await expect(registry.clientsFor(name)).rejects.toThrow(/GKE API answered an unusable cluster/);
    },
  );

  it.each([
    ["34.78.1.2", "https://34.78.1.2"],
    ["34.78.1.2:443", "https://34.78.1.2:443"],
    ["2001:db8::1", "https://[2001:db8::1]"],
    ["[2001:db8::1]:8443", "https://[2001:db8::1]:8443"],
    ["gke-0123abcd.europe-west1.gke.goog", "https://gke-0123abcd.europe-west1.gke.goog"],
  ])("a cluster endpoint %s is served at %s", (endpoint, server) => {
    expect(gkeClusterServer(endpoint)).toBe(server);
  });

  it("one delivery's deadline does not fail another's GKE lookup (the lookup is shared, the wait is not)", async () => {
    const registry = createClusterRegistry(
      { slow: gkeEntry("slow") },
      {
        gkeApiEndpoint: gkeApiUrl,
        testOnlyAnyGkeApiEndpoint: true,
        auth: { getAccessToken: async () => "token-1" },
      },
    );
    const first = registry.clientsFor("slow", AbortSignal.timeout(100));
    const second = registry.clientsFor("slow", new AbortController().signal);
    await expect(first).rejects.toThrow(/abort|timeout/i);
    await expect(second).resolves.toMatchObject({ name: "slow" });
  });

  it("clients bound to an aborted signal send nothing that can land", async () => {
    const registry = createClusterRegistry({ local: { kind: "server", server: sim.url, token: "token-1" } });
    const clients = (await registry.clientsFor("local")).withSignal(AbortSignal.abort());
    sim.clearRequests();
    await expect(clients.core.deleteNamespace({ name: "default" })).rejects.toThrow(/abort/i);
    expect(sim.requests.filter((r) => r.verb === "delete")).toEqual([]);
  });

  it.each([
    "https://evil.com#.googleapis.com",
    "http://container.googleapis.com",
    "https://container.googleapis.com.evil.com",
  ])("refuses to send Google credentials to %s unless told it is a test", (endpoint) => {
    expect(() => createClusterRegistry({}, { gkeApiEndpoint: endpoint })).toThrow(GkeApiEndpointError);
    expect(() =>
      createClusterRegistry({}, { gkeApiEndpoint: endpoint, testOnlyAnyGkeApiEndpoint: true }),
    ).not.toThrow();
  });

  it("refuses unknown clusters and an ambiguous default, naming the configured ones", async () => {
    const registry = createClusterRegistry({
      a: { kind: "server", server: sim.url },
      b: { kind: "server", server: sim.url },
    });
    await expect(registry.clientsFor("c")).rejects.toThrow(UnknownClusterError);
    await expect(registry.clientsFor("c")).rejects.toThrow('cluster "c" is not in CLUSTERS (a, b)');
    await expect(registry.clientsFor(undefined)).rejects.toThrow(
      "the alert names no cluster and 2 are configured (a, b)",
    );
  });

  it("a GKE API failure is an error (retried by the caller), not cached", async () => {
    const registry = createClusterRegistry(
      {
        gone: {
          kind: "gke",
          resource: "projects/acme-prod/locations/europe-west1/clusters/gone",
          project: "acme-prod",
          location: "europe-west1",
          cluster: "gone",
        },
      },
      {
        gkeApiEndpoint: gkeApiUrl,
        testOnlyAnyGkeApiEndpoint: true,
        auth: { getAccessToken: async () => "token-1" },
      },
    );
    await expect(registry.clientsFor("gone")).rejects.toThrow(/GKE API 404/);
    await expect(registry.clientsFor("gone")).rejects.toThrow(/GKE API 404/);
  });
});
