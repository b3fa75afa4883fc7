// `riposte deploy plan` refuses variables meant for tests only (RIPOSTE_TEST_ONLY_*): in production
// RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT would let the actioners send Google credentials to any URL.
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { loadServices } from "../services.js";
import { DeployPlanError, deployPlan } from "./plan.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

const options = (env: Record<string, Record<string, string>>) => ({
  project: "acme-prod",
  region: "europe-west1",
  clusters: [{ name: "prod-eu", location: "europe-west1" }],
  organization: "123456789012",
  env: {
    "scc-exporter": { SCC_SOURCE_NAME: "organizations/123456789012/sources/987" },
    console: { SLACK_TEAM_ID: "T0ACME" },
    ...env,
  },
  secrets: { notifier: { SLACK_WEBHOOK_URL: { secret: "riposte-slack-webhook", version: "latest" } } },
  consoleDomain: "riposte.acme.com",
  consoleUsers: ["group:sre@acme.com"],
});

describe("deploy plan and test-only variables", () => {
  it("refuses RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT, naming the service and the variable", () => {
    const env = {
      "pod-killer": { GKE_API_ENDPOINT: "https://evil.example", RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT: "true" },
    };
    expect(() => deployPlan(descriptors, options(env))).toThrow(DeployPlanError);
    expect(() => deployPlan(descriptors, options(env))).toThrow(
      /pod-killer: RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT is for tests only/,
    );
  });

  it("still plans a GKE_API_ENDPOINT under googleapis.com", () => {
    const env = { "pod-killer": { GKE_API_ENDPOINT: "https://container.googleapis.com" } };
    expect(deployPlan(descriptors, options(env)).todos).toEqual([]);
  });
});
