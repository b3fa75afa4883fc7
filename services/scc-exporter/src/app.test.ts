// The scc-exporter's push endpoints with the REAL v2.SecurityCenterClient talking gRPC to the SCC
// stand-in: findings written, redeliveries that change nothing, outcomes in any order, and the ack
// policy for transient and permanent SCC errors.
import { status } from "@grpc/grpc-js";
import type { ActionOutcome } from "@riposte/contracts";
import { type MemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { parseGkeClusterMap } from "./gke-clusters.js";
import { findingsLocation, parseSccSourceName } from "./scc-names.js";
import { exportCommand, outcomeFor } from "./test-messages.js";
import { exporterApp, useSccStandin } from "./testing/fixture.js";

const CLUSTERS = parseGkeClusterMap(
  JSON.stringify({ "prod-eu": "projects/acme-prod/locations/europe-west1/clusters/prod-eu" }),
);
const POD_RESOURCE =
  "//container.googleapis.com/projects/acme-prod/locations/europe-west1/clusters/prod-eu/k8s/namespaces/jobs/pods/batch-worker-6f7d8-zx9k2";
// A log4shell-style lookup and a Slack broadcast: text that must stay inert data.
const HOSTILE_RULE = 'x"; DROP <!channel> \u0024{jndi:ldap://e/a}';
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

const { standin, scc } = await useSccStandin();
let sourceName: string;

beforeEach(() => {
  sourceName = standin.seedSource({ organization: "123456789", displayName: "Riposte" }).name;
});

function setup(
  options: { markInactiveAfterKill?: boolean; location?: string; traceProjectId?: string | undefined } = {},
) {
  const source = parseSccSourceName(sourceName);
  if (!source) throw new Error(`bad seeded source ${sourceName}`);
  return exporterApp(scc, {
    where: findingsLocation({ source, location: options.location }),
    clusters: CLUSTERS,
    markInactiveAfterKill: options.markInactiveAfterKill ?? false,
    traceProjectId: "traceProjectId" in options ? options.traceProjectId : "acme-prod",
  });
}

const outcomes = (publisher: MemoryPublisher) =>
  publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);

const updateCalls = () => standin.calls.filter((call) => call.method === "UpdateFinding");

