// The runner against a slow simulated cluster: blast-radius slots survive timeouts, every Kubernetes
// call carries the push deadline, and a delivery that answered 503 publishes no outcome.
import type { ActionOutcome, KillPodCommand } from "@riposte/falco-event";
import { KillPodParams, KillPodCommand as KillPodSchema } from "@riposte/falco-event";
import { uniqueAlertTime } from "@riposte/falco-event/testing";
import { type SimCluster, startSim } from "@riposte/k8s-sim";
import { createPushApp, createSilentLogger, jsonMessageDecoder, pushRoute } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createActionHandler, EVENT_PERMISSION, type KubernetesAction } from "./action.js";
import { classifyKubernetesError } from "./errors.js";
import type { LimitRule } from "./limits.js";
import { commandFromExample, runnerDepsForTest } from "./testing.js";

/** A kill-pod reduced to what the runner needs: read the pod by name, delete it guarded by its uid. */
const deletePod: KubernetesAction<KillPodCommand> = {
  name: "kill-pod",
  kind: "KillPod",
  description: "test action: deletes the named pod",
  params: KillPodParams,
  permissions: [EVENT_PERMISSION],
  limits: [],
  eventReason: "RiposteTest",
  example: commandFromExample("kill-pod", "sidekick-critical-drop-exec.json"),
  async plan(command, { clients }) {
    const namespace = command.target.namespace ?? "";
    const name = command.target.pod ?? "";
    let uid: string;
    try {
      uid = (await clients.core.readNamespacedPod({ name, namespace })).metadata?.uid ?? "";
    } catch (error) {
      if (classifyKubernetesError(error).kind === "not-found")
        return { result: "already-done", reason: `pod ${namespace}/${name} is gone` };
      throw error;
    }
    return {
      description: `delete pod ${namespace}/${name}`,
      object: { apiVersion: "v1", kind: "Pod", name, namespace, uid },
      async execute() {
        try {
          await clients.core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid } } });
        } catch (error) {
          if (classifyKubernetesError(error).kind === "not-found")
            return { result: "already-done", reason: "already gone" };
          throw error;
        }
        return { result: "done", reason: `deleted pod ${namespace}/${name}` };
      },
    };
  },
};

/** The delete lands at once, but its answer is slower than any deadline (a network that drops replies). */
const answersLate: KubernetesAction<KillPodCommand> = {
  ...deletePod,
  async plan(command, context) {
    const planned = await deletePod.plan(command, context);
    if (!("execute" in planned)) return planned;
    return {
      ...planned,
      async execute() {
        const result = await planned.execute();
        await sleep(1_000);
        return result;
      },
    };
  },
};

const ONE_PER_NAMESPACE: LimitRule[] = [
  { name: "pod kills per namespace", scope: "namespace", max: 1, windowMs: 60_000 },
];

const podYaml = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "shop" },
  spec: { containers: [{ name: "app", image: "nginx" }] },
});

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({
    seed: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
      podYaml("web-1"),
      podYaml("web-2"),
    ],
  });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

interface SetupOptions {
  action?: KubernetesAction<KillPodCommand>;
  limits?: LimitRule[];
  callTimeoutMs?: number;
  handlerTimeoutMs?: number;
}

function setup(options: SetupOptions = {}) {
  const runner = {
    ...runnerDepsForTest("pod-killer", sim.url, { limits: options.limits ?? ONE_PER_NAMESPACE }),
    callTimeoutMs: options.callTimeoutMs ?? 5_000,
  };
  const app = createPushApp({
    service: "pod-killer",
    publisher: runner.publisher,
    logger: createSilentLogger(),
    ...(options.handlerTimeoutMs ? { handlerTimeoutMs: options.handlerTimeoutMs } : {}),
    routes: [
      pushRoute(
        "/",
        jsonMessageDecoder(KillPodSchema),
        createActionHandler(options.action ?? deletePod, runner),
      ),
    ],
  });
  const send = async (command: KillPodCommand, messageId?: string) =>
    (await app.request("/", pushRequest(command, {}, messageId ? { messageId } : {}))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { send, outcomes };
}

const killCommand = (pod: string) =>
  commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
    top: { time: uniqueAlertTime() },
    fields: { "k8s.ns.name": "shop", "k8s.pod.name": pod },
  });
