// SCC names and console links, Cloud Trace's project and links: what the scc-exporter writes, the
// notifier links to and the CLI prints, from one place.
import { describe, expect, it } from "vitest";
import { loadTracingConfig } from "../tracing/config.js";
import {
  findingConsoleUrl,
  findingNameOf,
  isFindingConsoleUrl,
  parseFindingsLocation,
  parseOrganization,
} from "./scc.js";
import { cloudTraceProject, isTraceConsoleUrl, traceConsoleUrl } from "./trace.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";

describe("SCC findings", () => {
  it("are named under the organization, or a project or folder of it, with an optional location", () => {
    const org = parseFindingsLocation({ sourceName: "organizations/123/sources/456" });
    expect(org && findingNameOf(org, "abc")).toBe("organizations/123/sources/456/findings/abc");
    const scoped = parseFindingsLocation({
      sourceName: "organizations/123/sources/456",
      scope: "projects/acme-prod",
      location: "eu",
    });
    expect(scoped?.parent).toBe("projects/acme-prod/sources/456/locations/eu");
  });

  it("refuses names that are not SCC's", () => {
    expect(parseFindingsLocation({ sourceName: "projects/p/sources/1" })).toBeUndefined();
    expect(
      parseFindingsLocation({ sourceName: "organizations/1/sources/2", location: "EU" }),
    ).toBeUndefined();
    expect(
      parseFindingsLocation({ sourceName: "organizations/1/sources/2", scope: "projects/P" }),
    ).toBeUndefined();
    expect(parseOrganization("42")).toBe("organizations/42");
    expect(parseOrganization("organizations/x")).toBeUndefined();
  });

  it("link to the console with the organization and the finding's name", () => {
    const where = parseFindingsLocation({ sourceName: "organizations/123/sources/456", location: "global" });
    if (!where) throw new Error("fixture");
    const url = findingConsoleUrl(where, INCIDENT) ?? "";
    expect(new URL(url).searchParams.get("organizationId")).toBe("123");
    expect(new URL(url).searchParams.get("resourceId")).toBe(
      `organizations/123/sources/456/locations/global/findings/${INCIDENT}`,
    );
    expect(isFindingConsoleUrl(url)).toBe(true);
    expect(findingConsoleUrl(where, "not-an-id")).toBeUndefined();
  });
});

describe("Cloud Trace", () => {
  it("links to a trace only from a project id and a trace id", () => {
    const url = traceConsoleUrl("acme-prod", INCIDENT);
    expect(url).toBe(`https://console.cloud.google.com/traces/list?project=acme-prod&tid=${INCIDENT}`);
    expect(isTraceConsoleUrl(url ?? "")).toBe(true);
    expect(traceConsoleUrl("acme&prod", INCIDENT)).toBeUndefined();
    expect(traceConsoleUrl("acme-prod", "XYZ")).toBeUndefined();
  });

  it("has a project only when traces go to Cloud Trace", () => {
    const gcp = { RIPOSTE_TRACE_EXPORTER: "gcp", GOOGLE_CLOUD_PROJECT: "acme-prod" };
    expect(cloudTraceProject(() => loadTracingConfig(gcp))).toBe("acme-prod");
    expect(cloudTraceProject(() => loadTracingConfig({ RIPOSTE_TRACE_EXPORTER: "none" }))).toBeUndefined();
    expect(cloudTraceProject(() => loadTracingConfig({ RIPOSTE_TRACE_EXPORTER: "otlp" }))).toBeUndefined();
  });
});