describe("ExportFinding commands", () => {
  it("a Critical alert → one finding with the issue's fields, and a done outcome", async () => {
    const { app, publisher } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    const response = await app.request("/", pushRequest(command, { googclient_traceparent: TRACEPARENT }));
    expect(response.status).toBe(204);

    expect(standin.findings).toHaveLength(1);
    const finding = standin.finding(command.incident);
    expect(finding).toMatchObject({
      findingId: command.incident,
      name: `${sourceName}/locations/global/findings/${command.incident}`,
      category: "DROP_AND_EXECUTE_NEW_BINARY_IN_CONTAINER",
      resourceName: POD_RESOURCE,
      severity: "CRITICAL",
      state: "ACTIVE",
      findingClass: "THREAT",
      description: command.alert.output,
      // The alert's own time, to the nanosecond (2024-11-23T12:44:18.9001002Z).
      eventTime: "2024-11-23T12:44:18.900100200Z",
      externalUri:
        "https://console.cloud.google.com/traces/list?project=acme-prod&tid=4bf92f3577b34da6a3ce929d0e0e4736",
    });
    expect(finding?.sourceProperties).toEqual({
      incident: command.incident,
      rule: "Drop and execute new binary in container",
      priority: "Critical",
      source: "syscall",
      hostname: "gke-prod-batch-pool-8d2e1f4a-w3rt",
      tags: ["T1611", "container", "maturity_stable", "mitre_persistence", "process"],
      playbooks: ["critical-default"],
      container_id: "b7e2c9d1f0a3",
      container_name: "worker",
      container_image_repository: "us-docker.pkg.dev/acme/batch/worker",
      evt_type: "execve",
      k8s_ns_name: "jobs",
      k8s_pod_name: "batch-worker-6f7d8-zx9k2",
      proc_cmdline: "xmrig -o pool.example:3333",
      proc_exepath: "/tmp/xmrig",
      proc_name: "xmrig",
      proc_pname: "sh",
      user_name: "root",
      user_uid: 0,
    });

    expect(outcomes(publisher)).toEqual([
      expect.objectContaining({
        service: "scc-exporter",
        action: "export-finding",
        incident: command.incident,
        result: "done",
        details: expect.objectContaining({ finding: finding?.name.replace("/locations/global", "") }),
        alert: command.alert,
        target: command.target,
      }),
    ]);
    expect(publisher.on("action-outcomes")[0]?.attributes).toMatchObject({
      kind: "ActionOutcome",
      incident: command.incident,
      action: "export-finding",
    });
  });

  it("the same command delivered twice → one finding, the second write changes nothing", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const before = standin.finding(command.incident);
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(standin.findings).toHaveLength(1);
    expect(updateCalls().map((call) => call.effect)).toEqual(["created", "unchanged"]);
    expect(standin.finding(command.incident)).toEqual(before);
  });

  it("SCC UNAVAILABLE → 503 (Pub/Sub redelivers), no outcome; the redelivery writes the finding", async () => {
    const { app, publisher } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    standin.faults.inject({ method: "UpdateFinding", code: status.UNAVAILABLE, times: 2 });
    expect((await app.request("/", pushRequest(command))).status).toBe(503);
    expect((await app.request("/", pushRequest(command))).status).toBe(503);
    expect(outcomes(publisher)).toEqual([]);
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(updateCalls().map((call) => call.code)).toEqual([
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.OK,
    ]);
    expect(standin.findings).toHaveLength(1);
    expect(outcomes(publisher).map((outcome) => outcome.result)).toEqual(["done"]);
  });

  it.each([
    ["DEADLINE_EXCEEDED", status.DEADLINE_EXCEEDED],
    ["RESOURCE_EXHAUSTED", status.RESOURCE_EXHAUSTED],
    ["INTERNAL", status.INTERNAL],
  ])("SCC %s → 503", async (_name, code) => {
    const { app, publisher } = setup();
    standin.faults.inject({ method: "UpdateFinding", code });
    const response = await app.request("/", pushRequest(exportCommand("sidekick-critical-drop-exec.json")));
    expect(response.status).toBe(503);
    expect(outcomes(publisher)).toEqual([]);
  });

  it("a response lost after the write → 503, and the redelivery finds the finding as written", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    standin.faults.inject({ method: "UpdateFinding", code: status.UNAVAILABLE, when: "after" });
    expect((await app.request("/", pushRequest(command))).status).toBe(503);
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(updateCalls().map((call) => call.effect)).toEqual(["created", "unchanged"]);
  });

  it.each([
    ["PERMISSION_DENIED", status.PERMISSION_DENIED],
    ["INVALID_ARGUMENT", status.INVALID_ARGUMENT],
  ])("SCC %s → acked with a failed outcome carrying the reason", async (name, code) => {
    const { app, publisher } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    standin.faults.inject({
      method: "UpdateFinding",
      code,
      details: "caller lacks securitycenter.findings.update",
    });
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const [outcome] = outcomes(publisher);
    expect(outcome).toMatchObject({
      service: "scc-exporter",
      action: "export-finding",
      result: "failed",
      details: { code: name, method: "UpdateFinding" },
      alert: command.alert,
      target: command.target,
    });
    expect(outcome?.reason).toContain("caller lacks securitycenter.findings.update");
    expect(standin.findings).toEqual([]);
  });

  it("a real refusal by SCC (the source was deleted) → failed outcome naming the source", async () => {
    const { app, publisher } = setup();
    standin.reset(); // the source is gone
    const command = exportCommand("sidekick-critical-drop-exec.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const [outcome] = outcomes(publisher);
    expect(outcome).toMatchObject({ result: "failed", details: { code: "NOT_FOUND" } });
    expect(outcome?.reason).toMatch(/source .* not found/);
  });

  it("dry-run → nothing written, a dry-run outcome saying what would be", async () => {
    const { app, publisher } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json", { dryRun: true });
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(standin.calls).toEqual([]);
    expect(outcomes(publisher)).toEqual([
      expect.objectContaining({
        result: "dry-run",
        details: expect.objectContaining({
          category: "DROP_AND_EXECUTE_NEW_BINARY_IN_CONTAINER",
          resourceName: POD_RESOURCE,
          severity: "CRITICAL",
        }),
      }),
    ]);
  });

  it("a cluster not in CLUSTERS → refused outcome, nothing written", async () => {
    const { app, publisher } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json", { fields: { cluster: "staging" } });
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(standin.calls).toEqual([]);
    const [outcome] = outcomes(publisher);
    expect(outcome?.result).toBe("refused");
    expect(outcome?.reason).toContain('cluster "staging" is not in CLUSTERS (known: prod-eu)');
  });

  it("a host-level alert → the finding is on the node; with SCC_LOCATION the name has that location", async () => {
    const { app } = setup({ location: "eu" });
    const command = exportCommand("host-level.json", { top: { priority: "Error" } });
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(standin.finding(command.incident)).toMatchObject({
      name: `${sourceName}/locations/eu/findings/${command.incident}`,
      resourceName:
        "//container.googleapis.com/projects/acme-prod/locations/europe-west1/clusters/prod-eu/k8s/nodes/gke-prod-default-pool-3f1c2a9e-7xkq",
      severity: "HIGH",
    });
  });

  it("an alert stamped ahead of the router's clock → event time = the command's issuedAt", async () => {
    const { app } = setup();
    const issuedAt = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const command = exportCommand("sidekick-critical-drop-exec.json", { top: { time: future }, issuedAt });
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(standin.finding(command.incident)?.eventTime).toBe(issuedAt);
  });

  it("hostile alert text stays inside values: no new keys, category only [A-Z0-9_]", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json", {
      top: { rule: HOSTILE_RULE },
      fields: { "proc.cmdline": "a".repeat(5000), "evil.key\u0000": "x", "__proto__.polluted": "y" },
    });
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const finding = standin.finding(command.incident);
    expect(finding?.category).toBe("X_DROP_CHANNEL_JNDI_LDAP_E_A");
    expect(String(finding?.sourceProperties.proc_cmdline).length).toBeLessThanOrEqual(1024);
    expect(Object.keys(finding?.sourceProperties ?? {})).not.toContain("evil_key");
    expect(finding?.sourceProperties.rule).toBe(HOSTILE_RULE);
  });

  it("trace links: plain traceparent works too; no link when traces do not go to Cloud Trace", async () => {
    const command = exportCommand("sidekick-critical-drop-exec.json");
    const linked = setup();
    await linked.app.request("/", pushRequest(command, { traceparent: TRACEPARENT }));
    expect(standin.finding(command.incident)?.externalUri).toContain("tid=4bf92f3577b34da6a3ce929d0e0e4736");

    const other = exportCommand("modern-terminal-shell.json");
    const unlinked = setup({ traceProjectId: undefined });
    await unlinked.app.request("/", pushRequest(other, { googclient_traceparent: TRACEPARENT }));
    expect(standin.finding(other.incident)?.externalUri).toBe("");
  });

  it("a message that is not an ExportFinding command → quarantined, acked", async () => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest({ kind: "ExportFinding" }))).status).toBe(204);
    expect(publisher.on("quarantine")).toHaveLength(1);
    expect(standin.calls).toEqual([]);
  });
});

