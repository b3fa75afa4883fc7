import { type Command, TaintNodeCommand } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { Ledger } from "./ledger.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const routerInstance = emulatorFirestore(projectId);
const T0 = new Date("2026-12-05T10:00:00Z");
const MINUTE = 60_000;
let now = T0;
const router: Ledger = testLedger(routerInstance, { now: () => now });

beforeAll(() => router.warmUp(), 30_000);
afterAll(() => routerInstance.terminate());

/** A kill command of a fresh incident (a time no other call gives), as the router would hold it. */
function heldKill(): Command {
  return commandFromExample("kill-pod", "modern-terminal-shell.json", {
    top: { time: uniqueAlertTime() },
    fields: { "<script>": "__proto__", "a.b": "x\ny" },
    issuedAt: T0.toISOString(),
  });
}

function killRequest(command: Command, deadline = new Date(T0.getTime() + 15 * MINUTE)) {
  return {
    action: "kill-pod",
    deadline,
    onTimeout: "proceed" as const,
    approvers: ["Alice@Acme.com", "group:sre@acme.com"],
    command,
  };
}

describe("requesting approvals", { timeout: 60_000 }, () => {
  it("stores the held command and its deadline, mirrors it on the incident, and reads it back", async () => {
    now = T0;
    const held = heldKill();
    const key = held.incident;
    const deadline = new Date(T0.getTime() + 15 * MINUTE);
    const awaiting = await router.requestApprovals(key, [killRequest(held, deadline)]);
    expect(awaiting).toEqual([
      {
        action: "kill-pod",
        deadline: deadline.toISOString(),
        onTimeout: "proceed",
        approvers: ["user:alice@acme.com", "group:sre@acme.com"],
      },
    ]);
    const view = await router.readApproval(key, "kill-pod");
    expect(view).toMatchObject({
      incident: key,
      action: "kill-pod",
      state: "awaiting-approval",
      requestedAt: T0,
      deadline,
      refusals: [],
    });
    expect(view?.command).toEqual(held);
    expect(view?.decision).toBeUndefined();
    expect((await router.readIncident(key))?.actions["kill-pod"]).toEqual({
      attempts: 0,
      approval: { state: "awaiting-approval", deadline },
    });
  });

  it("a second request (a redelivered alert) keeps the first deadline and command", async () => {
    now = T0;
    const held = heldKill();
    const key = held.incident;
    const first = new Date(T0.getTime() + 15 * MINUTE);
    await router.requestApprovals(key, [killRequest(held, first)]);
    now = new Date(T0.getTime() + 5 * MINUTE);
    const later = {
      ...killRequest({ ...held, playbooks: ["other"] }, new Date(now.getTime() + 60 * MINUTE)),
      onTimeout: "abandon" as const,
    };
    const again = await router.requestApprovals(key, [later]);
    expect(again).toEqual([expect.objectContaining({ deadline: first.toISOString(), onTimeout: "proceed" })]);
    const stored = await router.readApproval(key, "kill-pod");
    expect(stored).toMatchObject({ deadline: first, requestedAt: T0, onTimeout: "proceed" });
    expect(stored?.command.playbooks).toEqual(held.playbooks);
  });

  it("holds several actions of one incident, each its own document", async () => {
    now = T0;
    const held = heldKill();
    const key = held.incident;
    const taint = TaintNodeCommand.parse({ ...held, kind: "TaintNode", params: {} });
    const awaiting = await router.requestApprovals(key, [
      killRequest(held),
      { ...killRequest(held), action: "taint-node", onTimeout: "abandon", command: taint },
    ]);
    expect(awaiting.map((entry) => [entry.action, entry.onTimeout])).toEqual([
      ["kill-pod", "proceed"],
      ["taint-node", "abandon"],
    ]);
    expect((await router.readApproval(key, "taint-node"))?.command.kind).toBe("TaintNode");
  });

  it("reads an approval nobody requested as absent", async () => {
    expect(await router.readApproval(incidentKey(), "kill-pod")).toBeUndefined();
  });
});

async function held(
  deadline = new Date(now.getTime() + 15 * MINUTE),
  onTimeout: "proceed" | "abandon" = "proceed",
) {
  const command = heldKill();
  await router.requestApprovals(command.incident, [{ ...killRequest(command, deadline), onTimeout }]);
  return command.incident;
}

