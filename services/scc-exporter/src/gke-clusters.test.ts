// CLUSTERS for the scc-exporter (GKE clusters only): parsing with errors that say what to write, default cluster, resource names.
import { describe, expect, it } from "vitest";
import { gkeClustersEnv, gkeResourceName, parseGkeClusterMap, resolveGkeCluster } from "./gke-clusters.js";

const ONE = '{"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}';
const TWO =
  '{"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu","prod-us":"projects/acme-prod/locations/us-central1-a/clusters/prod-us"}';

describe("parseGkeClusterMap", () => {
  it("reads cluster names → project, location, cluster", () => {
    expect(parseGkeClusterMap(TWO).get("prod-us")).toEqual({
      alias: "prod-us",
      kind: "gke",
      project: "acme-prod",
      location: "us-central1-a",
      cluster: "prod-us",
      resource: "projects/acme-prod/locations/us-central1-a/clusters/prod-us",
    });
  });

  it.each([
    ["not json", /not JSON/],
    ["[]", /expected a JSON object/],
    ["{}", /maps no cluster/],
    [
      '{"Prod_EU":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}',
      /"Prod_EU" is not a cluster name/,
    ],
    ['{"prod":"prod-eu"}', /"prod": "prod-eu" is not a GKE cluster path \("projects\/PROJECT_ID/],
    ['{"prod":"projects/acme-prod/zones/europe-west1-b/clusters/prod"}', /not a GKE cluster path/],
    ['{"prod":42}', /"prod": 42 is not a GKE cluster path/],
    [
      '{"dev":"context:kind-dev"}',
      /"dev": the scc-exporter needs a GKE cluster path .*, not a kubeconfig context/,
    ],
    [
      '{"sim":"http://127.0.0.1:6443"}',
      /"sim": the scc-exporter needs a GKE cluster path .*, not a server URL/,
    ],
  ])("refuses %s", (json, message) => {
    expect(() => parseGkeClusterMap(json)).toThrow(message);
  });

  it("as an env schema, the problem becomes a config issue", () => {
    const result = gkeClustersEnv.safeParse('{"prod":"nope"}');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/not a GKE cluster path/);
  });
});

describe("resolveGkeCluster", () => {
  it("the named cluster; the only one when none is named", () => {
    expect(resolveGkeCluster(parseGkeClusterMap(TWO), "prod-us")).toMatchObject({
      ok: true,
      cluster: { alias: "prod-us" },
    });
    expect(resolveGkeCluster(parseGkeClusterMap(ONE), undefined)).toMatchObject({
      ok: true,
      cluster: { alias: "prod-eu" },
    });
  });

  it("no default among several, and an unknown name is not guessed", () => {
    expect(resolveGkeCluster(parseGkeClusterMap(TWO), undefined)).toEqual({
      ok: false,
      reason: "the alert names no cluster and CLUSTERS maps 2 (prod-eu, prod-us), so none is the default",
    });
    expect(resolveGkeCluster(parseGkeClusterMap(ONE), "staging")).toEqual({
      ok: false,
      reason: 'cluster "staging" is not in CLUSTERS (known: prod-eu)',
    });
  });
});

describe("gkeResourceName", () => {
  const cluster = parseGkeClusterMap(ONE).get("prod-eu");
  if (!cluster) throw new Error("fixture");
  const base = "//container.googleapis.com/projects/acme-prod/locations/europe-west1/clusters/prod-eu";

  it("pod, else node, else the cluster", () => {
    expect(gkeResourceName(cluster, { namespace: "shop", pod: "web-1", node: "n1" })).toBe(
      `${base}/k8s/namespaces/shop/pods/web-1`,
    );
    expect(gkeResourceName(cluster, { pod: "web-1", node: "n1" })).toBe(`${base}/k8s/nodes/n1`);
    expect(gkeResourceName(cluster, {})).toBe(base);
  });
});