describe("action outcomes", () => {
  it("a kill outcome after the finding → riposte_pod_killer recorded, nothing else changed", async () => {
    const { app, publisher } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    const before = standin.finding(command.incident);
    const outcome = outcomeFor(command);
    expect((await app.request("/outcomes", pushRequest(outcome))).status).toBe(204);
    const after = standin.finding(command.incident);
    expect(after?.sourceProperties).toEqual({
      ...before?.sourceProperties,
      riposte_pod_killer: "done",
      riposte_pod_killer_action: "kill-pod",
      riposte_pod_killer_reason: "pod deleted",
      riposte_pod_killer_at: outcome.at,
    });
    expect({ ...after, sourceProperties: {}, raw: {} }).toEqual({ ...before, sourceProperties: {}, raw: {} });
    // An outcome about an outcome would loop: none is published.
    expect(outcomes(publisher).map((o) => o.service)).toEqual(["scc-exporter"]);
  });

  it("MARK_INACTIVE_AFTER_KILL: a successful kill makes the finding INACTIVE; a failed one does not", async () => {
    const { app } = setup({ markInactiveAfterKill: true });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    await app.request("/outcomes", pushRequest(outcomeFor(command, { result: "failed", reason: "409" })));
    expect(standin.finding(command.incident)?.state).toBe("ACTIVE");
    await app.request("/outcomes", pushRequest(outcomeFor(command, { result: "done" })));
    expect(standin.finding(command.incident)?.state).toBe("INACTIVE");
    // The command redelivered afterwards does not reopen it.
    await app.request("/", pushRequest(command));
    expect(standin.finding(command.incident)?.state).toBe("INACTIVE");
  });

  it("without MARK_INACTIVE_AFTER_KILL the finding stays ACTIVE after a kill", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    await app.request("/outcomes", pushRequest(outcomeFor(command)));
    expect(standin.finding(command.incident)?.state).toBe("ACTIVE");
  });

  it("an outcome before its command → the full finding is created; the command then adds only playbooks", async () => {
    const { app } = setup({ markInactiveAfterKill: true });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    const outcome = outcomeFor(command);
    expect((await app.request("/outcomes", pushRequest(outcome))).status).toBe(204);
    expect(standin.finding(command.incident)).toMatchObject({
      category: "DROP_AND_EXECUTE_NEW_BINARY_IN_CONTAINER",
      resourceName: POD_RESOURCE,
      severity: "CRITICAL",
      findingClass: "THREAT",
      state: "INACTIVE",
      eventTime: "2024-11-23T12:44:18.900100200Z",
      sourceProperties: expect.objectContaining({ riposte_pod_killer: "done", rule: command.alert.rule }),
    });
    expect(standin.finding(command.incident)?.sourceProperties).not.toHaveProperty("playbooks");

    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const finding = standin.finding(command.incident);
    expect(finding?.state).toBe("INACTIVE");
    expect(finding?.sourceProperties).toMatchObject({
      riposte_pod_killer: "done",
      playbooks: ["critical-default"],
    });
    expect(standin.findings).toHaveLength(1);
  });

  it("the same outcome twice → the second write changes nothing", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    const outcome = outcomeFor(command);
    await app.request("/outcomes", pushRequest(outcome));
    await app.request("/outcomes", pushRequest(outcome));
    expect(updateCalls().map((call) => call.effect)).toEqual(["created", "updated", "unchanged"]);
  });

  it("outcomes of several services are recorded side by side", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    await app.request("/outcomes", pushRequest(outcomeFor(command)));
    await app.request(
      "/outcomes",
      pushRequest(outcomeFor(command, { service: "notifier", action: "notify", reason: "sent to slack" })),
    );
    expect(standin.finding(command.incident)?.sourceProperties).toMatchObject({
      riposte_pod_killer: "done",
      riposte_notifier: "done",
      riposte_notifier_reason: "sent to slack",
    });
  });

  it("its own outcomes and dry-run outcomes are ignored (no SCC call)", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/outcomes", pushRequest(outcomeFor(command, { service: "scc-exporter" })));
    await app.request("/outcomes", pushRequest(outcomeFor(command, { result: "dry-run" })));
    expect(standin.calls).toEqual([]);
  });

  it("an outcome without alert/target: updates an existing finding, and skips a missing one", async () => {
    const { app } = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    const bare = (c: typeof command) => {
      const { alert: _alert, target: _target, ...rest } = outcomeFor(c, { result: "stale" });
      return rest;
    };
    expect((await app.request("/outcomes", pushRequest(bare(command)))).status).toBe(204);
    expect(standin.findings).toEqual([]);

    await app.request("/", pushRequest(command));
    expect((await app.request("/outcomes", pushRequest(bare(command)))).status).toBe(204);
    expect(standin.finding(command.incident)?.sourceProperties).toMatchObject({
      riposte_pod_killer: "stale",
      rule: command.alert.rule,
    });
  });

  it("SCC UNAVAILABLE on an outcome → 503; PERMISSION_DENIED → acked, no outcome published", async () => {
    const { app, publisher } = setup({ markInactiveAfterKill: true });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    standin.faults.inject({ method: "SetFindingState", code: status.UNAVAILABLE });
    expect((await app.request("/outcomes", pushRequest(outcomeFor(command)))).status).toBe(503);
    standin.faults.inject({ method: "UpdateFinding", code: status.PERMISSION_DENIED });
    expect((await app.request("/outcomes", pushRequest(outcomeFor(command)))).status).toBe(204);
    expect(outcomes(publisher)).toHaveLength(1);
    expect((await app.request("/outcomes", pushRequest(outcomeFor(command)))).status).toBe(204);
    expect(standin.finding(command.incident)?.state).toBe("INACTIVE");
  });
});
