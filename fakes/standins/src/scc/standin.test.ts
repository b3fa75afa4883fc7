// The SCC stand-in driven by the REAL v2.SecurityCenterClient over gRPC: what the exporter and the
// `riposte scc` CLI will see, including error codes and messages.

import { type protos, v2 } from "@google-cloud/security-center";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SccStandin, sccClientOptionsFor, startSccStandin } from "./standin.js";

type Finding = protos.google.cloud.securitycenter.v2.IFinding;

const org = "organizations/123";
const podResource =
  "//container.googleapis.com/projects/demo-project/locations/europe-west1/clusters/prod/k8s/namespaces/shop/pods/cart-7d9f";
const eventTime = { seconds: 1714566896, nanos: 789000000 };

let scc: SccStandin;
let client: v2.SecurityCenterClient;
let source: string;

/** The error a client call rejected with, so tests can look at code and message. */
async function rejection(promise: Promise<unknown>): Promise<{ code?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: number; message: string };
  }
  throw new Error("expected the call to fail, it succeeded");
}

function threat(name: string, overrides: Finding = {}): Finding {
  return {
    name,
    category: "TERMINAL_SHELL_IN_CONTAINER",
    resourceName: podResource,
    state: "ACTIVE",
    severity: "CRITICAL",
    findingClass: "THREAT",
    description: "A shell was spawned in a container",
    eventTime,
    sourceProperties: {
      rule: { stringValue: "Terminal shell in container" },
      priority: { stringValue: "Critical" },
    },
    ...overrides,
  };
}

beforeAll(async () => {
  scc = await startSccStandin();
  client = new v2.SecurityCenterClient(sccClientOptionsFor(scc));
});

afterAll(async () => {
  await client.close();
  await scc.close();
});

beforeEach(async () => {
  scc.reset();
  const [created] = await client.createSource({
    parent: org,
    source: { displayName: "Riposte", description: "Falco" },
  });
  source = created.name ?? "";
});

describe("sources", () => {
  it("creates a source under an organization and finds it again", async () => {
    expect(source).toMatch(/^organizations\/123\/sources\/[0-9]+$/);
    const [got] = await client.getSource({ name: source });
    expect(got.displayName).toBe("Riposte");
    const [listed] = await client.listSources({ parent: org }, { autoPaginate: false });
    expect(listed.map((s) => s.name)).toEqual([source]);
    expect(scc.sources).toEqual([
      { name: source, organization: org, displayName: "Riposte", description: "Falco" },
    ]);
  });

  it("refuses sources outside organizations and duplicate display names", async () => {
    const underProject = await rejection(
      client.createSource({ parent: "projects/demo-project", source: { displayName: "X" } }),
    );
    expect(underProject.code).toBe(status.INVALID_ARGUMENT);
    expect(underProject.message).toContain("sources can only be created under an organization");

    const duplicate = await rejection(
      client.createSource({ parent: org, source: { displayName: "Riposte" } }),
    );
    expect(duplicate.code).toBe(status.ALREADY_EXISTS);

    const missing = await rejection(client.getSource({ name: `${org}/sources/999` }));
    expect(missing.code).toBe(status.NOT_FOUND);
  });
});

