// Whether a cluster enforces NetworkPolicies, asked of a (fake) GKE API: Dataplane V2 or the network
// policy add-on say yes, neither says no, a cluster reached another way cannot tell; the answer is
// cached per cluster, and a GKE API that fails, hangs or answers nonsense gives "unknown", bounded.
import { type FakeGkeApi, startGkeApi } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GkeApiEndpointError } from "./cluster.js";
import {
  createNetworkPolicyEnforcementLookup,
  ENFORCEMENT_WHY_MAX_LENGTH,
  enforcementOfGkeCluster,
} from "./gke-network.js";

const resourceOf = (cluster: string) => `projects/acme-prod/locations/europe-west1/clusters/${cluster}`;
const gke = (cluster: string) => ({
  kind: "gke" as const,
  resource: resourceOf(cluster),
  project: "acme-prod",
  location: "europe-west1",
  cluster,
});

let gkeApi: FakeGkeApi;
beforeAll(async () => {
  gkeApi = await startGkeApi();
});
afterAll(() => gkeApi.stop());
beforeEach(() => gkeApi.reset());

function lookup(options: { now?: () => number; timeoutMs?: number } = {}) {
  return createNetworkPolicyEnforcementLookup(
    {
      dpv2: gke("dpv2"),
      calico: gke("calico"),
      open: gke("open"),
      broken: gke("broken"),
      hung: gke("hung"),
      hostile: gke("hostile"),
      local: { kind: "context", context: "kind-dev" },
      sim: { kind: "server", server: "http://127.0.0.1:1" },
    },
    {
      gkeApiEndpoint: gkeApi.url,
      testOnlyAnyGkeApiEndpoint: true,
      auth: { getAccessToken: async () => "token-1" },
      ...options,
    },
  );
}

