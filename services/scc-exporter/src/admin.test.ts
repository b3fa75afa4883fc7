// `riposte scc setup|findings` logic against the stand-in with the real client.
import { status } from "@grpc/grpc-js";
import { pushRequest } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import {
  ensureSource,
  findingRow,
  formatFindingTable,
  isoOfTimestamp,
  listFindingRows,
  resolveSccTarget,
  sccAdminEnv,
} from "./admin.js";
import { parseGkeClusterMap } from "./gke-clusters.js";
import { findingsLocation, parseSccSourceName } from "./scc-names.js";
import { exportCommand, outcomeFor } from "./test-messages.js";
import { exporterApp, useSccStandin } from "./testing/fixture.js";

const { standin, scc } = await useSccStandin();

describe("ensureSource", () => {
  it("creates the Riposte source once, then finds it", async () => {
    standin.seedSource({ organization: "77", displayName: "Other scanner" });
    const first = await ensureSource(scc, { organization: "organizations/77" });
    expect(first.created).toBe(true);
    expect(first.source).toMatchObject({
      displayName: "Riposte",
      name: expect.stringMatching(/^organizations\/77\/sources\/\d+$/),
    });
    const second = await ensureSource(scc, { organization: "organizations/77" });
    expect(second).toMatchObject({ created: false, source: { name: first.source.name } });
    expect(standin.sources.filter((s) => s.displayName === "Riposte")).toHaveLength(1);
    expect(standin.calls.map((c) => c.method)).toEqual(["ListSources", "CreateSource", "ListSources"]);
  });

  it("another setup that won the race → its source, not an error", async () => {
    standin.faults.inject({ method: "CreateSource", code: status.ALREADY_EXISTS, when: "after" });
    const result = await ensureSource(scc, { organization: "organizations/77", displayName: "Riposte EU" });
    expect(result).toMatchObject({ created: false, source: { displayName: "Riposte EU" } });
  });

  it("a project is refused by SCC (sources live only under organizations)", async () => {
    await expect(ensureSource(scc, { organization: "projects/acme-prod" })).rejects.toThrow(
      /INVALID_ARGUMENT/,
    );
  });
});

describe("listFindingRows", () => {
  it("lists Riposte's findings with their action outcomes, filtered by state", async () => {
    const sourceName = standin.seedSource({ organization: "77", displayName: "Riposte" }).name;
    const source = parseSccSourceName(sourceName);
    if (!source) throw new Error("fixture");
    const where = findingsLocation({ source });
    const { app } = exporterApp(scc, {
      where,
      clusters: parseGkeClusterMap('{"prod":"projects/acme-prod/locations/europe-west1/clusters/prod"}'),
      markInactiveAfterKill: true,
      traceProjectId: "acme-prod",
    });
    const killed = exportCommand("sidekick-critical-drop-exec.json");
    const open = exportCommand("modern-terminal-shell.json");
    for (const command of [killed, open]) await app.request("/", pushRequest(command));
    await app.request("/outcomes", pushRequest(outcomeFor(killed, { reason: "pod deleted (uid 1)" })));

    const all = await listFindingRows(scc, where);
    expect(all.map((row) => row.id).sort()).toEqual([killed.incident, open.incident].sort());
    const [row] = await listFindingRows(scc, where, { state: "INACTIVE" });
    expect(row).toMatchObject({
      id: killed.incident,
      category: "DROP_AND_EXECUTE_NEW_BINARY_IN_CONTAINER",
      severity: "CRITICAL",
      state: "INACTIVE",
      eventTime: "2024-11-23T12:44:18.9001002Z",
      resource: expect.stringContaining("/k8s/namespaces/jobs/pods/batch-worker-6f7d8-zx9k2"),
      actions: [
        {
          service: "pod_killer",
          result: "done",
          action: "kill-pod",
          reason: "pod deleted (uid 1)",
          at: expect.any(String),
        },
      ],
    });
    expect((await listFindingRows(scc, where, { state: "ACTIVE" })).map((r) => r.id)).toEqual([
      open.incident,
    ]);

    const table = formatFindingTable(all);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^ID\s+CATEGORY\s+SEVERITY\s+STATE\s+EVENT TIME\s+RESOURCE\s+ACTIONS$/);
    expect(lines).toHaveLength(3);
    expect(table).toContain("pod_killer=done");
  });

  it("no findings → a clear line", () => {
    expect(formatFindingTable([])).toBe("no findings");
  });
});

describe("findingRow / isoOfTimestamp", () => {
  it("keeps nanoseconds and ignores properties that are not outcomes", () => {
    expect(isoOfTimestamp({ seconds: "1732365858", nanos: 900100200 })).toBe("2024-11-23T12:44:18.9001002Z");
    expect(isoOfTimestamp({ seconds: 0, nanos: 0 })).toBe("1970-01-01T00:00:00Z");
    expect(isoOfTimestamp(null)).toBe("");
    const row = findingRow({
      name: "organizations/1/sources/2/locations/global/findings/abc",
      sourceProperties: {
        riposte_isolator: { stringValue: "refused" },
        riposte_isolator_reason: { stringValue: "protected namespace" },
        riposte_: { stringValue: "x" },
        rule: { stringValue: "r" },
      },
    });
    expect(row.id).toBe("abc");
    expect(row.actions).toEqual([{ service: "isolator", result: "refused", reason: "protected namespace" }]);
  });
});

describe("resolveSccTarget", () => {
  const dev = { sccEndpoint: "127.0.0.1:50551", sccSourceName: "organizations/123456789/sources/1001" };

  it("a running `riposte dev` gives its stand-in and source when the environment says nothing", () => {
    const target = resolveSccTarget(sccAdminEnv.parse({}), dev);
    expect(target).toMatchObject({
      endpoint: "127.0.0.1:50551",
      where: { parent: "organizations/123456789/sources/1001" },
      describe: "SCC stand-in 127.0.0.1:50551 (riposte dev)",
    });
  });

  it("the environment wins as a whole: a real source is never paired with the dev stand-in", () => {
    const target = resolveSccTarget(
      sccAdminEnv.parse({ SCC_SOURCE_NAME: "organizations/42/sources/7", SCC_LOCATION: "eu" }),
      dev,
    );
    expect(target).toMatchObject({
      endpoint: undefined,
      where: { parent: "organizations/42/sources/7/locations/eu" },
      describe: "securitycenter.googleapis.com",
    });
  });

  it("nothing configured → the real API and no source", () => {
    expect(resolveSccTarget(sccAdminEnv.parse({}), undefined)).toMatchObject({
      endpoint: undefined,
      where: undefined,
    });
  });
});
