// node-capturer against the simulated cluster (a real Kubernetes REST API), through app.request. As
// generated, capture-node finds the alert's pod and changes nothing: when execute() makes its change,
// the first test says what it must find changed.
import type { V1Pod } from "@kubernetes/client-node";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, CommandOf } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "./index.js";

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

function setup(options: { dryRun?: boolean } = {}) {
  const runner = runnerDepsForTest("node-capturer", sim.url, options.dryRun ? { dryRun: true } : {});
  const app = createApp({
    push: { service: "node-capturer", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: CommandOf<"capture-node">) =>
    (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { send, outcomes };
}

const pod = (namespace: string, name: string) =>
  sim.get({ kind: "Pod", namespace, name }) as V1Pod | undefined;
/** Requests that change pods: none until execute() makes capture-node's change. */
const podChanges = () =>
  sim.requests.filter((r) => r.resource === "pods" && r.verb !== "get" && r.verb !== "list");

describe("node-capturer", () => {
  it("finds the alert's pod, reports it done, and writes an Event", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("capture-node", "sidekick-critical-drop-exec.json");
    const uid = pod("jobs", "batch-worker-6f7d8-zx9k2")?.metadata?.uid;
    expect(uid).toBeDefined();
    expect(await send(command)).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        service: "node-capturer",
        action: "capture-node",
        incident: command.incident,
        result: "done",
        reason: `found pod jobs/batch-worker-6f7d8-zx9k2 (uid ${uid})`,
      }),
    ]);
    expect(podChanges()).toEqual([]);
    expect(sim.list({ kind: "Event", namespace: "jobs" })).toEqual([
      expect.objectContaining({
        reason: "RiposteCaptureNode",
        involvedObject: expect.objectContaining({ kind: "Pod", name: "batch-worker-6f7d8-zx9k2", uid }),
      }),
    ]);
  });

  it("refuses a protected namespace before any request reaches the cluster", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("capture-node", "modern-terminal-shell.json", {
      fields: { "k8s.ns.name": "kube-system", "k8s.pod.name": "kube-dns-1" },
    });
    expect(await send(command)).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "refused",
        reason: expect.stringMatching(/namespace kube-system is protected/),
      }),
    ]);
    expect(sim.requests).toEqual([]);
  });

  it("refuses a DaemonSet's pod", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("capture-node", "informational.json", {
      fields: { "k8s.ns.name": "monitoring" },
    });
    expect(await send(command)).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({ result: "refused", reason: expect.stringMatching(/DaemonSet/) }),
    ]);
    expect(podChanges()).toEqual([]);
  });

  it("a new pod that took the name since the alert is not the alert's: stale, nothing done", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("capture-node", "modern-k8s-api-contact.json");
    const old = pod("payments", "checkout-5c8d7f9b4-q2w3e");
    expect(old?.metadata?.uid).toBe(command.target.podUid);
    sim.remove({ kind: "Pod", namespace: "payments", name: "checkout-5c8d7f9b4-q2w3e" });
    sim.apply({ ...old, metadata: { name: "checkout-5c8d7f9b4-q2w3e", namespace: "payments" } });
    expect(await send(command)).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({ result: "stale", reason: expect.stringMatching(/nothing done$/) }),
    ]);
    expect(podChanges()).toEqual([]);
  });

  it("dry-run: the outcome says what it would do", async () => {
    const { send, outcomes } = setup({ dryRun: true });
    await send(commandFromExample("capture-node", "sidekick-critical-drop-exec.json"));
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "dry-run",
        reason: expect.stringMatching(
          /^would capture-node pod jobs\/batch-worker-6f7d8-zx9k2 \(uid [0-9a-f-]{36}\)$/,
        ),
      }),
    ]);
    expect(sim.list({ kind: "Event", namespace: "jobs" })).toEqual([]);
  });
});
