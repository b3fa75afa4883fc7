// CLUSTERS is shared with the Kubernetes actioners, whose entries may carry API-server bearer tokens;
// GKE_CLUSTERS, the scc-exporter's former variable, stops the start saying what to set instead.
import { ConfigError, loadConfig } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { sccExporterEnv } from "./descriptor.js";

const SOURCE = "organizations/123/sources/456";
const GKE = "projects/acme-prod/locations/europe-west1/clusters/prod-eu";

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(sccExporterEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("scc-exporter CLUSTERS", () => {
  it("never repeats an actioner's bearer token when it refuses the shared map", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.sekrit-bearer-token";
    const clusters = JSON.stringify({ sim: { server: "https://10.0.0.1", token }, prod: GKE });
    const problems = configProblems({ SCC_SOURCE_NAME: SOURCE, CLUSTERS: clusters });
    expect(problems.length).toBeGreaterThan(0); // refused: the exporter needs GKE entries only
    expect(problems.join("\n")).not.toContain("sekrit-bearer-token");
  });

  it("a deployment configured before the rename (GKE_CLUSTERS) is told to set CLUSTERS", () => {
    const problems = configProblems({
      SCC_SOURCE_NAME: SOURCE,
      GKE_CLUSTERS: JSON.stringify({ "prod-eu": GKE }),
    });
    expect(problems).toContainEqual(expect.stringMatching(/^GKE_CLUSTERS: renamed CLUSTERS: set CLUSTERS/));
    expect(problems.join("\n")).not.toContain("acme-prod");
  });
});
