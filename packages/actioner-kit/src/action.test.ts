// The runner against a slow simulated cluster: blast-radius slots survive timeouts, every Kubernetes
// call carries the push deadline, and a delivery that answered 503 publishes no outcome.

import { randomBytes } from "node:crypto";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { ActionOutcome, KillPodCommand } from "@riposte/contracts";
import { KillPodCommand as KillPodSchema } from "@riposte/contracts";
import { uniqueAlertTime } from "@riposte/contracts/testing";
import { type SimCluster, startSim } from "@riposte/k8s-sim";
import {
  createPushApp,
  createSilentLogger,
  jsonMessageDecoder,
  type Publisher,
  pushRoute,
} from "@riposte/service-kit";
import { pushRequest, tcpRelay } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import {
  type ActionerLedger,
  createActionHandler,
  EVENT_PERMISSION,
  type KubernetesAction,
} from "./action.js";
import { classifyKubernetesError } from "./errors.js";
import type { LimitRule } from "./limits.js";
import { commandFromExample, ledgerForTest, runnerDepsForTest } from "./testing.js";

/** A kill-pod reduced to what the runner needs: read the pod by name, delete it guarded by its uid. */
const deletePod: KubernetesAction<KillPodCommand> = {
  name: "kill-pod",
  kind: "KillPod",
  description: "test action: deletes the named pod",
  permissions: [EVENT_PERMISSION],
  limits: [],
  eventReason: "RiposteTest",
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
        await sleep(4_000);
        return result;
      },
    };
  },
};

/** Labels the named pod: an action that can be done again and again to one object (like a taint escalated). */
const labelPod: KubernetesAction<KillPodCommand> = {
  ...deletePod,
  async plan(command, { clients }) {
    const namespace = command.target.namespace ?? "";
    const name = command.target.pod ?? "";
    const uid = (await clients.core.readNamespacedPod({ name, namespace })).metadata?.uid ?? "";
    return {
      description: `label pod ${namespace}/${name}`,
      object: { apiVersion: "v1", kind: "Pod", name, namespace, uid },
      async execute() {
        await clients.core.patchNamespacedPod(
          {
            name,
            namespace,
            body: [{ op: "add", path: "/metadata/labels", value: { [command.incident]: "x" } }],
          },
          setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
        );
        return { result: "done", reason: `labelled pod ${namespace}/${name}` };
      },
    };
  },
};

/** Labels the pod quarantine=<incident> unless it has one: the label says which incident did it. */
const quarantineLabel: KubernetesAction<KillPodCommand> = {
  ...deletePod,
  async plan(command, { clients }) {
    const namespace = command.target.namespace ?? "";
    const name = command.target.pod ?? "";
    const read = async () => clients.core.readNamespacedPod({ name, namespace });
    const uid = (await read()).metadata?.uid ?? "";
    return {
      description: `label pod ${namespace}/${name} quarantine=${command.incident}`,
      object: { apiVersion: "v1", kind: "Pod", name, namespace, uid },
      async execute() {
        const by = (await read()).metadata?.labels?.quarantine;
        if (by) return { result: "already-done", reason: `quarantined by ${by}`, doneBy: by };
        await clients.core.patchNamespacedPod(
          {
            name,
            namespace,
            body: [{ op: "add", path: "/metadata/labels", value: { quarantine: command.incident } }],
          },
          setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
        );
        return { result: "done", reason: `labelled pod ${namespace}/${name}` };
      },
    };
  },
};

// A cap that a loaded 2-core machine's ledger claim, GET and DELETE fit inside (300–400 ms did not:
// at load 10 the redelivery itself ran past it), and a fault clearly slower than the cap.
const CAP_MS = 1_200;
const SLOWER_MS = 2_400;
/** After a 503 at the cap, long enough for a call that took SLOWER_MS to have landed (or not). */
const LANDED_MS = SLOWER_MS - CAP_MS + 1_000;
/** A few caps and faults in a row, on a loaded machine. */
const SLOW_TEST_MS = 20_000;

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
// A worker's first Firestore call loads the client (seconds): not inside the first test's deadlines.
beforeAll(() => ledgerForTest().warmUp(), 60_000);
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
  /** Every publish takes this long (a slow Pub/Sub). */
  publishDelayMs?: number;
  /** Default: a ledger of its own; the same one (or project) for two setups makes them two instances. */
  ledger?: ActionerLedger;
  /** How long an ordered command holds before its 503 (default: none, answer at once). */
  orderHoldMs?: number;
}

