// The cluster map (CLUSTERS): one parser for the Kubernetes actioners and the scc-exporter. Before it,
// each had its own and they disagreed (the actioners took keys alerts cannot carry, any location, cluster
// names past GKE's 40 characters); these inputs are the ones they disagreed on.
import { describe, expect, it } from "vitest";
import { clustersSchema, gkeClusterPath, parseGkeClusterPath } from "./clusters.js";

const problemsOf = (json: string) =>
  clustersSchema.safeParse(json).error?.issues.map((issue) => issue.message);

describe("CLUSTERS", () => {
  it("parses GKE clusters, contexts and servers", () => {
    expect(
      clustersSchema.parse(
        JSON.stringify({
          prod: "projects/acme-prod/locations/europe-west1-b/clusters/prod",
          dev: "context:kind-dev",
          sim: "http://127.0.0.1:6443",
          tls: { server: "https://127.0.0.1:6443", token: "t", insecureSkipTlsVerify: true },
        }),
      ),
    ).toEqual({
      prod: {
        kind: "gke",
        resource: "projects/acme-prod/locations/europe-west1-b/clusters/prod",
        project: "acme-prod",
        location: "europe-west1-b",
        cluster: "prod",
      },
      dev: { kind: "context", context: "kind-dev" },
      sim: { kind: "server", server: "http://127.0.0.1:6443" },
      tls: { kind: "server", server: "https://127.0.0.1:6443", token: "t", insecureSkipTlsVerify: true },
    });
  });

  it.each([
    [
      '{"Prod_EU":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}',
      'key "Prod_EU" is not a cluster name (a DNS-1123 label, as alerts carry it)',
    ],
    ['{"prod":"projects/acme-prod/locations/1/clusters/prod"}', '"prod": "projects/acme-prod/locations/1/'],
    [
      `{"prod":"projects/acme-prod/locations/europe-west1/clusters/${"a".repeat(41)}"}`,
      `"prod": "projects/acme-prod/locations/europe-west1/clusters/${"a".repeat(41)}" is not a GKE cluster path`,
    ],
  ])("refuses what only one of the former parsers took: %s", (json, problem) => {
    expect(problemsOf(json)).toEqual([expect.stringContaining(problem)]);
  });

  it.each([
    ["not json", /^not JSON .*; expected e\.g\. \{"prod-eu"/],
    ["[]", /^expected a JSON object mapping cluster names to clusters/],
    ["{}", /^maps no cluster/],
    ['{"prod":"prod-eu"}', /^"prod": "prod-eu" is not a GKE cluster path \("projects\/PROJECT_ID\//],
    ['{"prod":"projects/acme-prod/zones/europe-west1-b/clusters/prod"}', /is not a GKE cluster path/],
    ['{"prod":42}', /^"prod": 42 is not a GKE cluster path .*, "context:NAME", an http\(s\) URL/],
    ['{"prod":"context:"}', /^"prod": "context:" is not/],
    ['{"prod":{"server":"nope"}}', /^"prod": server: /],
    ['{"prod":{"server":"https://x","extra":1}}', /^"prod": .*extra/],
  ])("refuses %s, saying what to write", (json, problem) => {
    expect(problemsOf(json)).toEqual([expect.stringMatching(problem)]);
  });

  it("names every offending key at once", () => {
    expect(problemsOf('{"a":"x","B":"context:b","c":"context:c"}')).toEqual([
      expect.stringMatching(/^"a": "x" is not/),
      expect.stringMatching(/^key "B" is not a cluster name/),
    ]);
  });
});

describe("GKE cluster paths", () => {
  it("build and parse the same form", () => {
    const path = gkeClusterPath({ project: "acme-prod", location: "us-central1-a", cluster: "prod-us" });
    expect(path).toBe("projects/acme-prod/locations/us-central1-a/clusters/prod-us");
    expect(parseGkeClusterPath(path)).toEqual({
      kind: "gke",
      resource: path,
      project: "acme-prod",
      location: "us-central1-a",
      cluster: "prod-us",
    });
    expect(parseGkeClusterPath("projects/Acme/locations/us-central1/clusters/x")).toBeUndefined();
  });
});
