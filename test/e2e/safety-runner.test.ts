// The actioners' runner end to end: alerts through the router and pod-killer as processes on the real
// emulator, against the simulated cluster. A Kubernetes API slower than the push deadline must not let
// more pods die than the blast-radius limit pod-killer declares (5 per namespace per minute), and a
// delivery answered 503 publishes no outcome; PROTECTED_NAMESPACES only adds to the defaults.

import { commandFromExample } from "@riposte/actioner-kit/testing";
import type { ActionOutcome } from "@riposte/contracts";
import { Topics } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { emulatorRedelivery, type Pipeline, startPipeline } from "./harness.js";
import { killAtOncePlaybooksFile } from "./playbooks.js";

const NAMESPACE = "storefront";
const NODE = "gke-prod-batch-pool-8d2e1f4a-w3rt"; // the example alert's hostname
const PODS = [1, 2, 3, 4, 5, 6].map((n) => ({ name: `web-${n}`, shortId: `c0ffee00000${n}` }));
/** pod-killer's declared limit: pod kills per namespace per minute. */
const KILLS_PER_NAMESPACE = 5;
/** Shorter than the injected latency: every first attempt hits the push deadline. */
const PUSH_DEADLINE_MS = 1_000;
const LATENCY_MS = 2_500;

const podOf = (namespace: string, name: string, shortId: string, owner = "ReplicaSet") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace,
    labels: { app: name },
    ownerReferences: [{ apiVersion: "apps/v1", kind: owner, name: `${name}-rs`, uid: `uid-${name}-rs` }],
  },
  spec: { nodeName: NODE, containers: [{ name: "app", image: "nginx" }] },
  status: {
    phase: "Running",
    containerStatuses: [{ name: "app", containerID: `containerd://${shortId}${"0".repeat(52)}` }],
  },
});

let sim: SimCluster;
let pipeline: Pipeline;

beforeAll(async () => {
  sim = await startSim({
    seed: [
      ...demoSeed(),
      { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } },
      ...PODS.map((pod) => podOf(NAMESPACE, pod.name, pod.shortId)),
      podOf("kube-system", "metrics-server-6d4f8-abcde", "beef00000001"),
    ],
  });
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "pod-killer"],
    // Many pushes fail at once here; the emulator only redelivers them promptly without a retry policy.
    adjustTopology: emulatorRedelivery,
    env: {
      // About the kill alone: no isolation and capture before it.
      router: { PLAYBOOKS_FILE: killAtOncePlaybooksFile() },
      "pod-killer": {
        CLUSTERS: JSON.stringify({ local: sim.url }),
        PROTECTED_NAMESPACES: "payments",
        PUSH_HANDLER_TIMEOUT_MS: String(PUSH_DEADLINE_MS),
      },
    },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await sim?.stop();
});

beforeEach(() => sim.reset());

const exists = (namespace: string, name: string) => sim.get({ kind: "Pod", namespace, name }) !== undefined;
const outcomesOf = async (incident: string, count: number, timeoutMs: number) =>
  (await pipeline.tapped("action-outcomes", incident, { count, timeoutMs })).map((m) =>
    m.json<ActionOutcome>(),
  );
const killAlert = (pod: { name: string; shortId: string }) =>
  freshAlert("sidekick-critical-drop-exec.json", {
    fields: { "k8s.ns.name": NAMESPACE, "k8s.pod.name": pod.name, "container.id": pod.shortId },
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("blast radius under a slow Kubernetes API (hole 1)", { timeout: 120_000 }, () => {
  it("deletes slower than the push deadline: 5 pods die, the 6th is refused, one outcome per incident", async () => {
    sim.faults.inject({
      verb: "delete",
      resource: "pods",
      namespace: NAMESPACE,
      latencyMs: LATENCY_MS,
      times: KILLS_PER_NAMESPACE,
    });
    const first = PODS.slice(0, KILLS_PER_NAMESPACE).map(killAlert);
    await Promise.all(first.map((alert) => pipeline.sendAlert(alert.json)));
    const outcomes = await Promise.all(first.map((alert) => outcomesOf(alert.incident, 1, 60_000)));
    expect(outcomes.map((list) => list.map((o) => o.result))).toEqual(first.map(() => ["done"]));
    // Each first attempt hit the deadline: its delete was aborted, its redelivery deleted the pod.
    const timedOut = sim.requests.filter((r) => r.verb === "delete" && r.faultId !== undefined);
    expect(timedOut.map((r) => r.status)).toEqual(first.map(() => 0));

    // Past any slow delete still in flight, the 6th pod of the namespace is over the limit.
    await sleep(LATENCY_MS);
    const sixth = killAlert(PODS[KILLS_PER_NAMESPACE] as (typeof PODS)[number]);
    await pipeline.sendAlert(sixth.json);
    const [refused] = await outcomesOf(sixth.incident, 1, 30_000);
    expect(refused).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/pod kills per namespace \(5 per 60 s\) in namespace storefront/),
    });

    const landed = sim.requests.filter(
      (r) => r.verb === "delete" && r.resource === "pods" && r.status === 200,
    );
    expect(landed).toHaveLength(KILLS_PER_NAMESPACE);
    expect(PODS.map((pod) => exists(NAMESPACE, pod.name))).toEqual([false, false, false, false, false, true]);
    // No delivery that was answered 503 published an outcome of its own.
    const late = await Promise.all(first.map((alert) => outcomesOf(alert.incident, 1, 1_000)));
    expect(late.flat()).toEqual([]);
  });
});

describe("PROTECTED_NAMESPACES=payments adds to the defaults (hole 6)", { timeout: 60_000 }, () => {
  it("a kill command for a kube-system pod is refused, the pod still there", async () => {
    // Straight to pod-killer, with no playbook safety: only the service's own policy can refuse it.
    const command = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
      top: { time: new Date().toISOString() },
      fields: { "k8s.ns.name": "kube-system", "k8s.pod.name": "metrics-server-6d4f8-abcde" },
    });
    await pipeline.pubsub.topic(Topics.podKiller).publishMessage({
      data: Buffer.from(JSON.stringify(command)),
      attributes: { incident: command.incident },
    });
    const [outcome] = await outcomesOf(command.incident, 1, 20_000);
    expect(outcome).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/namespace kube-system is protected/),
    });
    expect(exists("kube-system", "metrics-server-6d4f8-abcde")).toBe(true);
  });

  it("an alert for a pod in payments is refused by pod-killer, the pod still there", async () => {
    const alert = freshAlert("modern-k8s-api-contact.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);
    const outcomes = await outcomesOf(alert.incident, 1, 20_000);
    expect(outcomes.find((o) => o.action === "kill-pod")).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/namespace payments is protected/),
    });
    expect(exists("payments", "checkout-5c8d7f9b4-q2w3e")).toBe(true);
  });
});
