// The scc-exporter's configuration: what start-up accepts and the messages it gives when it refuses.
import { ConfigError, commonEnvSchema, loadConfig } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { sccExporterDescriptor, sccExporterEnv } from "./descriptor.js";
import { findingNameOf, findingsLocation } from "./scc-names.js";

const schema = commonEnvSchema.extend(sccExporterEnv.shape);
const CLUSTERS = '{"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("scc-exporter config", () => {
  it("accepts the minimal config and fills defaults", () => {
    const config = loadConfig(schema, {
      SCC_SOURCE_NAME: "organizations/123/sources/456",
      CLUSTERS,
    });
    expect(config.SCC_SOURCE_NAME).toEqual({
      name: "organizations/123/sources/456",
      organization: "organizations/123",
      sourceId: "456",
    });
    expect(config.MARK_INACTIVE_AFTER_KILL).toBe(false);
    expect(config.SCC_VERIFY_SOURCE).toBe(true);
    expect(config.SCC_ENDPOINT).toBeUndefined();
    expect(config.CLUSTERS.get("prod-eu")?.project).toBe("acme-prod");
  });

  it.each([
    ["projects/acme/sources/456", /sources exist only under an organization/],
    ["organizations/123/sources/456/locations/global", /give the source itself/],
    ["Riposte", /run `riposte scc setup --organization ORGANIZATION_ID`/],
    ["organizations/acme/sources/456", /expected organizations\/ORGANIZATION_ID\/sources\/SOURCE_ID/],
  ])("a bad SCC_SOURCE_NAME %j is refused with a clear message", (value, message) => {
    const [problem, ...rest] = problems({ SCC_SOURCE_NAME: value, CLUSTERS });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^SCC_SOURCE_NAME: /);
    expect(problem).toMatch(message);
    expect(problem).toContain(JSON.stringify(value));
  });

  it("names every missing or bad variable at once", () => {
    expect(problems({ SCC_ENDPOINT: "http://x", SCC_LOCATION: "Global" })).toEqual([
      "SCC_SOURCE_NAME: required but not set",
      expect.stringMatching(/^SCC_LOCATION: expected a location id/),
      expect.stringMatching(/^SCC_ENDPOINT: expected host:port/),
      "CLUSTERS: required but not set",
    ]);
  });

  it("localEnv points the service at the local SCC stand-in", () => {
    const env = sccExporterDescriptor.localEnv({
      kubernetesUrl: "http://127.0.0.1:6443",
      slackWebhookUrl: "",
      webhookUrl: "",
      sccEndpoint: "127.0.0.1:50551",
      sccSourceName: "organizations/123456789/sources/1001",
    });
    expect(env).toMatchObject({
      SCC_ENDPOINT: "127.0.0.1:50551",
      SCC_SOURCE_NAME: "organizations/123456789/sources/1001",
    });
    expect(problems(env)).toEqual([]);
  });
});

describe("where findings go", () => {
  const source = {
    name: "organizations/123/sources/456",
    organization: "organizations/123",
    sourceId: "456",
  };

  it("under the organization by default, or a project, with an optional location", () => {
    expect(findingNameOf(findingsLocation({ source }), "abc")).toBe(
      "organizations/123/sources/456/findings/abc",
    );
    expect(
      findingNameOf(findingsLocation({ source, scope: "projects/acme-prod", location: "eu" }), "abc"),
    ).toBe("projects/acme-prod/sources/456/locations/eu/findings/abc");
  });

  it("refuses another organization as scope, and finding ids SCC would refuse", () => {
    expect(() => findingsLocation({ source, scope: "organizations/999" })).toThrow(/another organization/);
    expect(() => findingNameOf(findingsLocation({ source }), "a".repeat(33))).toThrow(/1 to 32 characters/);
    expect(() => findingNameOf(findingsLocation({ source }), "ab-c")).toThrow(/alphanumeric/);
  });
});