describe("UpdateFinding", () => {
  it("creates on first write, then a masked redelivery changes nothing", async () => {
    const name = `${source}/findings/abc123`;
    const mask = { paths: ["event_time", "severity", "description", "source_properties.rule"] };
    const [created] = await client.updateFinding({ finding: threat(name), updateMask: mask });
    expect(created.name).toBe(`${source}/locations/global/findings/abc123`);
    expect(created.state).toBe("ACTIVE");
    expect(created.eventTime).toEqual({ seconds: "1714566896", nanos: 789000000 });

    const before = scc.findings;
    await client.updateFinding({ finding: threat(name), updateMask: mask });
    expect(scc.findings).toEqual(before);
    expect(scc.calls.map((c) => c.effect)).toEqual([undefined, "created", "unchanged"]);

    expect(before).toHaveLength(1);
    const stored = before[0];
    expect(stored).toMatchObject({
      findingId: "abc123",
      source,
      location: "global",
      category: "TERMINAL_SHELL_IN_CONTAINER",
      resourceName: podResource,
      severity: "CRITICAL",
      findingClass: "THREAT",
      state: "ACTIVE",
      eventTime: "2024-05-01T12:34:56.789Z",
      sourceProperties: { rule: "Terminal shell in container", priority: "Critical" },
    });
  });

  it("adds one source property with a source_properties.<key> mask and keeps the others", async () => {
    const name = `${source}/findings/abc123`;
    await client.updateFinding({ finding: threat(name) });
    await client.updateFinding({
      finding: { name, sourceProperties: { riposte_pod_killer: { stringValue: "done" } } },
      updateMask: { paths: ["source_properties.riposte_pod_killer"] },
    });
    expect(scc.finding("abc123")?.sourceProperties).toEqual({
      rule: "Terminal shell in container",
      priority: "Critical",
      riposte_pod_killer: "done",
    });
    expect(scc.finding("abc123")?.description).toBe("A shell was spawned in a container");
  });

  it("replaces source_properties and clears unsent mutable fields when the mask is empty", async () => {
    const name = `${source}/findings/abc123`;
    await client.updateFinding({ finding: threat(name) });
    await client.updateFinding({
      finding: { name, eventTime, sourceProperties: { only: { numberValue: 1 } } },
    });
    const stored = scc.finding("abc123");
    expect(stored?.sourceProperties).toEqual({ only: 1 });
    expect(stored?.description).toBe("");
    // Immutable fields not sent are kept, and state cannot be cleared.
    expect(stored?.category).toBe("TERMINAL_SHELL_IN_CONTAINER");
    expect(stored?.state).toBe("ACTIVE");
  });

  it("refuses a finding under a malformed parent", async () => {
    const bad = await rejection(
      client.updateFinding({ finding: threat("organizations/123/findings/abc123") }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.message).toContain("is not a valid finding name");

    const orgNotNumeric = await rejection(
      client.updateFinding({ finding: threat("organizations/acme/sources/1001/findings/abc123") }),
    );
    expect(orgNotNumeric.code).toBe(status.INVALID_ARGUMENT);
    expect(orgNotNumeric.message).toContain("organizations id must be numeric");
  });

  it("refuses finding ids that are not alphanumeric 1..32", async () => {
    const tooLong = await rejection(
      client.updateFinding({ finding: threat(`${source}/findings/${"a".repeat(33)}`) }),
    );
    expect(tooLong.code).toBe(status.INVALID_ARGUMENT);
    expect(tooLong.message).toContain("1 to 32 characters");

    const dashed = await rejection(client.updateFinding({ finding: threat(`${source}/findings/abc-123`) }));
    expect(dashed.code).toBe(status.INVALID_ARGUMENT);

    const ok = await client.updateFinding({ finding: threat(`${source}/findings/${"a".repeat(32)}`) });
    expect(ok[0].name).toContain("a".repeat(32));
  });

  it("answers NOT_FOUND for a source that does not exist or belongs to another organization", async () => {
    const missing = await rejection(
      client.updateFinding({ finding: threat(`${org}/sources/999/findings/abc`) }),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    const sourceId = source.split("/").at(-1);
    const otherOrg = await rejection(
      client.updateFinding({ finding: threat(`organizations/456/sources/${sourceId}/findings/abc`) }),
    );
    expect(otherOrg.code).toBe(status.NOT_FOUND);
  });

  it("refuses changing the immutable category or resource name", async () => {
    const name = `${source}/findings/abc123`;
    await client.updateFinding({ finding: threat(name) });

    const category = await rejection(
      client.updateFinding({
        finding: threat(name, { category: "OTHER" }),
        updateMask: { paths: ["category"] },
      }),
    );
    expect(category.code).toBe(status.INVALID_ARGUMENT);
    expect(category.message).toContain("finding.category is immutable");

    const resource = await rejection(
      client.updateFinding({ finding: threat(name, { resourceName: "//container.googleapis.com/other" }) }),
    );
    expect(resource.code).toBe(status.INVALID_ARGUMENT);
    expect(resource.message).toContain("finding.resource_name is immutable");

    expect(scc.finding("abc123")?.category).toBe("TERMINAL_SHELL_IN_CONTAINER");
  });

  it("refuses an event_time in the future and a finding created without one", async () => {
    const future = await rejection(
      client.updateFinding({
        finding: threat(`${source}/findings/later`, {
          eventTime: { seconds: Math.floor(Date.now() / 1000) + 3600 },
        }),
      }),
    );
    expect(future.code).toBe(status.INVALID_ARGUMENT);
    expect(future.message).toContain("is in the future");

    const none = await rejection(
      client.updateFinding({ finding: threat(`${source}/findings/none`, { eventTime: null }) }),
    );
    expect(none.code).toBe(status.INVALID_ARGUMENT);
    expect(none.message).toContain("event_time is required");
  });

  it("changes state only to ACTIVE or INACTIVE, by mask or SetFindingState", async () => {
    const name = `${source}/findings/abc123`;
    await client.updateFinding({ finding: threat(name) });
    await client.updateFinding({ finding: { name, state: "INACTIVE" }, updateMask: { paths: ["state"] } });
    expect(scc.finding("abc123")?.state).toBe("INACTIVE");
    const [reactivated] = await client.setFindingState({ name, state: "ACTIVE" });
    expect(reactivated.state).toBe("ACTIVE");
    const unspecified = await rejection(client.setFindingState({ name, state: "STATE_UNSPECIFIED" }));
    expect(unspecified.code).toBe(status.INVALID_ARGUMENT);
    const missing = await rejection(
      client.setFindingState({ name: `${source}/findings/nope`, state: "INACTIVE" }),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
  });

  it("treats a project-level name with the same source and id as the same finding", async () => {
    await client.updateFinding({ finding: threat(`${source}/findings/abc123`) });
    const sourceId = source.split("/").at(-1);
    await client.updateFinding({
      finding: { name: `projects/demo-project/sources/${sourceId}/findings/abc123`, description: "again" },
      updateMask: { paths: ["description"] },
    });
    expect(scc.findings).toHaveLength(1);
    expect(scc.finding("abc123")?.description).toBe("again");
  });
});

describe("CreateFinding", () => {
  it("creates under an organization source and refuses a duplicate id", async () => {
    const [created] = await client.createFinding({ parent: source, findingId: "f1", finding: threat("") });
    expect(created.name).toBe(`${source}/locations/global/findings/f1`);
    const again = await rejection(
      client.createFinding({ parent: source, findingId: "f1", finding: threat("") }),
    );
    expect(again.code).toBe(status.ALREADY_EXISTS);
    const sourceId = source.split("/").at(-1);
    const projectParent = await rejection(
      client.createFinding({
        parent: `projects/demo-project/sources/${sourceId}`,
        findingId: "f2",
        finding: threat(""),
      }),
    );
    expect(projectParent.code).toBe(status.INVALID_ARGUMENT);
  });
});

describe("faults", () => {
  it("answers UNAVAILABLE twice, then a manual retry loop succeeds on the third attempt", async () => {
    scc.faults.inject({ method: "UpdateFinding", code: status.UNAVAILABLE, times: 2 });
    const name = `${source}/findings/retry1`;
    const codes: Array<number | undefined> = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await client.updateFinding({ finding: threat(name) });
        codes.push(0);
        break;
      } catch (error) {
        codes.push((error as { code?: number }).code);
      }
    }
    expect(codes).toEqual([status.UNAVAILABLE, status.UNAVAILABLE, 0]);
    expect(scc.findings).toHaveLength(1);
    expect(scc.calls.filter((c) => c.method === "UpdateFinding").map((c) => [c.code, c.injected])).toEqual([
      [status.UNAVAILABLE, true],
      [status.UNAVAILABLE, true],
      [status.OK, false],
    ]);
  });

  it("with when: after, applies the write and still answers the error", async () => {
    scc.faults.inject({ method: "UpdateFinding", code: status.DEADLINE_EXCEEDED, when: "after" });
    const lost = await rejection(client.updateFinding({ finding: threat(`${source}/findings/lost1`) }));
    expect(lost.code).toBe(status.DEADLINE_EXCEEDED);
    expect(scc.finding("lost1")).toBeDefined();
    expect(scc.faults.pending).toEqual([]);
  });

  it("leaves other methods alone when a fault names one", async () => {
    scc.faults.inject({ method: "ListFindings", code: status.PERMISSION_DENIED, details: "no role" });
    await client.updateFinding({ finding: threat(`${source}/findings/ok1`) });
    const denied = await rejection(client.listFindings({ parent: source }));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(denied.message).toBe("7 PERMISSION_DENIED: no role");
  });
});

describe("ListFindings", () => {
  beforeEach(async () => {
    for (const id of ["a1", "a2", "a3", "a4", "a5"]) {
      await client.updateFinding({ finding: threat(`${source}/findings/${id}`) });
    }
    await client.setFindingState({ name: `${source}/findings/a2`, state: "INACTIVE" });
    await client.setFindingState({ name: `${source}/findings/a4`, state: "INACTIVE" });
  });

  it("filters on state", async () => {
    const [active] = await client.listFindings(
      { parent: source, filter: 'state="ACTIVE"' },
      { autoPaginate: false },
    );
    expect(active.map((r) => r.finding?.name?.split("/").at(-1))).toEqual(["a1", "a3", "a5"]);
    expect(active[0]?.resource?.name).toBe(podResource);
    const [inactive] = await client.listFindings(
      { parent: source, filter: "state = INACTIVE" },
      { autoPaginate: false },
    );
    expect(inactive.map((r) => r.finding?.name?.split("/").at(-1))).toEqual(["a2", "a4"]);
  });

  it("combines restrictions and refuses unsupported fields", async () => {
    const [some] = await client.listFindings(
      { parent: `${org}/sources/-`, filter: 'category="TERMINAL_SHELL_IN_CONTAINER" AND -state="ACTIVE"' },
      { autoPaginate: false },
    );
    expect(some).toHaveLength(2);
    const bad = await rejection(client.listFindings({ parent: source, filter: 'colour="red"' }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.message).toContain('unsupported field "colour"');
  });

  it("pages with page tokens", async () => {
    const [first, next, raw] = await client.listFindings(
      { parent: source, pageSize: 2 },
      { autoPaginate: false },
    );
    expect(first).toHaveLength(2);
    expect(raw?.totalSize).toBe(5);
    expect(next?.pageToken).toBeTruthy();
    const all: string[] = [];
    for await (const result of client.listFindingsAsync({ parent: source, pageSize: 2 })) {
      all.push(result.finding?.name?.split("/").at(-1) ?? "");
    }
    expect(all).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    const calls = scc.calls.filter((c) => c.method === "ListFindings");
    expect(calls.length).toBe(4); // 1 manual page + 3 pages while iterating
  });

  it("lists only the requested location, global by default", async () => {
    await client.updateFinding({ finding: threat(`${source}/locations/eu/findings/eu1`) });
    const [global] = await client.listFindings({ parent: source }, { autoPaginate: false });
    expect(global).toHaveLength(5);
    const [eu] = await client.listFindings({ parent: `${source}/locations/eu` }, { autoPaginate: false });
    expect(eu.map((r) => r.finding?.name)).toEqual([`${source}/locations/eu/findings/eu1`]);
  });
});

describe("wire details", () => {
  it("records routing metadata sent by the real client", async () => {
    await client.updateFinding({ finding: threat(`${source}/findings/meta1`) });
    const call = scc.calls.find((c) => c.method === "UpdateFinding");
    expect(call?.metadata["x-goog-request-params"]).toBe(
      `finding.name=${encodeURIComponent(`${source}/findings/meta1`)}`,
    );
    expect(call?.metadata["x-goog-api-client"]).toContain("gapic/");
  });

  it("other v2 methods answer UNIMPLEMENTED", async () => {
    const error = await rejection(client.getMuteConfig({ name: `${org}/muteConfigs/x` }));
    expect(error.code).toBe(status.UNIMPLEMENTED);
  });
});