const exists = (name: string) => sim.get({ kind: "Pod", namespace: "shop", name }) !== undefined;
const landedDeletes = () =>
  sim.requests.filter((r) => r.verb === "delete" && r.resource === "pods" && r.status === 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("blast-radius limit against a slow API", () => {
  it("a delete that timed out keeps its slot: its redelivery and a second pod make one delete in all", async () => {
    const { send, outcomes } = setup({ callTimeoutMs: 300 });
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", latencyMs: 800, times: 1 });
    const first = killCommand("web-1");
    expect(await send(first, "m-1")).toBe(503);
    await sleep(1_000); // the slow delete has had time to land, if it was not aborted
    expect(await send(first, "m-1")).toBe(204); // Pub/Sub redelivers the same message
    expect(await send(killCommand("web-2"), "m-2")).toBe(204);

    expect(landedDeletes()).toHaveLength(1);
    expect([exists("web-1"), exists("web-2")].filter((present) => !present)).toHaveLength(1);
    expect(outcomes().map((o) => o.result)).toContain("refused");
  });

  it("a delete that landed but answered after the cap keeps its slot: the next pod is refused", async () => {
    const { send, outcomes } = setup({ action: answersLate, callTimeoutMs: 300 });
    const first = killCommand("web-1");
    expect(await send(first, "m-1")).toBe(503);
    expect(exists("web-1")).toBe(false);
    expect(await send(first, "m-1")).toBe(204);
    expect(await send(killCommand("web-2"), "m-2")).toBe(204);
    expect(landedDeletes()).toHaveLength(1);
    expect(exists("web-2")).toBe(true);
    expect(outcomes().map((o) => o.result)).toEqual(["already-done", "refused"]);
  });

  it("two kills in one namespace at the same moment, API slow: one delete, one refused", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ verb: "delete", resource: "pods", latencyMs: 300, times: 2 });
    const statuses = await Promise.all([send(killCommand("web-1")), send(killCommand("web-2"))]);
    expect(statuses).toEqual([204, 204]);
    expect(landedDeletes()).toHaveLength(1);
    expect(
      outcomes()
        .map((o) => o.result)
        .sort(),
    ).toEqual(["done", "refused"]);
  });

  it("the same command delivered twice at the same moment is not refused by its own slot", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ verb: "delete", resource: "pods", latencyMs: 300, times: 2 });
    const command = killCommand("web-1");
    await Promise.all([send(command, "m-1"), send(command, "m-1")]);
    expect(landedDeletes()).toHaveLength(1);
    expect(outcomes().map((o) => o.result)).not.toContain("refused");
    // The slot stayed taken by the one delete that happened.
    expect(await send(killCommand("web-2"))).toBe(204);
    expect(outcomes().at(-1)?.result).toBe("refused");
  });

  it("a redelivery after a timeout whose delete was aborted re-uses its own slot and deletes", async () => {
    const { send, outcomes } = setup({ callTimeoutMs: 300 });
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", latencyMs: 800, times: 1 });
    const command = killCommand("web-1");
    expect(await send(command)).toBe(503);
    await sleep(1_000);
    expect(exists("web-1")).toBe(true); // the aborted delete never reached the store
    expect(await send(command)).toBe(204);
    expect(exists("web-1")).toBe(false);
    expect(outcomes().map((o) => o.result)).toEqual(["done"]);
  });
});

describe("one deadline for the whole delivery", () => {
  it("an execute that outlives the push deadline: 503, the delete is aborted, no outcome published", async () => {
    const { send, outcomes } = setup({ handlerTimeoutMs: 300, callTimeoutMs: 5_000 });
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", latencyMs: 800, times: 1 });
    expect(await send(killCommand("web-1"))).toBe(503);
    await sleep(1_200);
    expect(outcomes()).toEqual([]);
    expect(exists("web-1")).toBe(true);
    expect(landedDeletes()).toHaveLength(0);
  });
});
