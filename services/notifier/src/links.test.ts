import { describe, expect, it } from "vitest";
import {
  isNotifierLink,
  linksFor,
  sccFindingConsoleUrl,
  traceConsoleUrl,
  traceIdOfMessage,
} from "./links.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("links", () => {
  it("reads a sampled trace id from the propagated traceparent attribute, refusing anything else", () => {
    expect(traceIdOfMessage({ googclient_traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })).toBe(TRACE);
    expect(traceIdOfMessage({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })).toBe(TRACE);
    expect(traceIdOfMessage({ traceparent: `00-${TRACE}-00f067aa0ba902b7-00` })).toBeUndefined();
    expect(
      traceIdOfMessage({ googclient_traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` }),
    ).toBeUndefined();
    expect(traceIdOfMessage({ googclient_traceparent: `00-${TRACE}-x|<!channel>-01` })).toBeUndefined();
    expect(traceIdOfMessage({})).toBeUndefined();
  });

  it("builds the Cloud Trace console link only from a valid project and trace id", () => {
    expect(traceConsoleUrl("my-project", TRACE)).toBe(
      `https://console.cloud.google.com/traces/list?project=my-project&tid=${TRACE}`,
    );
    expect(traceConsoleUrl("x|<!here>", TRACE)).toBeUndefined();
    expect(traceConsoleUrl("my-project", "nothex")).toBeUndefined();
  });

  it("builds the SCC console link of the incident's finding, under the organization or a project", () => {
    const url = sccFindingConsoleUrl({ sourceName: "organizations/123/sources/456" }, INCIDENT);
    expect(url).toBe(
      "https://console.cloud.google.com/security/command-center/findings?organizationId=123&resourceId=" +
        encodeURIComponent(`organizations/123/sources/456/findings/${INCIDENT}`),
    );
    const scoped = new URL(
      sccFindingConsoleUrl(
        {
          sourceName: "organizations/123/sources/456",
          location: "global",
          parentScope: "projects/my-project",
        },
        INCIDENT,
      ) ?? "",
    );
    expect(scoped.searchParams.get("resourceId")).toBe(
      `projects/my-project/sources/456/locations/global/findings/${INCIDENT}`,
    );
    expect(sccFindingConsoleUrl({ sourceName: "projects/p/sources/1" }, INCIDENT)).toBeUndefined();
    expect(
      sccFindingConsoleUrl({ sourceName: "organizations/1/sources/2" }, "not-an-incident"),
    ).toBeUndefined();
  });

  it("includes only the links it can build, and recognises its own", () => {
    const links = linksFor(
      { traceProjectId: "my-project", scc: { sourceName: "organizations/1/sources/2" } },
      INCIDENT,
      TRACE,
    );
    expect(Object.keys(links)).toEqual(["trace", "sccFinding"]);
    expect(isNotifierLink(links.trace ?? "")).toBe(true);
    expect(isNotifierLink(links.sccFinding ?? "")).toBe(true);
    expect(isNotifierLink("https://evil.example/")).toBe(false);
    expect(linksFor({ traceProjectId: "my-project" }, INCIDENT, undefined)).toEqual({});
    // Traces not exported to Cloud Trace: a link would lead nowhere.
    expect(linksFor({}, INCIDENT, TRACE)).toEqual({});
  });
});
