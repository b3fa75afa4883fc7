// pod-killer against the simulated cluster (a real Kubernetes REST API), through app.request.
import type { V1Pod } from "@kubernetes/client-node";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, KillPodCommand } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { killPod } from "./action.js";
import { createApp } from "./index.js";

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

function setup(options: { dryRun?: boolean; limits?: boolean } = {}) {
  const runner = runnerDepsForTest("pod-killer", sim.url, {
    ...(options.limits ? { limits: killPod.limits } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  });
  const app = createApp({
    push: { service: "pod-killer", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: KillPodCommand) => (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { app, send, outcomes };
}

const pod = (namespace: string, name: string) =>
  sim.get({ kind: "Pod", namespace, name }) as V1Pod | undefined;
const deletions = () =>
  sim.requests.filter((r) => r.verb === "delete" && r.resource === "pods" && r.status === 200);

describe("pod-killer", () => {
  it("deletes the pod the alert names, with its uid as precondition, and writes an Event", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    const uid = pod("jobs", "batch-worker-6f7d8-zx9k2")?.metadata?.uid;
    expect(uid).toBeDefined();
    expect(await send(command)).toBe(204);
    expect(pod("jobs", "batch-worker-6f7d8-zx9k2")).toBeUndefined();
    expect(deletions()[0]?.bodySummary).toContain(uid);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        service: "pod-killer",
        action: "kill-pod",
        result: "done",
        incident: command.incident,
      }),
    ]);
    const events = sim.list({ kind: "Event", namespace: "jobs" });
    expect(events).toEqual([
      expect.objectContaining({
        reason: "RiposteKillPod",
        involvedObject: expect.objectContaining({ kind: "Pod", name: "batch-worker-6f7d8-zx9k2", uid }),
      }),
    ]);
    expect(String((events[0] as { message?: string }).message)).toContain(command.incident);
  });

  it("the same command twice: one deletion, then already-done", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    await send(command);
    await send(command);
    expect(deletions()).toHaveLength(1);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done"]);
  });

  it("never deletes a new pod that took the name since the alert (stale)", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "modern-k8s-api-contact.json");
    const old = pod("payments", "checkout-5c8d7f9b4-q2w3e");
    expect(old?.metadata?.uid).toBe(command.target.podUid);
    sim.remove({ kind: "Pod", namespace: "payments", name: "checkout-5c8d7f9b4-q2w3e" });
    sim.apply({
      ...old,
      metadata: { name: "checkout-5c8d7f9b4-q2w3e", namespace: "payments", labels: old?.metadata?.labels },
    });
    const replacement = pod("payments", "checkout-5c8d7f9b4-q2w3e");
    expect(replacement?.metadata?.uid).not.toBe(command.target.podUid);
    expect(await send(command)).toBe(204);
    expect(pod("payments", "checkout-5c8d7f9b4-q2w3e")?.metadata?.uid).toBe(replacement?.metadata?.uid);
    expect(outcomes()[0]).toMatchObject({ result: "stale" });
    expect(deletions()).toHaveLength(0);
  });

  it("a pod replaced between resolution and deletion: the uid precondition answers 409 → stale", async () => {
    const { send, outcomes } = setup();
    // No uid in the alert: resolution reads the current pod, then it is replaced before the DELETE.
    const command = commandFromExample("kill-pod", "modern-terminal-shell.json");
    const original = pod("shop", "web-7d9f8c6b5-abcde");
    sim.faults.inject({ resource: "pods", verb: "delete", latencyMs: 300, times: 1 });
    const sending = send(command);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sim.remove({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
    sim.apply({ ...original, metadata: { name: "web-7d9f8c6b5-abcde", namespace: "shop" } });
    expect(await sending).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "stale" });
    expect(pod("shop", "web-7d9f8c6b5-abcde")).toBeDefined();
  });

  it("without a uid, a pod of the same name running other containers is another pod: stale, not deleted", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    expect(command.target.podUid).toBeUndefined();
    const old = pod("jobs", "batch-worker-6f7d8-zx9k2") as V1Pod;
    sim.remove({ kind: "Pod", namespace: "jobs", name: "batch-worker-6f7d8-zx9k2" });
    const statuses = (old.status?.containerStatuses ?? []).map((s) => ({
      ...s,
      containerID: `containerd://${"f".repeat(64)}`,
    }));
    sim.apply({
      ...old,
      metadata: { name: "batch-worker-6f7d8-zx9k2", namespace: "jobs" },
      status: { ...old.status, containerStatuses: statuses },
    } as never);
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({
      result: "stale",
      reason: expect.stringMatching(/does not run the alert's container b7e2c9d1f0a3/),
    });
    expect(pod("jobs", "batch-worker-6f7d8-zx9k2")).toBeDefined();
    expect(deletions()).toHaveLength(0);
  });

  it("without uid or container id (a k8s_audit alert), a pod created after the event took the name: stale, not deleted", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "k8saudit-exec.json");
    expect(command.target).toMatchObject({ namespace: "shop", pod: "frontend-6b8d9c7f5-p4k2m" });
    expect(command.target.podUid ?? command.target.containerId).toBeUndefined();
    const old = pod("shop", "frontend-6b8d9c7f5-p4k2m") as V1Pod;
    expect(await send(command)).toBe(204);
    // Its controller re-creates a pod of that name; then Pub/Sub redelivers the command (after a 503).
    sim.apply({ ...old, metadata: { name: "frontend-6b8d9c7f5-p4k2m", namespace: "shop" } } as never);
    expect(await send(command)).toBe(204);
    expect(pod("shop", "frontend-6b8d9c7f5-p4k2m")).toBeDefined();
    expect(deletions()).toHaveLength(1);
    expect(outcomes().map((o) => [o.result, o.reason])).toEqual([
      ["done", "deleted pod shop/frontend-6b8d9c7f5-p4k2m"],
      [
        "stale",
        expect.stringMatching(
          /was created at \S+, after the alert's event at 2024-11-23T13:30:00.123Z; nothing deleted/,
        ),
      ],
    ]);
  });

  it("resolves the pod from the container id and node alone", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "modern-terminal-shell.json", {
      drop: ["k8s.pod.name", "k8s.ns.name"],
    });
    expect(command.target.pod).toBeUndefined();
    expect(await send(command)).toBe(204);
    expect(pod("shop", "web-7d9f8c6b5-abcde")).toBeUndefined();
    expect(outcomes()[0]).toMatchObject({
      result: "done",
      details: expect.objectContaining({ resolvedBy: "container-id" }),
    });
    expect(
      sim.requests.some(
        (r) =>
          r.verb === "list" && r.query.fieldSelector === "spec.nodeName=gke-prod-default-pool-3f1c2a9e-7xkq",
      ),
    ).toBe(true);
  });

  it("a restarted container: the alert's (previous) container id still finds the pod, which is deleted", async () => {
    const { send, outcomes } = setup();
    sim.restartContainer({ namespace: "shop", name: "web-7d9f8c6b5-abcde" });
    const command = commandFromExample("kill-pod", "modern-terminal-shell.json", {
      drop: ["k8s.pod.name", "k8s.ns.name"],
    });
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({
      result: "done",
      details: expect.objectContaining({ resolvedBy: "container-id" }),
    });
    expect(pod("shop", "web-7d9f8c6b5-abcde")).toBeUndefined();
  });

  it("no pod on the node runs or ran the alert's container: stale (the kill cannot prove the pod gone), never already-done", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("kill-pod", "modern-terminal-shell.json", {
      drop: ["k8s.pod.name", "k8s.ns.name"],
      fields: { "container.id": "0123456789ab" },
    });
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({
      result: "stale",
      reason: expect.stringMatching(/no pod on node \S+ runs or ran container 0123456789ab/),
    });
    expect(deletions()).toHaveLength(0);
  });

  it.each([
    [
      "a protected namespace",
      { fields: { "k8s.ns.name": "kube-system", "k8s.pod.name": "kube-dns-1" } },
      /namespace kube-system is protected \(matches "kube-system"\)/,
    ],
    [
      "a gke-* namespace",
      { fields: { "k8s.ns.name": "gke-managed-system", "k8s.pod.name": "x" } },
      /matches "gke-\*"/,
    ],
    ["a DaemonSet pod", { fields: { "k8s.ns.name": "monitoring" }, file: "informational.json" }, /DaemonSet/],
  ])("refuses %s and changes nothing", async (_, options, reason) => {
    const { send, outcomes } = setup();
    const { file = "modern-terminal-shell.json", ...changes } = options as {
      file?: string;
      fields: Record<string, unknown>;
    };
    const command = commandFromExample("kill-pod", file, changes);
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "refused", reason: expect.stringMatching(reason) });
    expect(deletions()).toHaveLength(0);
    // Refused before any request reached the cluster.
    if (/protected/.test(String(reason)))
      expect(sim.requests.filter((r) => r.resource === "pods")).toHaveLength(0);
  });

  it("refuses a static (mirror) pod", async () => {
    const { send, outcomes } = setup();
    const web = pod("shop", "web-7d9f8c6b5-abcde");
    sim.apply({
      ...web,
      metadata: {
        name: "static-web",
        namespace: "shop",
        annotations: { "kubernetes.io/config.mirror": "abc" },
      },
    });
    const command = commandFromExample("kill-pod", "modern-terminal-shell.json", {
      fields: { "k8s.pod.name": "static-web" },
    });
    await send(command);
    expect(outcomes()[0]).toMatchObject({ result: "refused", reason: expect.stringMatching(/mirror/) });
    expect(pod("shop", "static-web")).toBeDefined();
  });

  it("dry-run: nothing changed, the outcome says exactly what would have been done", async () => {
    const { send, outcomes } = setup({ dryRun: true });
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    await send(command);
    expect(pod("jobs", "batch-worker-6f7d8-zx9k2")).toBeDefined();
    expect(outcomes()[0]).toMatchObject({
      result: "dry-run",
      reason: expect.stringMatching(
        /^would delete pod jobs\/batch-worker-6f7d8-zx9k2 \(uid [0-9a-f-]{36}\) with gracePeriodSeconds 0$/,
      ),
    });
    const perCommand = setup();
    await perCommand.send(
      commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", { dryRun: true }),
    );
    expect(perCommand.outcomes()[0]?.result).toBe("dry-run");
    expect(deletions()).toHaveLength(0);
  });

  it("the 6th kill in a namespace within a minute is refused, naming the limit", async () => {
    const { send, outcomes } = setup({ limits: true });
    const template = pod("shop", "web-7d9f8c6b5-abcde");
    for (let i = 1; i <= 6; i += 1)
      sim.apply({ ...template, metadata: { name: `victim-${i}`, namespace: "shop" } });
    for (let i = 1; i <= 6; i += 1) {
      await send(
        commandFromExample("kill-pod", "modern-terminal-shell.json", {
          fields: { "k8s.pod.name": `victim-${i}` },
        }),
      );
    }
    expect(outcomes().map((o) => o.result)).toEqual(["done", "done", "done", "done", "done", "refused"]);
    expect(outcomes()[5]?.reason).toMatch(
      /blast-radius limit reached: pod kills per namespace \(5 per 60 s\) in namespace shop/,
    );
    expect(pod("shop", "victim-6")).toBeDefined();
  });

  it("500 three times, then success: 503, 503, 503, then exactly one deletion", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ resource: "pods", verb: "delete", status: 500, times: 3 });
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push(await send(command));
    expect(statuses).toEqual([503, 503, 503, 204]);
    expect(deletions()).toHaveLength(1);
    expect(outcomes().map((o) => o.result)).toEqual(["done"]);
  });

  it("429 and timeouts are transient too", async () => {
    const { send } = setup();
    sim.faults.inject({ resource: "pods", verb: "get", status: 429, retryAfterSeconds: 1, times: 1 });
    sim.faults.inject({ resource: "pods", verb: "get", drop: true, times: 1 });
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    expect(await send(command)).toBe(503);
    expect(await send(command)).toBe(503);
    expect(await send(command)).toBe(204);
  });

  it("an alert with no pod, uid or container is refused (no target)", async () => {
    const { send, outcomes } = setup();
    await send(commandFromExample("kill-pod", "na-fields.json", { fields: { "container.id": "<NA>" } }));
    expect(outcomes()[0]).toMatchObject({ result: "refused", reason: expect.stringMatching(/no target/) });
  });
});
