// Adversarial review of approvals in the ledger (issue 21): of deciders on two clients at once exactly
// one wins; a decision racing the deadline by a millisecond never stands beside the deadline's; 8
// concurrent scheduled calls claim each due approval once; a redelivered request never reopens a
// decision; hostile names never reach Firestore; a stale publish claim cannot finish.
import { Firestore } from "@google-cloud/firestore";
import type { Command } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createLedger, type Ledger } from "./ledger.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);
const MINUTE = 60_000;
const T0 = new Date("2026-12-05T10:00:00Z");
// Each instance its own clock: a race across the deadline sets them a millisecond apart.
let firstNow = T0;
let secondNow = T0;
const first: Ledger = testLedger(firstInstance, { now: () => firstNow });
const second: Ledger = testLedger(secondInstance, { now: () => secondNow });
const setNow = (at: Date) => {
  firstNow = at;
  secondNow = at;
};

beforeAll(() => Promise.all([first.warmUp(), second.warmUp()]), 30_000);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

function heldKill(): Command {
  return commandFromExample("kill-pod", "modern-terminal-shell.json", {
    top: { time: uniqueAlertTime() },
    issuedAt: T0.toISOString(),
  });
}

async function held(deadline: Date, onTimeout: "proceed" | "abandon" = "proceed"): Promise<string> {
  const command = heldKill();
  await first.requestApprovals(command.incident, [
    { action: "kill-pod", deadline, onTimeout, approvers: ["group:sre@acme.com"], command },
  ]);
  return command.incident;
}

const approve = (incident: string) =>
  ({ incident, action: "kill-pod", decision: "approved", by: "user:alice@acme.com", via: "slack" }) as const;
const deny = (incident: string) =>
  ({ incident, action: "kill-pod", decision: "denied", by: "user:bob@acme.com", via: "cli" }) as const;

/** Finishes every claim so the next round's claimers find only its own approvals due. */
async function finishAll(claims: { approval: { incident: string; action: string }; claimId: string }[]) {
  for (const { approval, claimId } of claims)
    await first.finishApprovalPublish(approval.incident, approval.action, claimId);
}