describe("NetworkPolicy enforcement from the GKE API", () => {
  it("Dataplane V2 and the network policy add-on enforce; a cluster with neither does not", async () => {
    gkeApi.setCluster(resourceOf("dpv2"), { networkPolicies: "dataplane-v2" });
    gkeApi.setCluster(resourceOf("calico"), { networkPolicies: "calico" });
    gkeApi.setCluster(resourceOf("open"), { networkPolicies: "none" });
    const enforcement = lookup();
    expect(await enforcement.enforcementOf("dpv2")).toEqual({
      enforced: true,
      why: expect.stringContaining("Dataplane V2"),
    });
    expect(await enforcement.enforcementOf("calico")).toEqual({
      enforced: true,
      why: expect.stringContaining("network policy enforcement"),
    });
    const open = await enforcement.enforcementOf("open");
    expect(open.enforced).toBe(false);
    expect(open.why).toMatch(/datapathProvider is LEGACY_DATAPATH/);
    expect(gkeApi.requests).toContainEqual({
      path: `/v1/${resourceOf("open")}`,
      authorization: "Bearer token-1",
    });
  });

  it("the add-on must be on as well as networkPolicy.enabled", () => {
    expect(
      enforcementOfGkeCluster({
        networkPolicy: { enabled: true },
        addonsConfig: { networkPolicyConfig: { disabled: true } },
      }).enforced,
    ).toBe(false);
    expect(enforcementOfGkeCluster({ networkPolicy: { enabled: "true" } }).enforced).toBe(false);
    expect(enforcementOfGkeCluster({}).enforced).toBe(false);
    expect(enforcementOfGkeCluster("a cluster").enforced).toBe("unknown");
  });

  it("a cluster reached by a kubeconfig context or a URL is unknown, without a GKE API call", async () => {
    const enforcement = lookup();
    expect(await enforcement.enforcementOf("local")).toEqual({
      enforced: "unknown",
      why: expect.stringContaining("kubeconfig context"),
    });
    expect((await enforcement.enforcementOf("sim")).enforced).toBe("unknown");
    expect((await enforcement.enforcementOf("nowhere")).enforced).toBe("unknown");
    expect(gkeApi.requests).toEqual([]);
  });

  it("is asked once per cluster (concurrent callers share the call) and again after an hour", async () => {
    gkeApi.setCluster(resourceOf("dpv2"), { networkPolicies: "dataplane-v2" });
    let now = 1_000_000;
    const enforcement = lookup({ now: () => now });
    await Promise.all([enforcement.enforcementOf("dpv2"), enforcement.enforcementOf("dpv2")]);
    await enforcement.enforcementOf("dpv2");
    expect(gkeApi.requests).toHaveLength(1);
    now += 59 * 60_000;
    await enforcement.enforcementOf("dpv2");
    expect(gkeApi.requests).toHaveLength(1);
    gkeApi.setCluster(resourceOf("dpv2"), { networkPolicies: "none" });
    now += 2 * 60_000;
    expect((await enforcement.enforcementOf("dpv2")).enforced).toBe(false);
    expect(gkeApi.requests).toHaveLength(2);
  });

  it("a failing or hanging GKE API gives unknown and why, in time; a failure is asked again later", async () => {
    gkeApi.setCluster(resourceOf("broken"), { status: 503 });
    gkeApi.setCluster(resourceOf("hung"), { delayMs: "never" });
    let now = 1_000_000;
    const enforcement = lookup({ timeoutMs: 200, now: () => now });
    expect(await enforcement.enforcementOf("broken")).toEqual({
      enforced: "unknown",
      why: expect.stringMatching(/GKE API.*503/),
    });
    const started = Date.now();
    expect(await enforcement.enforcementOf("hung")).toEqual({
      enforced: "unknown",
      why: expect.stringMatching(/timed out after 200 ms/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    gkeApi.setCluster(resourceOf("broken"), { networkPolicies: "dataplane-v2" });
    expect((await enforcement.enforcementOf("broken")).enforced).toBe("unknown"); // kept a minute
    now += 61_000;
    expect((await enforcement.enforcementOf("broken")).enforced).toBe(true);
  });

  it("the caller's signal ends its wait: unknown, not a hang", async () => {
    gkeApi.setCluster(resourceOf("hung"), { delayMs: "never" });
    const enforcement = lookup({ timeoutMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("push deadline")), 50);
    expect(await enforcement.enforcementOf("hung", controller.signal)).toEqual({
      enforced: "unknown",
      why: expect.stringContaining("push deadline"),
    });
  });

  it("huge or odd values in the GKE answer never reach the result unbounded", async () => {
    const huge = "A".repeat(1_000_000);
    gkeApi.setCluster(resourceOf("hostile"), {
      answer: {
        networkConfig: { datapathProvider: huge },
        networkPolicy: { enabled: huge },
        addonsConfig: { networkPolicyConfig: { disabled: huge } },
      },
    });
    const result = await lookup().enforcementOf("hostile");
    expect(result.enforced).toBe(false);
    expect(result.why.length).toBeLessThanOrEqual(ENFORCEMENT_WHY_MAX_LENGTH);
    expect(result.why).not.toContain("AAAA");
    const control = enforcementOfGkeCluster({ networkConfig: { datapathProvider: "EVIL\u001b[2J\n" } });
    expect(control.why).toContain("datapathProvider is an unexpected value");
    expect(control.why).not.toContain("\u001b");
  });

  it("an error body from the GKE API is bounded and printable", async () => {
    const enforcement = createNetworkPolicyEnforcementLookup(
      { broken: gke("broken") },
      {
        // Not the fake: a URL that answers nothing gives a connection error, bounded too.
        gkeApiEndpoint: "http://127.0.0.1:1",
        testOnlyAnyGkeApiEndpoint: true,
        auth: { getAccessToken: async () => "token-1" },
      },
    );
    const result = await enforcement.enforcementOf("broken");
    expect(result.enforced).toBe("unknown");
    expect(result.why.length).toBeLessThanOrEqual(ENFORCEMENT_WHY_MAX_LENGTH);
  });

  it("Google credentials go to the GKE API only (the registry's rule)", () => {
    expect(() =>
      createNetworkPolicyEnforcementLookup({}, { gkeApiEndpoint: "https://evil.example" }),
    ).toThrow(GkeApiEndpointError);
  });
});