function setup(options: SetupOptions = {}) {
  const deps = runnerDepsForTest("pod-killer", sim.url, {
    limits: options.limits ?? ONE_PER_NAMESPACE,
    ...(options.ledger ? { ledger: options.ledger } : {}),
  });
  const memory = deps.publisher;
  const publisher: Publisher = {
    publish: async (topic, message, attributes) => {
      if (options.publishDelayMs) await sleep(options.publishDelayMs);
      return memory.publish(topic, message, attributes);
    },
    close: () => memory.close(),
  };
  const runner = {
    ...deps,
    publisher,
    callTimeoutMs: options.callTimeoutMs ?? 5_000,
    orderHoldMs: options.orderHoldMs ?? 0,
  };
  const app = createPushApp({
    service: "pod-killer",
    publisher,
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
  const send = async (command: KillPodCommand, messageId?: string, publishTime?: string) =>
    (
      await app.request(
        "/",
        pushRequest(
          command,
          {},
          { ...(messageId ? { messageId } : {}), ...(publishTime ? { publishTime } : {}) },
        ),
      )
    ).status;
  const outcomes = () => memory.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  /** Delivers `command` as Pub/Sub does: again after each 503, until it is acked. */
  const deliverUntilAcked = async (command: KillPodCommand, attempts = 4) => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < attempts && statuses.at(-1) !== 204; attempt += 1) {
      if (attempt > 0) await sleep(LANDED_MS);
      statuses.push(await send(command, "m-redelivered"));
    }
    return statuses;
  };
  return { send, outcomes, deliverUntilAcked, quarantined: () => memory.on("quarantine") };
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

describe("blast-radius limit against a slow API", { timeout: SLOW_TEST_MS }, () => {
  it("a delete that timed out keeps its slot: its redelivery and a second pod make one delete in all", async () => {
    const { send, outcomes } = setup({ callTimeoutMs: CAP_MS });
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", latencyMs: SLOWER_MS, times: 1 });
    const first = killCommand("web-1");
    expect(await send(first, "m-1")).toBe(503);
    await sleep(LANDED_MS); // the slow delete has had time to land, if it was not aborted
    expect(await send(first, "m-1")).toBe(204); // Pub/Sub redelivers the same message
    expect(await send(killCommand("web-2"), "m-2")).toBe(204);

    expect(landedDeletes()).toHaveLength(1);
    expect([exists("web-1"), exists("web-2")].filter((present) => !present)).toHaveLength(1);
    expect(outcomes().map((o) => o.result)).toContain("refused");
  });

  it("a delete that landed but answered after the cap keeps its slot: the next pod is refused", async () => {
    // A cap a loaded machine's GET and DELETE fit in (300 ms did not, always), far below the answer.
    const { send, outcomes } = setup({ action: answersLate, callTimeoutMs: 1_500 });
    const first = killCommand("web-1");
    expect(await send(first, "m-1")).toBe(503);
    expect(exists("web-1")).toBe(false);
    expect(await send(first, "m-1")).toBe(204);
    expect(await send(killCommand("web-2"), "m-2")).toBe(204);
    expect(landedDeletes()).toHaveLength(1);
    expect(exists("web-2")).toBe(true);
    // The redelivery found the pod gone by its own earlier delete: done, not already-done.
    expect(outcomes().map((o) => o.result)).toEqual(["done", "refused"]);
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
    const { send, outcomes } = setup({ callTimeoutMs: CAP_MS });
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", latencyMs: SLOWER_MS, times: 1 });
    const command = killCommand("web-1");
    expect(await send(command)).toBe(503);
    await sleep(LANDED_MS);
    expect(exists("web-1")).toBe(true); // the aborted delete never reached the store
    expect(await send(command)).toBe(204);
    expect(exists("web-1")).toBe(false);
    expect(outcomes().map((o) => o.result)).toEqual(["done"]);
  });
});

describe("one deadline for the whole delivery", { timeout: SLOW_TEST_MS }, () => {
  it("an execute that outlives the push deadline: 503, the delete is aborted, no outcome published", async () => {
    const { send, outcomes } = setup({ handlerTimeoutMs: CAP_MS, callTimeoutMs: 10_000 });
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", latencyMs: SLOWER_MS, times: 1 });
    expect(await send(killCommand("web-1"))).toBe(503);
    await sleep(LANDED_MS);
    expect(outcomes()).toEqual([]);
    expect(exists("web-1")).toBe(true);
    expect(landedDeletes()).toHaveLength(0);
  });
});

describe("one outcome per command, however Pub/Sub redelivers", { timeout: SLOW_TEST_MS }, () => {
  it("a publish under way at the push deadline is waited for: one outcome, done", async () => {
    const { deliverUntilAcked, outcomes } = setup({ handlerTimeoutMs: 300, publishDelayMs: 500 });
    const statuses = await deliverUntilAcked(killCommand("web-1"));
    await sleep(700); // a publish left running would land by now
    expect(statuses.at(-1)).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["done"]);
  });

  it("an Event slower than the deadline: the redelivery reports done and writes the Event once", async () => {
    const { deliverUntilAcked, outcomes } = setup({ handlerTimeoutMs: CAP_MS });
    sim.faults.inject({ verb: "create", resource: "events", latencyMs: SLOWER_MS, times: 1 });
    const command = killCommand("web-1");
    const statuses = await deliverUntilAcked(command);
    expect(statuses).toEqual([503, 204]);
    expect(exists("web-1")).toBe(false);
    const [outcome, ...others] = outcomes();
    expect(others).toEqual([]);
    expect(outcome).toMatchObject({ result: "done", reason: expect.stringMatching(/earlier delivery/) });
    const events = sim.list({ kind: "Event", namespace: "shop" }) as { metadata?: { name?: string } }[];
    expect(events.map((event) => event.metadata?.name)).toEqual([`riposte-kill-pod-${command.incident}`]);
  });

  it("two redeliveries at once after the deadline: one says done, the other already-done", async () => {
    const { send, outcomes } = setup({ handlerTimeoutMs: CAP_MS });
    sim.faults.inject({ verb: "create", resource: "events", latencyMs: SLOWER_MS, times: 1 });
    const command = killCommand("web-1");
    expect(await send(command, "m-1")).toBe(503);
    await sleep(LANDED_MS);
    expect(await Promise.all([send(command, "m-1"), send(command, "m-1")])).toEqual([204, 204]);
    expect(
      outcomes()
        .map((o) => o.result)
        .sort(),
    ).toEqual(["already-done", "done"]);
  });

  it("another incident finding the pod gone by the first one's delete is already-done, not done", async () => {
    const { send, outcomes } = setup({ handlerTimeoutMs: CAP_MS });
    sim.faults.inject({ verb: "create", resource: "events", latencyMs: SLOWER_MS, times: 1 });
    expect(await send(killCommand("web-1"))).toBe(503);
    await sleep(LANDED_MS);
    expect(await send(killCommand("web-1"))).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["already-done"]);
  });

  it("an execution that failed before landing, then another incident's done on the pod: already-done on redelivery", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ verb: "delete", resource: "pods", name: "web-1", status: 500, times: 1 });
    const first = killCommand("web-1");
    expect(await send(first)).toBe(503); // answered 500: nothing deleted, the slot kept all the same
    expect(exists("web-1")).toBe(true);
    expect(await send(killCommand("web-1"))).toBe(204);
    expect(exists("web-1")).toBe(false);
    expect(await send(first)).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done"]);
  });

  it("another instance's incident did the work the object names: the redelivery here says already-done", async () => {
    const here = setup({ action: quarantineLabel });
    const there = setup({ action: quarantineLabel });
    sim.faults.inject({ verb: "patch", resource: "pods", name: "web-1", status: 500, times: 1 });
    const first = killCommand("web-1");
    expect(await here.send(first)).toBe(503);
    expect(await there.send(killCommand("web-1"))).toBe(204);
    expect(await here.send(first)).toBe(204);
    expect(there.outcomes().map((o) => o.result)).toEqual(["done"]);
    expect(here.outcomes().map((o) => o.result)).toEqual(["already-done"]);
  });

  it("a duplicate delivery after the done outcome was published says already-done", async () => {
    const { send, outcomes } = setup();
    const command = killCommand("web-1");
    expect(await send(command, "m-1")).toBe(204);
    expect(await send(command, "m-1")).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done"]);
  });
});

