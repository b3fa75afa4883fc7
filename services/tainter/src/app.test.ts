// tainter against the simulated cluster, through app.request.
import type { V1Node } from "@kubernetes/client-node";
import type { ActionOutcome, TaintNodeCommand } from "@riposte/falco-event";
import { commandFromExample, runnerDepsForTest } from "@riposte/k8s-response/testing";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPROMISED_TAINT, taintNode } from "./action.js";
import { createApp } from "./app.js";

const NODE = "gke-prod-default-pool-3f1c2a9e-7xkq";
let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

function setup(options: { dryRun?: boolean; limits?: boolean } = {}) {
  const runner = runnerDepsForTest("tainter", sim.url, {
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.limits ? { limits: taintNode.limits } : {}),
  });
  const app = createApp({
    push: { service: "tainter", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: TaintNodeCommand) => (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { send, outcomes };
}

const node = (name = NODE) => sim.get({ kind: "Node", name }) as V1Node;
const hostAlert = (params: Record<string, unknown> = {}) =>
  commandFromExample("taint-node", "host-level.json", { top: { priority: "Critical" }, params });

describe("tainter", () => {
  it("appends the taint, keeping the node's earlier taints, with an Event", async () => {
    const { send, outcomes } = setup();
    const earlier = { key: "dedicated", value: "batch", effect: "NoSchedule" };
    sim.apply({ ...node(), spec: { ...node().spec, taints: [earlier] } } as never);
    const command = hostAlert();
    expect(await send(command)).toBe(204);
    expect(node().spec?.taints).toEqual([
      earlier,
      { key: COMPROMISED_TAINT, value: command.incident, effect: "NoSchedule" },
    ]);
    expect(outcomes()[0]).toMatchObject({ result: "done", action: "taint-node" });
    expect(sim.list({ kind: "Event", namespace: "default" })).toEqual([
      expect.objectContaining({
        reason: "RiposteTaintNode",
        involvedObject: expect.objectContaining({ kind: "Node", name: NODE }),
      }),
    ]);
    const patch = sim.requests.find((r) => r.verb === "patch" && r.resource === "nodes");
    expect(patch?.contentType).toMatch(/json-patch/);
    expect(patch?.bodySummary).toMatch(/"op":"test","path":"\/metadata\/resourceVersion"/);
  });

  it("already tainted → already-done, nothing written", async () => {
    const { send, outcomes } = setup();
    await send(hostAlert());
    await send(hostAlert());
    expect(node().spec?.taints?.filter((t) => t.key === COMPROMISED_TAINT)).toHaveLength(1);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done"]);
  });

  it("NoExecute and cordon when asked", async () => {
    const { send } = setup();
    await send(hostAlert({ effect: "NoExecute", cordon: true }));
    expect(node().spec?.taints?.at(-1)?.effect).toBe("NoExecute");
    expect(node().spec?.unschedulable).toBe(true);
  });

  it("a node changed between read and patch: re-read and retry, earlier taints intact", async () => {
    const { send, outcomes } = setup();
    // Slow the patch; meanwhile someone else adds a taint (new resourceVersion): the test op fails once.
    sim.faults.inject({ resource: "nodes", verb: "patch", latencyMs: 300, times: 1 });
    const sending = send(hostAlert());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const theirs = { key: "someone.else/maintenance", effect: "NoSchedule" };
    sim.apply({
      ...node(),
      spec: { ...node().spec, taints: [...(node().spec?.taints ?? []), theirs] },
    } as never);
    expect(await sending).toBe(204);
    expect(node().spec?.taints?.map((t) => t.key)).toEqual(["someone.else/maintenance", COMPROMISED_TAINT]);
    expect(outcomes()[0]).toMatchObject({
      result: "done",
      details: expect.objectContaining({ attempts: 2 }),
    });
  });

  it("finds the node from the pod when the alert names a pod", async () => {
    const { send } = setup();
    await send(
      commandFromExample("taint-node", "modern-terminal-shell.json", {
        top: { hostname: "<NA>", priority: "Critical" },
      }),
    );
    expect(node().spec?.taints?.some((t) => t.key === COMPROMISED_TAINT)).toBe(true);
  });

  it("never taints because of a pod in a protected namespace, or a DaemonSet pod", async () => {
    const { send, outcomes } = setup();
    await send(
      commandFromExample("taint-node", "modern-terminal-shell.json", {
        top: { priority: "Critical" },
        fields: { "k8s.ns.name": "falco" },
      }),
    );
    await send(
      commandFromExample("taint-node", "informational.json", {
        top: { priority: "Critical", hostname: "<NA>" },
      }),
    );
    expect(outcomes().map((o) => [o.result, o.reason])).toEqual([
      ["refused", expect.stringMatching(/namespace falco is protected/)],
      ["refused", expect.stringMatching(/DaemonSet node-exporter/)],
    ]);
    expect(sim.requests.filter((r) => r.verb === "patch")).toEqual([]);
  });

  it("taints at most 3 nodes per 10 minutes per cluster", async () => {
    const { send, outcomes } = setup({ limits: true });
    const nodes = (sim.list({ kind: "Node" }) as V1Node[]).map((n) => n.metadata?.name as string);
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    for (const name of nodes.slice(0, 4)) {
      await send(
        commandFromExample("taint-node", "host-level.json", {
          top: { priority: "Critical", hostname: name },
        }),
      );
    }
    expect(outcomes().map((o) => o.result)).toEqual(["done", "done", "done", "refused"]);
    expect(outcomes()[3]?.reason).toMatch(/node taints per cluster \(3 per 600 s\)/);
  });

  it("dry-run changes nothing; an unknown node is stale", async () => {
    const { send, outcomes } = setup({ dryRun: true });
    await send(hostAlert());
    expect(node().spec?.taints?.some((t) => t.key === COMPROMISED_TAINT) ?? false).toBe(false);
    expect(outcomes()[0]).toMatchObject({
      result: "dry-run",
      reason: expect.stringMatching(
        /^would add taint riposte.dev\/compromised=[0-9a-f]{32}:NoSchedule to node/,
      ),
    });
    await send(
      commandFromExample("taint-node", "host-level.json", {
        top: { priority: "Critical", hostname: "gke-gone-node" },
      }),
    );
    expect(outcomes()[1]).toMatchObject({ result: "stale" });
  });
});
