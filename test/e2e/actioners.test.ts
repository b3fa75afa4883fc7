// The Kubernetes actioners end to end: Falco alerts into falco-events on the real emulator, the router
// and the three actioners as processes behind real push subscriptions, the simulated cluster enforcing
// exactly the generated RBAC (infra/k8s/rbac/*.yaml), outcomes read back from action-outcomes.
import { readFileSync } from "node:fs";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { commandFromExample } from "@riposte/actioner-kit/testing";
import type { ActionOutcome } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";
import { killAtOncePlaybooksFile } from "./playbooks.js";

const ACTIONERS = ["pod-killer", "isolator", "tainter"] as const;
const rbacFile = (service: string) =>
  readFileSync(new URL(`../../infra/k8s/rbac/${service}.yaml`, import.meta.url), "utf8");
const userOf = (service: string) => `riposte-${service}@PROJECT_ID.iam.gserviceaccount.com`;

let sim: SimCluster;
let pipeline: Pipeline;

beforeAll(async () => {
  sim = await startSim({
    seed: demoSeed(),
    rbac: ACTIONERS.map(rbacFile),
    tokens: Object.fromEntries(ACTIONERS.map((service) => [`token-${service}`, userOf(service)])),
    anonymous: "deny",
  });
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", ...ACTIONERS],
    env: {
      // Each actioner on its own: the kill without the isolation and capture the default chains before it.
      router: { PLAYBOOKS_FILE: killAtOncePlaybooksFile() },
      ...Object.fromEntries(
        ACTIONERS.map((service) => [
          service,
          { CLUSTERS: JSON.stringify({ local: { server: sim.url, token: `token-${service}` } }) },
        ]),
      ),
    },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await sim?.stop();
});

beforeEach(() => sim.reset());

async function outcomesFor(incident: string, count: number, timeoutMs = 15_000): Promise<ActionOutcome[]> {
  return (await pipeline.tapped("action-outcomes", incident, { count, timeoutMs })).map((m) =>
    m.json<ActionOutcome>(),
  );
}

const pod = (namespace: string, name: string) =>
  sim.get({ kind: "Pod", namespace, name }) as V1Pod | undefined;
const node = (name: string) => sim.get({ kind: "Node", name }) as V1Node;
const publishCommand = (topic: string, command: unknown) =>
  pipeline.pubsub.topic(topic).publishMessage({
    data: Buffer.from(JSON.stringify(command)),
    attributes: { incident: (command as { incident: string }).incident },
  });