describe("limits count objects changed, not writes", () => {
  it("one pod changed by three incidents holds one slot; a second pod is refused", async () => {
    const { send, outcomes } = setup({ action: labelPod });
    for (let i = 0; i < 3; i += 1) expect(await send(killCommand("web-1"))).toBe(204);
    expect(await send(killCommand("web-2"))).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "done", "done", "refused"]);
  });
});

describe("safety overrides", () => {
  it.each([
    [{ protectedNamespaces: "shop" }, "$.safety.protectedNamespaces"],
    [{ protectedNamespaces: ["shop"], allowDaemonSetPods: "false" }, "$.safety.allowDaemonSetPods"],
    [{ protected_namespaces: ["shop"] }, "$.safety"],
  ])("a malformed override %j is quarantined naming %s; nothing is deleted", async (safety, path) => {
    const { send, outcomes, quarantined } = setup();
    const command = { ...killCommand("web-1"), safety } as unknown as KillPodCommand;
    expect(await send(command)).toBe(204);
    expect(exists("web-1")).toBe(true);
    expect(outcomes()).toEqual([]);
    expect(quarantined()[0]?.message).toMatchObject({ reason: { path: expect.stringContaining(path) } });
  });
});

describe("limits in the ledger, across instances", () => {
  it("two instances, one namespace, two pods at the same moment: one delete, one refused naming the limit", async () => {
    const project = `actioner-test-${randomBytes(4).toString("hex")}`;
    const here = setup({ ledger: ledgerForTest(project) });
    const there = setup({ ledger: ledgerForTest(project) });
    const statuses = await Promise.all([here.send(killCommand("web-1")), there.send(killCommand("web-2"))]);
    expect(statuses).toEqual([204, 204]);
    expect(landedDeletes()).toHaveLength(1);
    const outcomes = [...here.outcomes(), ...there.outcomes()];
    expect(outcomes.map((o) => o.result).sort()).toEqual(["done", "refused"]);
    expect(outcomes.find((o) => o.result === "refused")?.reason).toBe(
      "blast-radius limit reached: pod kills per namespace (1 per 60 s) in namespace shop",
    );
  });

  it("an execute that finds the work done (between plan and execute) keeps its slot: the ledger gives none back", async () => {
    const { send, outcomes } = setup({ action: quarantineLabel });
    sim.apply({
      ...podYaml("web-1"),
      metadata: { ...podYaml("web-1").metadata, labels: { quarantine: "other" } },
    });
    expect(await send(killCommand("web-1"))).toBe(204);
    expect(await send(killCommand("web-2"))).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["already-done", "refused"]);
  });
});

