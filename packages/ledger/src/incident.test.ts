import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoutingDecisionRecord } from "./incident.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const routerInstance = emulatorFirestore(projectId);
const actionerInstance = emulatorFirestore(projectId);
const router = testLedger(routerInstance);
const actioner = testLedger(actionerInstance);

beforeAll(() => Promise.all([router.warmUp(), actioner.warmUp()]), 30_000);
afterAll(() => Promise.all([routerInstance.terminate(), actionerInstance.terminate()]));

const decision: RoutingDecisionRecord = {
  playbooks: ["kill-crypto-miners", "tell-secops"],
  actions: [
    { action: "kill-pod", dryRun: false, playbooks: ["kill-crypto-miners"] },
    { action: "notify", dryRun: false, playbooks: ["tell-secops"] },
  ],
};

describe("the incident document", { timeout: 60_000 }, () => {
  it("keeps every writer's fields when they all write one incident at once", async () => {
    const keys = Array.from({ length: 5 }, () => incidentKey());
    await Promise.all(
      keys.flatMap((key) => [
        router.claimIncident(key, decision, { dedupWindowMs: 60_000 }),
        actioner.recordActionAttempt(key, "kill-pod", { service: "pod-killer" }),
        router.recordActionAttempt(key, "kill-pod", { service: "pod-killer" }),
        actioner.recordActionOutcome(key, "kill-pod", {
          service: "pod-killer",
          result: "done",
          reason: "deleted",
        }),
        router.recordActionAttempt(key, "notify", { service: "notifier" }),
        actioner.recordNotification(key, "slack-secops", { status: "sent" }),
        router.recordNotification(key, "pagerduty", { status: "failed", reason: "HTTP 503" }),
        actioner.recordFinding(key, `organizations/1/sources/2/findings/${key}`),
        router.recordTraceId(key, key),
      ]),
    );

    for (const key of keys) {
      const incident = await router.readIncident(key);
      expect(incident).toMatchObject({
        incident: key,
        router: { state: "routing", decision },
        actions: {
          "kill-pod": { service: "pod-killer", attempts: 2, outcome: { result: "done", reason: "deleted" } },
          notify: { service: "notifier", attempts: 1 },
        },
        notifications: {
          "slack-secops": { status: "sent" },
          pagerduty: { status: "failed", reason: "HTTP 503" },
        },
        finding: { name: `organizations/1/sources/2/findings/${key}` },
        traceId: key,
      });
    }
  });

  it("expires 90 days after its last write by default, or after the configured TTL", async () => {
    const now = new Date("2026-12-05T10:00:00Z");
    const key = incidentKey();
    await testLedger(routerInstance, { now: () => now }).recordTraceId(key, key);
    expect((await router.readIncident(key))?.expireAt).toEqual(new Date("2027-03-05T10:00:00Z"));

    await testLedger(routerInstance, { now: () => now, ttlDays: 7 }).recordFinding(key, "f");
    expect((await router.readIncident(key))?.expireAt).toEqual(new Date("2026-12-12T10:00:00Z"));
  });

  it("an outcome keeps where the action's product lives (an evidence bundle), for riposte evidence", async () => {
    const key = incidentKey();
    const location = `gs://evidence/prod/shop/web/${key}/`;
    await actioner.recordActionOutcome(key, "capture", {
      service: "capture",
      result: "done",
      reason: "kept",
      location,
    });
    expect((await router.readIncident(key))?.actions.capture?.outcome).toMatchObject({
      result: "done",
      location,
    });
    await expect(
      actioner.recordActionOutcome(key, "capture", {
        service: "capture",
        result: "done",
        reason: "kept",
        location: "x".repeat(1025),
      }),
    ).rejects.toThrow(/location/);
  });

  it("a destination's later record replaces its reason: a sent message shows no earlier failure's reason", async () => {
    const key = incidentKey();
    await router.recordNotification(key, "slack-secops", { status: "failed", reason: "HTTP 503" });
    await router.recordNotification(key, "slack-secops", { status: "sent" });
    const notification = (await router.readIncident(key))?.notifications["slack-secops"];
    expect(notification?.status).toBe("sent");
    expect(notification?.reason).toBeUndefined();
  });

  it("reads an incident nobody recorded as absent", async () => {
    expect(await router.readIncident(incidentKey())).toBeUndefined();
  });

  it("refuses names that would become field paths unless they are plain names", async () => {
    const key = incidentKey();
    await expect(router.recordActionAttempt(key, "__name__", { service: "x" })).rejects.toThrow();
    await expect(router.recordActionAttempt(key, "a.b", { service: "x" })).rejects.toThrow();
    await expect(router.recordNotification(key, "`x`", { status: "sent" })).rejects.toThrow();
    expect(await router.readIncident(key)).toBeUndefined();
  });

  it("records the Job an action launched, beside its outcome; recording it again changes nothing", async () => {
    const key = incidentKey();
    await actioner.recordActionOutcome(key, "capture-node", {
      service: "node-capturer",
      result: "done",
      reason: "created Job riposte/riposte-node-capture-x",
      location: "gs://b/x/node-capture.scap",
    });
    const finished = new Date("2026-01-02T03:04:05.000Z");
    const result = {
      service: "node-capturer",
      job: "riposte/riposte-node-capture-x",
      state: "failed" as const,
      reason: "BackoffLimitExceeded: Job has reached the specified backoff limit",
      at: finished,
    };
    await Promise.all([
      actioner.recordJobResult(key, "capture-node", result),
      router.recordJobResult(key, "capture-node", result),
    ]);
    const record = (await router.readIncident(key))?.actions["capture-node"];
    expect(record?.outcome).toMatchObject({ result: "done", location: "gs://b/x/node-capture.scap" });
    expect(record?.job).toEqual({
      name: "riposte/riposte-node-capture-x",
      state: "failed",
      reason: result.reason,
      at: finished,
    });
    // Before anything else of the action (the scheduled pass ran first): still a readable incident.
    const early = incidentKey();
    await actioner.recordJobResult(early, "capture-node", { ...result, state: "complete", reason: "" });
    expect((await router.readIncident(early))?.actions["capture-node"]).toMatchObject({
      service: "node-capturer",
      job: { state: "complete" },
    });
    await expect(
      actioner.recordJobResult(key, "capture-node", { ...result, state: "done" as never }),
    ).rejects.toThrow();
  });
});