describe("actioners end to end", { timeout: 60_000 }, () => {
  it("a Critical alert with a pod: the pod is deleted, with an Event and a done outcome", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json");
    await pipeline.sendAlert(alert.json);
    const [outcome] = await outcomesFor(alert.incident, 1);
    expect(outcome).toMatchObject({ service: "pod-killer", action: "kill-pod", result: "done" });
    expect(pod("jobs", "batch-worker-6f7d8-zx9k2")).toBeUndefined();
    expect(sim.list({ kind: "Event", namespace: "jobs" })).toEqual([
      expect.objectContaining({ reason: "RiposteKillPod" }),
    ]);
    expect(sim.requests.find((r) => r.verb === "delete")?.user).toBe(userOf("pod-killer"));
  });

  it("a pod replaced by a new one of the same name since the alert is NOT deleted (stale)", async () => {
    const alert = freshAlert("modern-k8s-api-contact.json", { top: { priority: "Critical" } });
    const original = pod("payments", "checkout-5c8d7f9b4-q2w3e") as V1Pod;
    sim.remove({ kind: "Pod", namespace: "payments", name: "checkout-5c8d7f9b4-q2w3e" });
    sim.apply({
      ...original,
      metadata: { name: "checkout-5c8d7f9b4-q2w3e", namespace: "payments" },
    } as never);
    const replacement = pod("payments", "checkout-5c8d7f9b4-q2w3e");
    await pipeline.sendAlert(alert.json);
    const outcomes = await outcomesFor(alert.incident, 2);
    expect(outcomes.find((o) => o.action === "kill-pod")).toMatchObject({ result: "stale" });
    expect(outcomes.find((o) => o.action === "isolate-pod")).toMatchObject({ result: "stale" });
    expect(pod("payments", "checkout-5c8d7f9b4-q2w3e")?.metadata?.uid).toBe(replacement?.metadata?.uid);
  });

  it("a pod named only by its container id is resolved on its node and deleted", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.pod.name": null, "k8s.ns.name": null },
    });
    await pipeline.sendAlert(alert.json);
    const [outcome] = await outcomesFor(alert.incident, 1);
    expect(outcome).toMatchObject({
      result: "done",
      details: expect.objectContaining({ resolvedBy: "container-id" }),
    });
    expect(pod("jobs", "batch-worker-6f7d8-zx9k2")).toBeUndefined();
  });

  it("a terminal shell: the pod is isolated, the NetworkPolicy present and correct", async () => {
    const alert = freshAlert("modern-terminal-shell.json");
    await pipeline.sendAlert(alert.json);
    const [outcome] = await outcomesFor(alert.incident, 1);
    expect(outcome).toMatchObject({ service: "isolator", result: "done" });
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.["riposte.dev/quarantine"]).toBe(
      alert.incident,
    );
    expect(sim.get({ kind: "NetworkPolicy", namespace: "shop", name: "riposte-quarantine" })).toMatchObject({
      spec: {
        policyTypes: ["Ingress", "Egress"],
        podSelector: { matchExpressions: [{ key: "riposte.dev/quarantine", operator: "Exists" }] },
      },
    });
    expect(sim.list({ kind: "Event", namespace: "shop" })).toEqual([
      expect.objectContaining({ reason: "RiposteIsolatePod" }),
    ]);
  });

  it("a Critical alert on a node: tainted, its earlier taints intact", async () => {
    const name = "gke-prod-default-pool-3f1c2a9e-7xkq";
    const earlier = { key: "dedicated", value: "ingress", effect: "NoSchedule" };
    sim.apply({ ...node(name), spec: { ...node(name).spec, taints: [earlier] } } as never);
    const alert = freshAlert("host-level.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);
    const [outcome] = await outcomesFor(alert.incident, 1);
    expect(outcome).toMatchObject({ service: "tainter", result: "done" });
    expect(node(name).spec?.taints).toEqual([
      earlier,
      { key: "riposte.dev/compromised", value: alert.incident, effect: "NoSchedule" },
    ]);
    expect(sim.list({ kind: "Event", namespace: "default" })).toEqual([
      expect.objectContaining({ reason: "RiposteTaintNode" }),
    ]);
  });

  it("protected namespace, DaemonSet pod and mirror pod → refused, nothing changed", async () => {
    const protectedAlert = freshAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.ns.name": "kube-system", "k8s.pod.name": "kube-dns-abc" },
    });
    const daemonSetAlert = freshAlert("informational.json", { top: { priority: "Critical" } });
    // A static pod outside the protected namespaces (the seed's are in kube-system, refused earlier).
    const batch = pod("jobs", "batch-worker-6f7d8-zx9k2") as V1Pod;
    sim.apply({
      ...batch,
      metadata: {
        name: "static-worker",
        namespace: "jobs",
        annotations: { "kubernetes.io/config.mirror": "abc" },
      },
    } as never);
    for (const alert of [protectedAlert, daemonSetAlert]) await pipeline.sendAlert(alert.json);
    const mirrorCommand = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
      fields: { "k8s.pod.name": "static-worker" },
    });
    await publishCommand("pod-killer", mirrorCommand);
    expect((await outcomesFor(protectedAlert.incident, 1))[0]).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/protected/),
    });
    expect((await outcomesFor(daemonSetAlert.incident, 1))[0]).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/DaemonSet/),
    });
    expect((await outcomesFor(mirrorCommand.incident, 1))[0]).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/mirror/),
    });
    expect(sim.requests.filter((r) => ["delete", "patch", "create"].includes(r.verb ?? ""))).toEqual([]);
  });

  it("dry-run: nothing changed, a dry-run outcome", async () => {
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", { dryRun: true });
    await publishCommand("pod-killer", command);
    expect((await outcomesFor(command.incident, 1))[0]).toMatchObject({
      result: "dry-run",
      reason: expect.stringMatching(/^would delete pod jobs\//),
    });
    expect(pod("jobs", "batch-worker-6f7d8-zx9k2")).toBeDefined();
  });

  it("500 three times then success: redelivered by Pub/Sub, deleted exactly once", async () => {
    sim.faults.inject({ resource: "pods", verb: "delete", status: 500, times: 3 });
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    await publishCommand("pod-killer", command);
    const [outcome] = await outcomesFor(command.incident, 1, 30_000);
    expect(outcome).toMatchObject({ result: "done" });
    expect(
      sim.requests.filter((r) => r.verb === "delete" && r.resource === "pods").map((r) => r.status),
    ).toEqual([500, 500, 500, 200]);
  });

  it("the same command delivered twice: one deletion, the second outcome already-done", async () => {
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json");
    await publishCommand("pod-killer", command);
    await (await outcomesFor(command.incident, 1))[0];
    await publishCommand("pod-killer", command);
    const [second] = await outcomesFor(command.incident, 1);
    expect(second).toMatchObject({ result: "already-done" });
    expect(sim.requests.filter((r) => r.verb === "delete" && r.status === 200)).toHaveLength(1);
  });
});
