// Adversarial review of the isolator's label patch (issue 18): concurrent quarantines of one pod give
// exactly one `done`, and unrelated changes to the pod between read and patch never refuse or fail it.
import type { V1Pod } from "@kubernetes/client-node";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, IsolatePodCommand } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { QUARANTINE_LABEL } from "./action.js";
import { createApp } from "./index.js";

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

function setup() {
  const runner = runnerDepsForTest("isolator", sim.url, {});
  const app = createApp({
    push: { service: "isolator", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: IsolatePodCommand) => (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { send, outcomes };
}

const NAME = "web-7d9f8c6b5-abcde";
const pod = () => sim.get({ kind: "Pod", namespace: "shop", name: NAME }) as V1Pod;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `command` with its label patch held back, and lets `meanwhile` change the pod first. */
async function withChangeBeforePatch(send: (c: IsolatePodCommand) => Promise<number>, meanwhile: () => void) {
  sim.faults.inject({ resource: "pods", verb: "patch", latencyMs: 300, times: 1 });
  const sending = send(commandFromExample("isolate-pod", "modern-terminal-shell.json"));
  await sleep(100);
  meanwhile();
  return sending;
}

describe("isolator label patch under attack", () => {
  it("an unrelated label added between read and patch: still isolated (done), the new label kept", async () => {
    const { send, outcomes } = setup();
    expect(Object.keys(pod().metadata?.labels ?? {}).length).toBeGreaterThan(0);
    const status = await withChangeBeforePatch(send, () => {
      const read = pod();
      sim.apply({
        ...read,
        metadata: { ...read.metadata, labels: { ...read.metadata?.labels, rollout: "canary" } },
      } as never);
    });
    expect(status).toBe(204);
    expect(outcomes()).toEqual([expect.objectContaining({ result: "done" })]);
    expect(pod().metadata?.labels).toMatchObject({
      rollout: "canary",
      [QUARANTINE_LABEL]: expect.any(String),
    });
  });

  it("the same labels rewritten in another key order between read and patch: still done", async () => {
    const { send, outcomes } = setup();
    const read = pod();
    sim.apply({
      ...read,
      metadata: { ...read.metadata, labels: { a: "1", b: "2", ...read.metadata?.labels } },
    } as never);
    const status = await withChangeBeforePatch(send, () => {
      const current = pod();
      const reversed = Object.fromEntries(Object.entries(current.metadata?.labels ?? {}).reverse());
      sim.apply({ ...current, metadata: { ...current.metadata, labels: reversed } } as never);
    });
    expect(status).toBe(204);
    expect(outcomes()).toEqual([expect.objectContaining({ result: "done" })]);
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBeDefined();
  });

  it("labels but no annotations, a label removed meanwhile: done, the removal kept", async () => {
    const { send, outcomes } = setup();
    const read = pod();
    const { annotations: _annotations, ...noAnnotations } = read.metadata ?? {};
    sim.apply({
      ...read,
      metadata: { ...noAnnotations, labels: { ...read.metadata?.labels, doomed: "x" } },
    } as never);
    const status = await withChangeBeforePatch(send, () => {
      const current = pod();
      const { doomed: _doomed, ...rest } = current.metadata?.labels ?? {};
      sim.apply({ ...current, metadata: { ...current.metadata, labels: rest } } as never);
    });
    expect(status).toBe(204);
    expect(outcomes()).toEqual([expect.objectContaining({ result: "done" })]);
    expect(pod().metadata?.labels?.doomed).toBeUndefined();
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBeDefined();
  });

  it("a pod with no labels map (and no annotations) whose status changes meanwhile: done", async () => {
    const { send, outcomes } = setup();
    const read = pod();
    const { labels: _labels, annotations: _annotations, ...bare } = read.metadata ?? {};
    sim.apply({ ...read, metadata: bare } as never);
    const status = await withChangeBeforePatch(send, () => {
      const current = pod();
      sim.apply({ ...current, status: { ...current.status, message: "kubelet heartbeat" } } as never);
    });
    expect(status).toBe(204);
    expect(outcomes()).toEqual([expect.objectContaining({ result: "done" })]);
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBeDefined();
  });

  it("three incidents at once: exactly one done, two already-done naming it, the label never overwritten", async () => {
    const { send, outcomes } = setup();
    const base = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    const commands = ["a", "b", "c"].map((c) => ({ ...base, incident: c.repeat(32) }));
    sim.faults.inject({ resource: "pods", verb: "patch", latencyMs: 200, times: 3 });
    expect(await Promise.all(commands.map(send))).toEqual([204, 204, 204]);
    const results = outcomes()
      .map((outcome) => outcome.result)
      .sort();
    expect(results).toEqual(["already-done", "already-done", "done"]);
    const winner = outcomes().find((outcome) => outcome.result === "done")?.incident;
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBe(winner);
    for (const loser of outcomes().filter((outcome) => outcome.result !== "done"))
      expect(loser.reason).toContain(winner as string);
  }, 20_000);
});