describe("the incident's timeline in the ledger", () => {
  it("records each action's attempts and outcome on the incident document", async () => {
    const ledger = ledgerForTest();
    const { send } = setup({ ledger });
    const done = killCommand("web-1");
    const refused = killCommand("web-2");
    expect(await send(done)).toBe(204);
    expect(await send(refused)).toBe(204);
    expect((await ledger.readIncident(done.incident))?.actions["kill-pod"]).toMatchObject({
      service: "pod-killer",
      attempts: 1,
      outcome: { result: "done", reason: "deleted pod shop/web-1" },
    });
    const refusal = (await ledger.readIncident(refused.incident))?.actions["kill-pod"];
    expect(refusal).toMatchObject({ outcome: { result: "refused", reason: /blast-radius limit reached/ } });
    expect(refusal?.attempts ?? 0).toBe(0); // refused before any attempt
  });
});

describe("ordered after earlier actions of the incident (a playbook's after/wait)", () => {
  /** `command` ordered after isolate-pod, waiting at most `waitMs` from its issue. */
  const ordered = (command: KillPodCommand, waitMs: number): KillPodCommand => ({
    ...command,
    order: {
      after: ["isolate-pod"],
      notAfter: new Date(Date.parse(command.issuedAt) + waitMs).toISOString(),
    },
  });
  const earlierOutcome = (ledger: ActionerLedger, incident: string, result: "done" | "failed") =>
    ledger.recordActionOutcome(incident, "isolate-pod", { service: "isolator", result, reason: "test" });

  it("waits (503, nothing done) while the earlier action has no outcome; runs once it has one", async () => {
    const ledger = ledgerForTest();
    const { send, outcomes } = setup({ ledger });
    const command = ordered(killCommand("web-1"), 60_000);
    expect(await send(command)).toBe(503);
    expect(exists("web-1")).toBe(true);
    expect(outcomes()).toEqual([]);
    await earlierOutcome(ledger, command.incident, "done");
    expect(await send(command)).toBe(204);
    expect(exists("web-1")).toBe(false);
    expect(outcomes()).toMatchObject([{ result: "done" }]);
  });

  it("an earlier outcome that lands while the delivery holds releases it in the same delivery", async () => {
    const ledger = ledgerForTest();
    const { send, outcomes } = setup({ ledger, orderHoldMs: 4_000 });
    const command = ordered(killCommand("web-1"), 60_000);
    const began = Date.now();
    const delivered = send(command);
    await sleep(500);
    await earlierOutcome(ledger, command.incident, "done");
    // Not a 503 and a redelivery one backoff later: the kill follows the isolation within a poll.
    expect(await delivered).toBe(204);
    expect(Date.now() - began).toBeLessThan(3_500);
    expect(exists("web-1")).toBe(false);
    expect(outcomes()).toMatchObject([{ result: "done" }]);
  });

  it("an earlier action that failed releases it too: a failed capture never saves the pod", async () => {
    const ledger = ledgerForTest();
    const { send } = setup({ ledger });
    const command = ordered(killCommand("web-1"), 60_000);
    await earlierOutcome(ledger, command.incident, "failed");
    expect(await send(command)).toBe(204);
    expect(exists("web-1")).toBe(false);
  });

  it("past notAfter it runs whatever the earlier action did, and says what it stopped waiting for", async () => {
    const ledger = ledgerForTest();
    const { send, outcomes } = setup({ ledger });
    const command = ordered(killCommand("web-1"), 0);
    expect(await send(command)).toBe(204);
    expect(exists("web-1")).toBe(false);
    expect(outcomes()).toMatchObject([{ result: "done", details: { stoppedWaitingFor: ["isolate-pod"] } }]);
  });

  it("a command whose clock runs ahead waits at most 5 minutes after Pub/Sub received it", async () => {
    const { send, outcomes } = setup();
    // Valid (notAfter is 60 s after issuedAt), but both an hour ahead: a router with a wrong clock.
    const ahead = killCommand("web-1");
    const command = ordered({ ...ahead, issuedAt: new Date(Date.now() + 3_600_000).toISOString() }, 60_000);
    expect(await send(command, "m-1", new Date(Date.now() - 200_000).toISOString())).toBe(503);
    expect(await send(command, "m-1", new Date(Date.now() - 301_000).toISOString())).toBe(204);
    expect(exists("web-1")).toBe(false);
    expect(outcomes()).toMatchObject([{ result: "done", details: { stoppedWaitingFor: ["isolate-pod"] } }]);
  });

  it("another incident's outcome for the earlier action does not release this one", async () => {
    const ledger = ledgerForTest();
    const { send } = setup({ ledger });
    const command = ordered(killCommand("web-1"), 60_000);
    await earlierOutcome(ledger, killCommand("web-2").incident, "done");
    expect(await send(command)).toBe(503);
    expect(exists("web-1")).toBe(true);
  });
});

