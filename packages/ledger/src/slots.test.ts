import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

// Two clients with their own channels: two Riposte instances sharing one limit.
const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);
const first = testLedger(firstInstance);
const second = testLedger(secondInstance);

beforeAll(() => Promise.all([first.warmUp(), second.warmUp()]), 30_000);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const limitOf = (name: string) => ({ limit: `pod kills per namespace|c1|${name}`, windowMs: 60_000, max: 2 });

describe("takeSlot", { timeout: 30_000 }, () => {
  it("grants exactly max slots to 6 concurrent actions spread over two instances", async () => {
    const limit = limitOf("shop");
    const started = performance.now();
    const decisions = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        (index % 2 === 0 ? first : second).takeSlot(limit, { incident: incidentKey(), action: "kill-pod" }),
      ),
    );
    const tookMs = Math.round(performance.now() - started);
    console.info(`6 concurrent takeSlot (max 2, two instances): ${tookMs} ms`);

    const granted = decisions.filter((decision) => decision.granted);
    expect(granted).toHaveLength(2);
    expect(new Set(granted.map((decision) => decision.granted && decision.slot))).toEqual(new Set([0, 1]));
    for (const decision of decisions.filter((decision) => !decision.granted)) {
      expect(decision).toMatchObject({
        granted: false,
        reason: expect.stringContaining("pod kills per namespace"),
      });
    }
  });

  it("gives a redelivery of the same (incident, action) the slot it already holds, from either instance", async () => {
    const now = () => new Date("2026-12-05T10:00:30Z");
    const [first, second] = [testLedger(firstInstance, { now }), testLedger(secondInstance, { now })];
    const limit = limitOf("billing");
    const holder = { incident: incidentKey(), action: "kill-pod" };
    const taken = await first.takeSlot(limit, holder);
    const redelivered = await second.takeSlot(limit, holder);
    const other = await second.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" });

    expect(taken).toMatchObject({ granted: true, reused: false });
    expect(redelivered).toMatchObject({ granted: true, reused: true, slot: taken.granted && taken.slot });
    // The redelivery took no second slot: the limit of 2 still had room for another incident.
    expect(other).toMatchObject({ granted: true, reused: false });
  });

  it("takes one slot for concurrent deliveries of the same (incident, action)", async () => {
    const limit = limitOf("payments");
    const holder = { incident: incidentKey(), action: "kill-pod" };
    const deliveries = await Promise.all(
      [first, second, first, second].map((ledger) => ledger.takeSlot(limit, holder)),
    );
    expect(deliveries.every((decision) => decision.granted)).toBe(true);
    expect(new Set(deliveries.map((decision) => decision.granted && decision.slot)).size).toBe(1);
    expect(deliveries.filter((decision) => decision.granted && !decision.reused)).toHaveLength(1);

    const other = await first.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" });
    expect(other).toMatchObject({ granted: true, reused: false });
  });

  it("never gives a slot back within its window: the limit stays reached", async () => {
    const limit = limitOf("search");
    await first.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" });
    await first.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" });
    const later = await second.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" });
    expect(later).toMatchObject({ granted: false });
  });

  it("gives a redelivery just after a window boundary the slot it took just before", async () => {
    let now = new Date("2026-12-05T10:00:59.900Z");
    const clocked = testLedger(firstInstance, { now: () => now });
    const limit = { ...limitOf("orders"), max: 1 };
    const holder = { incident: incidentKey(), action: "kill-pod" };
    expect(await clocked.takeSlot(limit, holder)).toMatchObject({ granted: true, reused: false });
    now = new Date("2026-12-05T10:01:00.100Z");
    expect(await clocked.takeSlot(limit, holder)).toMatchObject({
      granted: true,
      reused: true,
      windowStart: new Date("2026-12-05T10:00:00Z"),
    });
    // Its slot is counted in the window it was taken in: the new window's slot is still free.
    expect(await clocked.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" })).toMatchObject({
      granted: true,
      reused: false,
    });
    // A whole window after it was taken, the slot no longer counts: a redelivery takes a new one.
    now = new Date("2026-12-05T10:02:00Z");
    expect(await clocked.takeSlot(limit, holder)).toMatchObject({ granted: true, reused: false });
  });

  it("counts each window on its own", async () => {
    let now = new Date("2026-12-05T10:00:30Z");
    const clocked = testLedger(firstInstance, { now: () => now });
    const limit = { ...limitOf("cart"), max: 1 };
    expect(await clocked.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" })).toMatchObject({
      granted: true,
      windowStart: new Date("2026-12-05T10:00:00Z"),
    });
    expect(await clocked.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" })).toMatchObject({
      granted: false,
    });
    now = new Date("2026-12-05T10:01:00Z");
    expect(await clocked.takeSlot(limit, { incident: incidentKey(), action: "kill-pod" })).toMatchObject({
      granted: true,
      windowStart: new Date("2026-12-05T10:01:00Z"),
    });
  });

  it("refuses requests it cannot count before reaching Firestore", async () => {
    const holder = { incident: incidentKey(), action: "kill-pod" };
    await expect(first.takeSlot({ ...limitOf("x"), max: 0 }, holder)).rejects.toThrow();
    await expect(first.takeSlot({ ...limitOf("x"), windowMs: 0 }, holder)).rejects.toThrow();
    await expect(first.takeSlot(limitOf("x"), { ...holder, incident: "../etc" })).rejects.toThrow();
  });
});
