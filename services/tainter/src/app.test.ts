// tainter against the simulated cluster, through app.request.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, TaintNodeCommand } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPROMISED_TAINT, CORDON_ANNOTATION, taintNode } from "./action.js";
import { createApp } from "./index.js";

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
const taintedNodes = () =>
  (sim.list({ kind: "Node" }) as V1Node[])
    .filter((n) => n.spec?.taints?.some((t) => t.key === COMPROMISED_TAINT))
    .map((n) => n.metadata?.name);
/** What a controller does after an eviction or rollout: the same pod under another generated name, new uid and containers. */
function replaceWithSuccessor(gone: { namespace: string; name: string }, successor: string) {
  const old = sim.get({ kind: "Pod", ...gone }) as V1Pod;
  sim.remove({ kind: "Pod", ...gone });
  const statuses = (old.status?.containerStatuses ?? []).map((status, i) => ({
    ...status,
    containerID: `containerd://${String(i).repeat(64)}`,
  }));
  sim.apply({
    ...old,
    metadata: {
      name: successor,
      namespace: gone.namespace,
      labels: old.metadata?.labels,
      ownerReferences: old.metadata?.ownerReferences,
    },
    status: { ...old.status, containerStatuses: statuses },
  } as never);
}
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

  it("a cordon of its own is recorded on the node (riposte untaint lifts only that one)", async () => {
    const { send } = setup();
    const command = hostAlert({ cordon: true });
    await send(command);
    expect(node().metadata?.annotations?.[CORDON_ANNOTATION]).toBe(command.incident);
  });

  it("a node an admin cordoned before is not recorded as Riposte's cordon", async () => {
    const { send } = setup();
    sim.apply({ ...node(), spec: { ...node().spec, unschedulable: true } } as never);
    await send(hostAlert({ cordon: true }));
    expect(node().spec?.unschedulable).toBe(true);
    expect(node().metadata?.annotations?.[CORDON_ANNOTATION]).toBeUndefined();
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

  describe("conflicts are races: re-read and retried, then 503 so Pub/Sub redelivers", () => {
    it("a 409 Conflict on every patch: 503 (not failed), untainted; the redelivery taints", async () => {
      const { send, outcomes } = setup();
      sim.faults.inject({ resource: "nodes", verb: "patch", status: 409, times: 50 });
      expect(await send(hostAlert())).toBe(503);
      expect(outcomes()).toEqual([]);
      expect(taintedNodes()).toEqual([]);
      sim.faults.clear();
      expect(await send(hostAlert())).toBe(204);
      expect(outcomes().map((o) => o.result)).toEqual(["done"]);
      expect(taintedNodes()).toEqual([NODE]);
    });

    it("writers changing the node between every read and patch: 503; once they stop, tainted with theirs kept", async () => {
      const { send, outcomes } = setup();
      // Every patch is slow; meanwhile the node changes (a new resourceVersion) every few ms.
      sim.faults.inject({ resource: "nodes", verb: "patch", latencyMs: 120, times: 50 });
      let changes = 0;
      const writer = setInterval(() => {
        changes += 1;
        const current = node();
        sim.apply({
          ...current,
          metadata: { ...current.metadata, labels: { ...current.metadata?.labels, churn: String(changes) } },
        } as never);
      }, 15);
      const command = hostAlert();
      try {
        expect(await send(command)).toBe(503);
      } finally {
        clearInterval(writer);
      }
      expect(taintedNodes()).toEqual([]);
      sim.faults.clear();
      expect(await send(command)).toBe(204);
      expect(outcomes().map((o) => o.result)).toEqual(["done"]);
      expect(node().metadata?.labels?.churn).toBe(String(changes));
      expect(node().spec?.taints).toEqual([
        { key: COMPROMISED_TAINT, value: command.incident, effect: "NoSchedule" },
      ]);
    });

    it("a 422 that is not a race (the node did not change): failed at once, not retried", async () => {
      const { send, outcomes } = setup();
      sim.faults.inject({ resource: "nodes", verb: "patch", status: 422, times: 50 });
      expect(await send(hostAlert())).toBe(204);
      expect(outcomes()[0]).toMatchObject({ result: "failed" });
      expect(sim.requests.filter((r) => r.verb === "patch" && r.resource === "nodes")).toHaveLength(1);
    });

    it("the node was replaced (another uid) between read and patch: stale, the new node untainted", async () => {
      const { send, outcomes } = setup();
      sim.faults.inject({ resource: "nodes", verb: "patch", latencyMs: 300, times: 1 });
      const sending = send(hostAlert());
      await new Promise((resolve) => setTimeout(resolve, 100));
      const old = node();
      sim.remove({ kind: "Node", name: NODE });
      sim.apply({ ...old, metadata: { name: NODE, labels: old.metadata?.labels } } as never);
      expect(node().metadata?.uid).not.toBe(old.metadata?.uid);
      expect(await sending).toBe(204);
      expect(outcomes()[0]).toMatchObject({ result: "stale", reason: expect.stringMatching(/replaced/) });
      expect(taintedNodes()).toEqual([]);
    });
  });

  describe("an existing riposte taint: escalated, never weakened", () => {
    type Effect = "NoSchedule" | "NoExecute";
    const theirs = { key: "dedicated", value: "batch", effect: "NoSchedule" };
    const ours = (effect: Effect, value = "0".repeat(32)) => ({ key: COMPROMISED_TAINT, value, effect });
    const cases: {
      name: string;
      present: Effect;
      cordoned: boolean;
      asked: { effect: Effect; cordon: boolean };
      result: "done" | "already-done";
      effect: Effect;
      unschedulable: boolean;
    }[] = [
      {
        name: "NoSchedule present, NoExecute asked → escalated",
        present: "NoSchedule",
        cordoned: false,
        asked: { effect: "NoExecute", cordon: false },
        result: "done",
        effect: "NoExecute",
        unschedulable: false,
      },
      {
        name: "NoExecute present, NoSchedule asked → already-done, not weakened",
        present: "NoExecute",
        cordoned: false,
        asked: { effect: "NoSchedule", cordon: false },
        result: "already-done",
        effect: "NoExecute",
        unschedulable: false,
      },
      {
        name: "NoSchedule present, NoSchedule + cordon asked → cordoned",
        present: "NoSchedule",
        cordoned: false,
        asked: { effect: "NoSchedule", cordon: true },
        result: "done",
        effect: "NoSchedule",
        unschedulable: true,
      },
      {
        name: "NoSchedule present, NoExecute + cordon asked → both",
        present: "NoSchedule",
        cordoned: false,
        asked: { effect: "NoExecute", cordon: true },
        result: "done",
        effect: "NoExecute",
        unschedulable: true,
      },
      {
        name: "NoExecute present and cordoned, NoSchedule without cordon asked → stays cordoned",
        present: "NoExecute",
        cordoned: true,
        asked: { effect: "NoSchedule", cordon: false },
        result: "already-done",
        effect: "NoExecute",
        unschedulable: true,
      },
      {
        name: "NoExecute present and cordoned, the same asked → already-done",
        present: "NoExecute",
        cordoned: true,
        asked: { effect: "NoExecute", cordon: true },
        result: "already-done",
        effect: "NoExecute",
        unschedulable: true,
      },
      {
        name: "NoSchedule present and cordoned, NoExecute asked → escalated, still cordoned",
        present: "NoSchedule",
        cordoned: true,
        asked: { effect: "NoExecute", cordon: false },
        result: "done",
        effect: "NoExecute",
        unschedulable: true,
      },
    ];
    it.each(cases)("$name", async ({ present, cordoned, asked, result, effect, unschedulable }) => {
      const { send, outcomes } = setup();
      const other = { key: "someone.else/maintenance", effect: "PreferNoSchedule" };
      sim.apply({
        ...node(),
        spec: {
          ...node().spec,
          taints: [theirs, ours(present), other],
          ...(cordoned ? { unschedulable: true } : {}),
        },
      } as never);
      sim.clearRequests();
      const command = hostAlert(asked);
      expect(await send(command)).toBe(204);
      expect(outcomes()[0]).toMatchObject({ result });
      // The riposte taint keeps its place; the others are untouched.
      const value = effect === present ? "0".repeat(32) : command.incident;
      expect(node().spec?.taints).toEqual([theirs, ours(effect, value), other]);
      expect(node().spec?.unschedulable ?? false).toBe(unschedulable);
      const patches = sim.requests.filter((r) => r.verb === "patch" && r.resource === "nodes");
      expect(patches).toHaveLength(result === "done" ? 1 : 0);
      if (result === "done")
        expect(patches[0]?.bodySummary).toMatch(/"op":"test","path":"\/metadata\/resourceVersion"/);
    });
  });

  it("finds the node from the pod when the alert has no node (a k8s_audit alert)", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("taint-node", "k8saudit-exec.json", { top: { priority: "Critical" } });
    expect(command.target.node).toBeUndefined();
    await send(command);
    expect(outcomes()[0]).toMatchObject({ result: "done" });
    expect(taintedNodes()).toEqual(["gke-prod-default-pool-3f1c2a9e-4hjk"]);
  });

  it("a k8s_audit alert whose pod was re-created after the event: not the alert's pod, nothing tainted", async () => {
    const { send, outcomes } = setup();
    const old = sim.get({ kind: "Pod", namespace: "shop", name: "frontend-6b8d9c7f5-p4k2m" }) as V1Pod;
    sim.remove({ kind: "Pod", namespace: "shop", name: "frontend-6b8d9c7f5-p4k2m" });
    sim.apply({ ...old, metadata: { name: "frontend-6b8d9c7f5-p4k2m", namespace: "shop" } } as never);
    await send(commandFromExample("taint-node", "k8saudit-exec.json", { top: { priority: "Critical" } }));
    expect(outcomes()[0]).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/no node to taint: .*was created at \S+, after the alert's event/),
    });
    expect(taintedNodes()).toEqual([]);
  });

  describe("an alert about a pod: the pod policy applies even though every syscall alert names its node", () => {
    it("a DaemonSet pod (node-exporter) on the alert's node: refused, the node untainted", async () => {
      const { send, outcomes } = setup();
      const command = commandFromExample("taint-node", "informational.json", {
        top: { priority: "Critical" },
      });
      expect(command.target.node).toBe(NODE);
      expect(await send(command)).toBe(204);
      expect(outcomes()[0]).toMatchObject({
        result: "refused",
        reason: expect.stringMatching(/monitoring\/node-exporter-8xk2l: owned by DaemonSet node-exporter/),
      });
      expect(taintedNodes()).toEqual([]);
      expect(sim.requests.filter((r) => r.verb === "patch")).toEqual([]);
    });

    it("a DaemonSet pod found by its container id alone: refused", async () => {
      const { send, outcomes } = setup();
      await send(
        commandFromExample("taint-node", "informational.json", {
          top: { priority: "Critical" },
          drop: ["k8s.pod.name", "k8s.ns.name"],
        }),
      );
      expect(outcomes()[0]).toMatchObject({ result: "refused", reason: expect.stringMatching(/DaemonSet/) });
      expect(taintedNodes()).toEqual([]);
    });

    it("a protected namespace or a static (mirror) pod: refused", async () => {
      const { send, outcomes } = setup();
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", {
          top: { priority: "Critical" },
          fields: { "k8s.ns.name": "falco" },
        }),
      );
      const web = sim.get({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" }) as V1Pod;
      sim.apply({
        ...web,
        metadata: {
          name: "static-web",
          namespace: "shop",
          annotations: { "kubernetes.io/config.mirror": "x" },
        },
      } as never);
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", {
          top: { priority: "Critical" },
          fields: { "k8s.pod.name": "static-web" },
        }),
      );
      expect(outcomes().map((o) => [o.result, o.reason])).toEqual([
        ["refused", expect.stringMatching(/namespace falco is protected/)],
        ["refused", expect.stringMatching(/static-web: static \(mirror\) pod/)],
      ]);
      expect(taintedNodes()).toEqual([]);
    });

    it("an ordinary pod on the alert's node: the node is tainted", async () => {
      const { send, outcomes } = setup();
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", { top: { priority: "Critical" } }),
      );
      expect(outcomes()[0]).toMatchObject({
        result: "done",
        details: expect.objectContaining({ pod: "shop/web-7d9f8c6b5-abcde" }),
      });
      expect(taintedNodes()).toEqual([NODE]);
    });

    it("the pod runs on another node than the alert's: refused (the alert contradicts the cluster)", async () => {
      const { send, outcomes } = setup();
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", {
          top: { priority: "Critical", hostname: "gke-prod-default-pool-3f1c2a9e-9m2p" },
        }),
      );
      expect(outcomes()[0]).toMatchObject({
        result: "refused",
        reason: expect.stringMatching(/runs on node gke-prod-default-pool-3f1c2a9e-7xkq, not on the alert's/),
      });
      expect(taintedNodes()).toEqual([]);
    });

    it("the pod is gone (killed by pod-killer or by the attacker): the alert's node is still tainted", async () => {
      const { send, outcomes } = setup();
      sim.remove({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", { top: { priority: "Critical" } }),
      );
      expect(outcomes()[0]).toMatchObject({
        result: "done",
        details: expect.objectContaining({ podGone: expect.stringMatching(/not found/) }),
      });
      expect(taintedNodes()).toEqual([NODE]);
    });

    it("only a container id that no pod on the node runs or ran: refused, the pod cannot be judged", async () => {
      const { send, outcomes } = setup();
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", {
          top: { priority: "Critical" },
          drop: ["k8s.pod.name", "k8s.ns.name"],
          fields: { "container.id": "0123456789ab" },
        }),
      );
      expect(outcomes()[0]).toMatchObject({
        result: "refused",
        reason: expect.stringMatching(
          /cannot judge the pod: no pod on node \S+ runs or ran container 0123456789ab/,
        ),
      });
      expect(taintedNodes()).toEqual([]);
    });

    describe("a DaemonSet pod the alert's name or container id no longer finds is still protected", () => {
      const DS_CONTAINER = "a1b2c3d4e5f6";
      const exporterAlert = (changes: { drop?: string[]; fields?: Record<string, unknown> } = {}) =>
        commandFromExample("taint-node", "informational.json", { top: { priority: "Critical" }, ...changes });
      const expectRefused = (outcome: ActionOutcome | undefined, reason: RegExp) => {
        expect(outcome).toMatchObject({ result: "refused", reason: expect.stringMatching(reason) });
        expect(taintedNodes()).toEqual([]);
        expect(sim.requests.filter((r) => r.verb === "patch")).toEqual([]);
      };

      it("A: its DaemonSet replaced it (rollout, eviction) under a new name and new containers: refused", async () => {
        const { send, outcomes } = setup();
        replaceWithSuccessor({ namespace: "monitoring", name: "node-exporter-8xk2l" }, "node-exporter-zzzzz");
        await send(exporterAlert());
        await send(exporterAlert({ drop: ["container.id"] }));
        for (const outcome of outcomes())
          expectRefused(
            outcome,
            /successor monitoring\/node-exporter-zzzzz.*owned by DaemonSet node-exporter/,
          );
      });

      it("B: its container restarted twice and the alert carries only the container id: refused", async () => {
        const { send, outcomes } = setup();
        sim.restartContainer({ namespace: "monitoring", name: "node-exporter-8xk2l" });
        sim.restartContainer({ namespace: "monitoring", name: "node-exporter-8xk2l" });
        await send(exporterAlert({ drop: ["k8s.pod.name", "k8s.ns.name"] }));
        expectRefused(
          outcomes()[0],
          /cannot judge the pod: no pod on node \S+ runs or ran container a1b2c3d4e5f6/,
        );
      });

      it("D: the alert names an ordinary pod but carries a live DaemonSet pod's container id: refused", async () => {
        const { send, outcomes } = setup();
        await send(
          exporterAlert({ fields: { "k8s.ns.name": "shop", "k8s.pod.name": "web-7d9f8c6b5-abcde" } }),
        );
        expectRefused(
          outcomes()[0],
          new RegExp(`monitoring/node-exporter-8xk2l runs or ran container ${DS_CONTAINER}.*DaemonSet`),
        );
      });

      it("E: the alert names a pod that does not exist, with a live DaemonSet pod's container id: refused", async () => {
        const { send, outcomes } = setup();
        await send(exporterAlert({ fields: { "k8s.ns.name": "shop", "k8s.pod.name": "no-such-pod" } }));
        expectRefused(
          outcomes()[0],
          new RegExp(`monitoring/node-exporter-8xk2l runs or ran container ${DS_CONTAINER}.*DaemonSet`),
        );
      });

      it("a static pod's successor (a mirror pod) refuses too", async () => {
        const { send, outcomes } = setup();
        const web = sim.get({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" }) as V1Pod;
        sim.apply({
          ...web,
          metadata: {
            name: "web-7d9f8c6b5-mmmmm",
            namespace: "shop",
            annotations: { "kubernetes.io/config.mirror": "x" },
          },
          status: { containerStatuses: [] },
        } as never);
        sim.remove({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
        await send(
          commandFromExample("taint-node", "modern-terminal-shell.json", { top: { priority: "Critical" } }),
        );
        expectRefused(outcomes()[0], /successor shop\/web-7d9f8c6b5-mmmmm.*static \(mirror\) pod/);
      });

      it("pod-killer killed an ordinary pod first and its ReplicaSet replaced it: the node is still tainted", async () => {
        const { send, outcomes } = setup();
        replaceWithSuccessor({ namespace: "shop", name: "web-7d9f8c6b5-abcde" }, "web-7d9f8c6b5-zzzzz");
        await send(
          commandFromExample("taint-node", "modern-terminal-shell.json", { top: { priority: "Critical" } }),
        );
        expect(outcomes()[0]).toMatchObject({
          result: "done",
          details: expect.objectContaining({ podGone: expect.stringMatching(/not found/) }),
        });
        expect(taintedNodes()).toEqual([NODE]);
      });
    });

    it("the pod was replaced by a protected pod of the same name (a restarted static pod): refused", async () => {
      const { send, outcomes } = setup();
      const web = sim.get({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" }) as V1Pod;
      sim.remove({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
      sim.apply({
        ...web,
        metadata: {
          name: "web-7d9f8c6b5-abcde",
          namespace: "shop",
          annotations: { "kubernetes.io/config.mirror": "x" },
        },
      } as never);
      await send(
        commandFromExample("taint-node", "modern-k8s-api-contact.json", {
          top: { priority: "Critical", hostname: NODE },
          fields: { "k8s.ns.name": "shop", "k8s.pod.name": "web-7d9f8c6b5-abcde" },
        }),
      );
      expect(outcomes()[0]).toMatchObject({ result: "refused", reason: expect.stringMatching(/mirror/) });
      expect(taintedNodes()).toEqual([]);
    });

    it("a container id that several pods on the node match: refused, the policy cannot be applied", async () => {
      const { send, outcomes } = setup();
      const web = sim.get({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" }) as V1Pod;
      const [status] = web.status?.containerStatuses ?? [];
      sim.apply({
        ...web,
        metadata: { name: "lookalike", namespace: "shop" },
        status: {
          ...web.status,
          containerStatuses: [{ ...status, containerID: `containerd://4b2f1a9c8d7e${"0".repeat(52)}` }],
        },
      } as never);
      await send(
        commandFromExample("taint-node", "modern-terminal-shell.json", {
          top: { priority: "Critical" },
          drop: ["k8s.pod.name", "k8s.ns.name"],
        }),
      );
      expect(outcomes()[0]).toMatchObject({ result: "refused", reason: expect.stringMatching(/ambiguous/) });
      expect(taintedNodes()).toEqual([]);
    });

    it("the pod and its node both unknown: refused, nothing to taint", async () => {
      const { send, outcomes } = setup();
      await send(
        commandFromExample("taint-node", "k8saudit-exec.json", {
          top: { priority: "Critical" },
          fields: { "ka.target.name": "no-such-pod" },
        }),
      );
      expect(outcomes()[0]).toMatchObject({
        result: "refused",
        reason: expect.stringMatching(/no node to taint/),
      });
    });
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