describe("approvals under attack", { timeout: 120_000 }, () => {
  it("approve and deny at once from two clients, 2 or 4 deciders, 6 rounds: exactly one decision wins", async () => {
    const timings: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      setNow(new Date(T0.getTime() + round * MINUTE));
      const key = await held(new Date(firstNow.getTime() + 15 * MINUTE));
      const started = performance.now();
      // Rounds 0–2: one approver on each client; 3–5: two on each.
      const deciders = [first.decideApproval(approve(key)), second.decideApproval(deny(key))];
      if (round >= 3) deciders.push(second.decideApproval(approve(key)), first.decideApproval(deny(key)));
      const results = await Promise.all(deciders);
      timings.push(performance.now() - started);
      const winners = results.filter((result) => result.ok);
      expect(winners, `round ${round}`).toHaveLength(1);
      const winner = winners[0];
      if (!winner?.ok) throw new Error("no winner");
      for (const loser of results.filter((result) => !result.ok)) {
        expect(loser).toMatchObject({
          ok: false,
          refusal: "already-decided",
          approval: { state: winner.approval.state, decision: winner.approval.decision },
        });
      }
      const stored = await second.readApproval(key, "kill-pod");
      expect(stored?.state).toBe(winner.approval.state);
      expect(stored?.publish?.claimId).toBe(winner.claimId);
      expect((await first.readIncident(key))?.actions["kill-pod"]?.approval?.state).toBe(
        winner.approval.state,
      );
      await first.finishApprovalPublish(key, "kill-pod", winner.claimId);
    }
    const alone = await held(new Date(firstNow.getTime() + 15 * MINUTE));
    const started = performance.now();
    expect((await first.decideApproval(approve(alone))).ok).toBe(true);
    const ms = (list: number[]) => list.map((value) => value.toFixed(0)).join(", ");
    console.info(
      `decide alone: ${ms([performance.now() - started])} ms; contended, 2 deciders: ${ms(timings.slice(0, 3))} ms; 4: ${ms(timings.slice(3))} ms`,
    );
  });

  it("a decision 1 ms before the deadline racing the scheduled call 1 ms after it: never both, 8 rounds", async () => {
    const winners = { person: 0, deadline: 0 };
    // The decider starts a little later in some rounds, so that each side wins some.
    const delays = [0, 0, 50, 100, 200, 300, 500, 1000];
    for (const [round, delay] of delays.entries()) {
      const deadline = new Date(T0.getTime() + (100 + round * 10) * MINUTE);
      setNow(new Date(deadline.getTime() - 5 * MINUTE));
      const key = await held(deadline, round % 2 ? "abandon" : "proceed");
      firstNow = new Date(deadline.getTime() - 1);
      secondNow = new Date(deadline.getTime() + 1);
      const [decided, claims] = await Promise.all([
        new Promise((resolve) => setTimeout(resolve, delay)).then(() =>
          first.decideApproval(round % 3 ? deny(key) : approve(key)),
        ),
        second.claimDueApprovals(),
      ]);
      const byDeadline = claims.filter((claim) => claim.approval.incident === key);
      expect(Number(decided.ok) + byDeadline.length, `round ${round}`).toBe(1);
      const stored = await first.readApproval(key, "kill-pod");
      const mirrored = (await first.readIncident(key))?.actions["kill-pod"]?.approval;
      if (decided.ok) {
        winners.person += 1;
        expect(stored?.decision?.by).not.toBe("deadline");
      } else {
        winners.deadline += 1;
        expect(decided.refusal).toBe("already-decided");
        expect(stored?.decision?.by).toBe("deadline");
      }
      expect(mirrored?.by).toBe(stored?.decision?.by);
      await finishAll(claims);
      if (decided.ok) await first.finishApprovalPublish(key, "kill-pod", decided.claimId);
    }
    console.info(`deadline race winners: ${JSON.stringify(winners)}`);
    expect(winners.person).toBeGreaterThan(0);
    expect(winners.deadline).toBeGreaterThan(0);
  });

  it("a decision at the deadline, or 1 ms after, is refused: the deadline's rule decides", async () => {
    const deadline = new Date(T0.getTime() + 300 * MINUTE);
    setNow(new Date(deadline.getTime() - MINUTE));
    const key = await held(deadline, "abandon");
    for (const at of [deadline, new Date(deadline.getTime() + 1)]) {
      firstNow = at;
      expect(await first.decideApproval(approve(key))).toMatchObject({ ok: false, refusal: "past-deadline" });
    }
    firstNow = new Date(deadline.getTime() - 1);
    expect((await first.decideApproval(approve(key))).ok).toBe(true);
  });

  it("8 scheduled calls at once across two clients: each due approval claimed exactly once", async () => {
    const start = new Date(T0.getTime() + 400 * MINUTE);
    for (let round = 0; round < 3; round += 1) {
      setNow(new Date(start.getTime() + round * 30 * MINUTE));
      const keys = await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          held(new Date(firstNow.getTime() + MINUTE), index % 2 ? "abandon" : "proceed"),
        ),
      );
      // Two decided by a person whose publish never finished (the decider died): claimed again.
      const orphaned = await Promise.all([
        held(new Date(firstNow.getTime() + 20 * MINUTE)),
        held(new Date(firstNow.getTime() + 20 * MINUTE)),
      ]);
      for (const key of orphaned) expect((await first.decideApproval(approve(key))).ok).toBe(true);
      setNow(new Date(firstNow.getTime() + 2 * MINUTE));
      const claims = (
        await Promise.all(
          Array.from({ length: 8 }, (_, index) => (index % 2 ? first : second).claimDueApprovals()),
        )
      ).flat();
      const ours = claims.filter((claim) => [...keys, ...orphaned].includes(claim.approval.incident));
      expect(ours.map((claim) => claim.approval.incident).sort(), `round ${round}`).toEqual(
        [...keys, ...orphaned].sort(),
      );
      expect(new Set(ours.map((claim) => claim.claimId)).size).toBe(ours.length);
      await finishAll(claims);
    }
  });

  it("a request redelivered after the decision never reopens it nor moves its deadline", async () => {
    const at = new Date(T0.getTime() + 600 * MINUTE);
    setNow(at);
    const command = heldKill();
    const key = command.incident;
    const request = {
      action: "kill-pod",
      deadline: new Date(at.getTime() + 15 * MINUTE),
      onTimeout: "proceed" as const,
      approvers: ["group:sre@acme.com"],
      command,
    };
    await first.requestApprovals(key, [request]);
    const decided = await first.decideApproval(deny(key));
    expect(decided.ok).toBe(true);
    setNow(new Date(at.getTime() + 5 * MINUTE));
    const later = { ...request, deadline: new Date(at.getTime() + 90 * MINUTE) };
    const again = await Promise.all([
      first.requestApprovals(key, [later]),
      second.requestApprovals(key, [later]),
    ]);
    expect(again).toEqual([[], []]);
    const stored = await second.readApproval(key, "kill-pod");
    expect(stored).toMatchObject({ state: "denied", deadline: request.deadline, requestedAt: at });
    expect((await first.readIncident(key))?.actions["kill-pod"]).toMatchObject({
      approval: { state: "denied", deadline: request.deadline },
      outcome: { result: "refused" },
    });
    // And after the deadline's decision, the same.
    setNow(new Date(at.getTime() + 100 * MINUTE));
    expect(await first.decideApproval(approve(key))).toMatchObject({ refusal: "already-decided" });
  });

  it("hostile action names, incident keys and identities are refused before Firestore", async () => {
    // A ledger on a port nothing listens on: a call that reached Firestore would fail as unavailable.
    const nowhere = new Firestore({ projectId, host: "127.0.0.1:9", ssl: false });
    const ledger = createLedger({ firestore: nowhere, timeoutMs: 3_000 });
    const key = incidentKey();
    const command = heldKill();
    const request = (action: string, extra: object = {}) => ({
      action,
      deadline: new Date(T0.getTime() + MINUTE),
      onTimeout: "proceed" as const,
      approvers: ["group:sre@acme.com"],
      command,
      ...extra,
    });
    const hostileActions = [
      "__proto__",
      "__name__",
      "kill-pod\n",
      "kill-pod.outcome",
      "<script>alert(1)</script>",
      "k\u0456ll-pod", // a Cyrillic і
      "KILL-POD",
      "notify",
      "x".repeat(10_000),
      "",
    ];
    const hostileKeys = [
      `${key}~kill-pod`,
      key.toUpperCase(),
      "../approvals",
      "__proto__",
      key.slice(1),
      "a".repeat(10_000),
    ];
    const attempts: Promise<unknown>[] = [];
    for (const action of hostileActions) {
      attempts.push(ledger.readApproval(key, action));
      attempts.push(ledger.decideApproval({ ...approve(key), action }));
      attempts.push(ledger.finishApprovalPublish(key, action, "c"));
      attempts.push(ledger.recordApprovalRefusal({ ...approve(key), action, reason: "x" }));
      attempts.push(ledger.requestApprovals(command.incident, [request(action)]));
    }
    for (const incident of hostileKeys) {
      attempts.push(ledger.readApproval(incident, "kill-pod"));
      attempts.push(ledger.decideApproval(approve(incident)));
      attempts.push(ledger.requestApprovals(incident, [request("kill-pod")]));
    }
    const identities = [
      "deadline",
      "user:<script>",
      "alice@acme.com",
      "local:a b",
      "user:x\n@acme.com",
      "user:",
    ];
    for (const by of identities) {
      attempts.push(ledger.decideApproval({ ...approve(key), by }));
      attempts.push(ledger.recordApprovalRefusal({ ...approve(key), by, reason: "x" }));
    }
    attempts.push(ledger.decideApproval({ ...approve(key), via: "deadline" as never }));
    attempts.push(ledger.decideApproval({ ...approve(key), reason: "x".repeat(501) }));
    attempts.push(
      ledger.requestApprovals(command.incident, [request("kill-pod", { approvers: ["<script>"] })]),
    );
    attempts.push(ledger.requestApprovals(command.incident, [request("kill-pod", { approvers: [] })]));
    attempts.push(ledger.requestApprovals(command.incident, [request("kill-pod"), request("kill-pod")]));
    attempts.push(ledger.requestApprovals(command.incident, [request("isolate-pod")]));
    attempts.push(ledger.listApprovals({ state: "__proto__" as never }));
    const started = performance.now();
    const settled = await Promise.allSettled(attempts);
    const through = settled.flatMap((result, index) =>
      result.status === "rejected" && result.reason instanceof ZodError ? [] : [index],
    );
    expect(through).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
    // Another incident's command held under this key: refused too.
    await expect(ledger.requestApprovals(key, [request("kill-pod")])).rejects.toThrow(/not incident/);
    await nowhere.terminate();
  });

  it("a publish claim that expires is claimed again; the old claim can no longer finish", async () => {
    const at = new Date(T0.getTime() + 700 * MINUTE);
    setNow(at);
    const key = await held(new Date(at.getTime() + 15 * MINUTE));
    const decided = await first.decideApproval({ ...approve(key), publishClaimMs: 60_000 });
    if (!decided.ok) throw new Error(decided.refusal);
    // Within the claim: nobody takes it.
    setNow(new Date(at.getTime() + 30_000));
    expect((await second.claimDueApprovals()).filter((c) => c.approval.incident === key)).toEqual([]);
    // The decider died: after its claim the scheduled call takes the publish over.
    setNow(new Date(at.getTime() + 61_000));
    const [taken, ...more] = (await second.claimDueApprovals()).filter((c) => c.approval.incident === key);
    expect(more).toEqual([]);
    expect(taken?.approval).toMatchObject({ state: "approved", decision: { by: "user:alice@acme.com" } });
    expect(taken?.claimId).not.toBe(decided.claimId);
    expect(await first.finishApprovalPublish(key, "kill-pod", decided.claimId)).toBe(false);
    expect(await second.finishApprovalPublish(key, "kill-pod", taken?.claimId as string)).toBe(true);
    expect(await first.finishApprovalPublish(key, "kill-pod", decided.claimId)).toBe(false);
    setNow(new Date(at.getTime() + 60 * MINUTE));
    expect((await first.claimDueApprovals()).filter((c) => c.approval.incident === key)).toEqual([]);
    expect((await first.readApproval(key, "kill-pod"))?.publish).toMatchObject({
      claimId: taken?.claimId,
      done: true,
    });
  });
});
