// Ordered actions end to end (playbook `after` / `wait`): the router, the isolator and the pod-killer
// as processes behind real push subscriptions on the Pub/Sub emulator, sharing the incident ledger on
// the Firestore emulator; the simulated cluster answers. The kill waits for the isolation's outcome —
// and a hung isolation never saves the pod: the kill runs when the wait is over.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ledgerForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome } from "@riposte/contracts";
import { demoSeed, type RequestRecord, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { emulatorRedelivery, type Pipeline, startPipeline } from "./harness.js";

const WAIT_SECONDS = 8;
const PLAYBOOKS = `playbooks:
  - name: isolate-then-kill
    match:
      priority: ">= Critical"
      target: container
    actions:
      - isolate-pod
      - action: kill-pod
        after: isolate-pod
        wait: ${WAIT_SECONDS}s
`;
const NAMESPACE = "shop";
const POD = "web-7d9f8c6b5-abcde";

let sim: SimCluster;
let pipeline: Pipeline;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "riposte-ordered-"));
  const playbooksFile = join(workDir, "playbooks.yaml");
  writeFileSync(playbooksFile, PLAYBOOKS);
  sim = await startSim({ seed: demoSeed() });
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "isolator", "pod-killer"],
    local: { kubernetesUrl: sim.url },
    env: { router: { PLAYBOOKS_FILE: playbooksFile } },
    // A waiting kill is redelivered ~every second instead of after a growing backoff (see emulatorRedelivery).
    adjustTopology: emulatorRedelivery,
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await sim?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => sim.reset());

async function outcomesFor(incident: string, timeoutMs: number): Promise<ActionOutcome[]> {
  return (await pipeline.tapped("action-outcomes", incident, { count: 2, timeoutMs })).map((m) =>
    m.json<ActionOutcome>(),
  );
}

const podRequests = (verb: string): RequestRecord[] =>
  sim.requests.filter((r) => r.resource === "pods" && r.verb === verb && r.name === POD);
const endOf = (r: RequestRecord) => Date.parse(r.time) + r.durationMs;

describe("ordered actions: isolate, then kill", { timeout: 90_000 }, () => {
  it("the kill waits for the isolation's outcome, even when the isolation is slow", async () => {
    // Slower than a kill would take: without the order the pod would be deleted before it is isolated.
    sim.faults.inject({ resource: "pods", verb: "patch", latencyMs: 2_000, times: 1 });
    const alert = freshAlert("modern-terminal-shell.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);
    const outcomes = await outcomesFor(alert.incident, 45_000);
    const isolated = outcomes.find((o) => o.action === "isolate-pod");
    const killed = outcomes.find((o) => o.action === "kill-pod");
    expect(isolated).toMatchObject({ result: "done" });
    expect(killed).toMatchObject({ result: "done" });
    expect(killed?.details).not.toHaveProperty("stoppedWaitingFor");
    // The pod was labelled (its patch answered) before the delete was sent.
    const [patch] = podRequests("patch").filter((r) => r.status === 200);
    const [deletion] = podRequests("delete").filter((r) => r.status === 200);
    expect(patch && deletion).toBeTruthy();
    expect(endOf(patch as RequestRecord)).toBeLessThanOrEqual(Date.parse((deletion as RequestRecord).time));
    expect(sim.get({ kind: "Pod", namespace: NAMESPACE, name: POD })).toBeUndefined();
    // The incident's timeline (what `riposte incidents show` reads) has the order and both outcomes in it.
    const incident = await ledgerForTest(pipeline.projectId).readIncident(alert.incident);
    expect(incident?.router?.decision.actions).toEqual([
      { action: "isolate-pod", dryRun: false, playbooks: ["isolate-then-kill"] },
      {
        action: "kill-pod",
        dryRun: false,
        playbooks: ["isolate-then-kill"],
        after: ["isolate-pod"],
        waitSeconds: WAIT_SECONDS,
      },
    ]);
    const isolatedAt = incident?.actions["isolate-pod"]?.outcome?.at.getTime() ?? Number.NaN;
    const killedAt = incident?.actions["kill-pod"]?.outcome?.at.getTime() ?? Number.NaN;
    expect(isolatedAt).toBeLessThan(killedAt);
  });

  it("a hung isolation never saves the pod: the kill runs once the wait is over", async () => {
    // Every label patch fails: the isolator answers 503 and Pub/Sub keeps redelivering, no outcome.
    sim.faults.inject({ resource: "pods", verb: "patch", status: 500, times: 1_000 });
    const alert = freshAlert("modern-terminal-shell.json", { top: { priority: "Critical" } });
    const sentAt = Date.now();
    await pipeline.sendAlert(alert.json);
    // The kill (past the wait), then the isolation's redelivery, which finds the pod gone.
    const outcomes = await outcomesFor(alert.incident, 45_000);
    const killed = outcomes.find((o) => o.action === "kill-pod");
    const isolated = outcomes.find((o) => o.action === "isolate-pod");
    expect(killed).toMatchObject({ result: "done", details: { stoppedWaitingFor: ["isolate-pod"] } });
    expect(isolated).toMatchObject({ result: "stale" });
    expect(Date.parse(isolated?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(killed?.at ?? ""));
    const [deletion] = podRequests("delete").filter((r) => r.status === 200);
    // Not before the wait (counted from the router's issue, after the alert was sent).
    expect(Date.parse((deletion as RequestRecord).time)).toBeGreaterThanOrEqual(
      sentAt + WAIT_SECONDS * 1_000,
    );
    expect(sim.get({ kind: "Pod", namespace: NAMESPACE, name: POD })).toBeUndefined();
    expect(podRequests("patch").every((r) => r.status !== 200)).toBe(true);
  });
});