const alice = { by: "user:alice@acme.com", via: "slack" } as const;

describe("deciding", { timeout: 60_000 }, () => {
  it("an approval wins once: the decision, its publish claim and the incident's mirror", async () => {
    now = T0;
    const key = await held();
    now = new Date(T0.getTime() + MINUTE);
    const result = await router.decideApproval({
      incident: key,
      action: "kill-pod",
      decision: "approved",
      ...alice,
    });
    if (!result.ok) throw new Error(`refused: ${result.refusal}`);
    expect(result.approval).toMatchObject({
      state: "approved",
      decision: { by: "user:alice@acme.com", via: "slack", at: now },
      publish: { claimId: result.claimId, until: new Date(now.getTime() + MINUTE), done: false },
    });
    expect(await router.readApproval(key, "kill-pod")).toEqual(result.approval);
    const mirrored = (await router.readIncident(key))?.actions["kill-pod"];
    expect(mirrored?.approval).toEqual({
      state: "approved",
      deadline: new Date(T0.getTime() + 15 * MINUTE),
      by: "user:alice@acme.com",
      via: "slack",
      at: now,
    });
    expect(mirrored?.outcome).toBeUndefined();
    const again = await router.decideApproval({
      incident: key,
      action: "kill-pod",
      decision: "denied",
      by: "user:bob@acme.com",
      via: "cli",
    });
    expect(again).toMatchObject({ ok: false, refusal: "already-decided", approval: { state: "approved" } });
  });

  it("a denial records the action's outcome as refused, with who, how and why", async () => {
    now = T0;
    const key = await held();
    const result = await router.decideApproval({
      incident: key,
      action: "kill-pod",
      decision: "denied",
      by: "user:bob@acme.com",
      via: "cli",
      reason: "a <script> test\nnot an attack",
    });
    expect(result.ok).toBe(true);
    const mirrored = (await router.readIncident(key))?.actions["kill-pod"];
    expect(mirrored).toMatchObject({
      service: "console",
      approval: {
        state: "denied",
        by: "user:bob@acme.com",
        via: "cli",
        reason: "a <script> test\nnot an attack",
      },
      outcome: {
        result: "refused",
        reason: "denied by user:bob@acme.com via cli: a <script> test\nnot an attack",
      },
    });
  });

  it("refuses a decision on an unknown approval, and one at or after the deadline", async () => {
    now = T0;
    const unknown = await router.decideApproval({
      incident: incidentKey(),
      action: "kill-pod",
      decision: "approved",
      ...alice,
    });
    expect(unknown).toEqual({ ok: false, refusal: "unknown" });
    const key = await held(new Date(T0.getTime() + MINUTE));
    now = new Date(T0.getTime() + MINUTE);
    const late = await router.decideApproval({
      incident: key,
      action: "kill-pod",
      decision: "approved",
      ...alice,
    });
    expect(late).toMatchObject({
      ok: false,
      refusal: "past-deadline",
      approval: { state: "awaiting-approval" },
    });
  });

  it("keeps the last 20 refused attempts, hostile text as data; none for an unknown approval", async () => {
    now = T0;
    const key = await held();
    for (let index = 0; index < 23; index += 1) {
      now = new Date(T0.getTime() + index * 1000);
      await router.recordApprovalRefusal({
        incident: key,
        action: "kill-pod",
        by: "user:mallory@evil.example",
        via: "slack",
        reason: `not an approver #${index} <script>__proto__\n${"x".repeat(index === 22 ? 10_000 : 0)}`,
      });
    }
    const refusals = (await router.readApproval(key, "kill-pod"))?.refusals ?? [];
    expect(refusals).toHaveLength(20);
    expect(refusals[0]?.reason).toMatch(/^not an approver #3 /);
    expect(refusals[19]?.reason).toHaveLength(500);
    expect(refusals[19]).toMatchObject({ by: "user:mallory@evil.example", via: "slack", at: now });
    await router.recordApprovalRefusal({
      incident: incidentKey(),
      action: "kill-pod",
      ...alice,
      reason: "x",
    });
  });

  it("keeps a Slack click nobody could name as slack:U…, which never decides", async () => {
    now = T0;
    const key = await held();
    await router.recordApprovalRefusal({
      incident: key,
      action: "kill-pod",
      by: "slack:U0STRANGER",
      via: "slack",
      reason: "slack user U0STRANGER: unknown-user",
    });
    expect((await router.readApproval(key, "kill-pod"))?.refusals).toEqual([
      { by: "slack:U0STRANGER", via: "slack", at: T0, reason: "slack user U0STRANGER: unknown-user" },
    ]);
    for (const by of ["slack:U0STRANGER", "slack:W0GRID"]) {
      await expect(
        router.decideApproval({ incident: key, action: "kill-pod", decision: "approved", by, via: "slack" }),
      ).rejects.toThrow(ZodError);
    }
    for (const by of [
      "slack:u0lower",
      "slack:T0TEAM",
      "slack:U0<script>",
      "slack:",
      `slack:U${"A".repeat(21)}`,
    ]) {
      await expect(
        router.recordApprovalRefusal({ incident: key, action: "kill-pod", by, via: "slack", reason: "x" }),
      ).rejects.toThrow(ZodError);
    }
    expect((await router.readApproval(key, "kill-pod"))?.state).toBe("awaiting-approval");
  });
});

describe("the deadline and the publish", { timeout: 60_000 }, () => {
  it("past the deadline: proceed is approved and abandon abandoned, by the deadline; finished once published", async () => {
    now = new Date(T0.getTime() + 1000 * MINUTE);
    const proceeds = await held(new Date(now.getTime() + MINUTE), "proceed");
    const abandons = await held(new Date(now.getTime() + 2 * MINUTE), "abandon");
    const waits = await held(new Date(now.getTime() + 10 * MINUTE), "abandon");
    now = new Date(now.getTime() + 3 * MINUTE);
    const claims = (await router.claimDueApprovals()).filter((claim) =>
      [proceeds, abandons, waits].includes(claim.approval.incident),
    );
    expect(claims.map((claim) => [claim.approval.incident, claim.approval.state])).toEqual([
      [proceeds, "approved"],
      [abandons, "abandoned"],
    ]);
    expect(claims[0]?.approval.decision).toEqual({ by: "deadline", via: "deadline", at: now });
    expect((await router.readIncident(abandons))?.actions["kill-pod"]).toMatchObject({
      approval: { state: "abandoned", by: "deadline", via: "deadline" },
      outcome: { result: "refused", reason: "abandoned: no decision before the deadline" },
    });
    for (const claim of claims) {
      const { incident, action } = claim.approval;
      expect(await router.finishApprovalPublish(incident, action, claim.claimId)).toBe(true);
      expect(await router.finishApprovalPublish(incident, action, claim.claimId)).toBe(true);
      expect((await router.readApproval(incident, action))?.publish?.done).toBe(true);
    }
    now = new Date(now.getTime() + 60 * MINUTE);
    const later = (await router.claimDueApprovals()).map((claim) => claim.approval.incident);
    expect(later).toContain(waits);
    expect(later).not.toContain(proceeds);
    expect(later).not.toContain(abandons);
  });

  it("lists awaiting approvals soonest deadline first, decided ones newest first", async () => {
    now = new Date(T0.getTime() + 2000 * MINUTE);
    const late = await held(new Date(now.getTime() + 30 * MINUTE));
    const soon = await held(new Date(now.getTime() + 5 * MINUTE));
    const denied = await held(new Date(now.getTime() + 20 * MINUTE));
    await router.decideApproval({ incident: denied, action: "kill-pod", decision: "denied", ...alice });
    const awaiting = (await router.listApprovals({ state: "awaiting-approval", limit: 500 })).map(
      (a) => a.incident,
    );
    expect(awaiting.indexOf(soon)).toBeLessThan(awaiting.indexOf(late));
    expect(awaiting).not.toContain(denied);
    const deadlines = (await router.listApprovals({ state: "awaiting-approval" })).map((a) =>
      a.deadline.getTime(),
    );
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    const [newestDenied] = await router.listApprovals({ state: "denied", limit: 1 });
    expect(newestDenied?.incident).toBe(denied);
    const all = await router.listApprovals({ limit: 3 });
    expect(all).toHaveLength(3);
    await expect(router.listApprovals({ limit: 501 })).rejects.toThrow();
  });
});