describe("the ledger out of reach", { timeout: 60_000 }, () => {
  it("a kill answers 503 and deletes nothing; once the ledger is back the redelivery kills", async () => {
    const relay = await tcpRelay(inject("firestoreEmulatorHost"));
    const project = `actioner-test-${randomBytes(4).toString("hex")}`;
    await ledgerForTest(project, { emulatorHost: relay.host }).warmUp();
    const { send, outcomes } = setup({
      ledger: ledgerForTest(project, { emulatorHost: relay.host, timeoutMs: 1_500 }),
      limits: [{ name: "pod kills per namespace", scope: "namespace", max: 2, windowMs: 60_000 }],
    });
    const command = killCommand("web-1");
    try {
      expect(await send(command, "m-1")).toBe(204); // the ledger answering: killed
      const next = killCommand("web-2");
      await relay.close();
      expect(await send(next, "m-2")).toBe(503);
      expect(await send(next, "m-2")).toBe(503);
      expect(exists("web-2")).toBe(true);
      expect(outcomes().map((o) => o.result)).toEqual(["done"]);

      await relay.reopen();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 20 && statuses.at(-1) !== 204; attempt += 1) {
        if (attempt > 0) await sleep(1_000);
        statuses.push(await send(next, "m-2"));
      }
      expect(statuses.at(-1)).toBe(204);
      expect(exists("web-2")).toBe(false);
      expect(landedDeletes()).toHaveLength(2);
      expect(outcomes().map((o) => o.result)).toEqual(["done", "done"]);
    } finally {
      await relay.close();
    }
  });
});
