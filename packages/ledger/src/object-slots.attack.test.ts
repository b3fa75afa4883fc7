// Adversarial review of the sliding blast-radius slots (issue 18): "at most max objects changed in any
// span of the window's length, across instances".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectSlots } from "./object-slots.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);

beforeAll(
  () => Promise.all([testLedger(firstInstance).warmUp(), testLedger(secondInstance).warmUp()]),
  30_000,
);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const request = (limits: { limit: string; windowMs: number; max: number }[], pod: string) => ({
  limits,
  holder: `kill-pod|Pod|shop|${pod}|uid-${pod}`,
  incident: incidentKey(),
  action: "kill-pod",
});

function clockedPair(start: string) {
  let now = new Date(start);
  const clock = () => now;
  return {
    a: createObjectSlots({ firestore: firstInstance, timeoutMs: 30_000, now: clock }),
    b: createObjectSlots({ firestore: secondInstance, timeoutMs: 30_000, now: clock }),
    at: (when: string) => {
      now = new Date(when);
    },
  };
}

describe("object slots under attack", { timeout: 60_000 }, () => {
  it("mixed limits, the namespace's slot expired and the cluster's not: racers across two clients get exactly the free pair", async () => {
    const { a, b, at } = clockedPair("2026-12-05T12:00:00Z");
    const id = incidentKey();
    const namespace = { limit: `ns|${id}|shop`, windowMs: MINUTE, max: 1 };
    const cluster = { limit: `cluster|${id}`, windowMs: HOUR, max: 2 };
    expect(await a.takeObjectSlots(request([namespace, cluster], "first"))).toMatchObject({ granted: true });
    at("2026-12-05T12:01:01Z"); // the namespace's slot is free again, the cluster has one left
    const decisions = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        (index % 2 === 0 ? a : b).takeObjectSlots(request([namespace, cluster], `racer-${index}`)),
      ),
    );
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(1);
    at("2026-12-05T12:02:02Z"); // the namespace's slot is free again; the cluster's two are not
    expect(await b.takeObjectSlots(request([namespace, cluster], "late"))).toMatchObject({
      granted: false,
      refusedBy: 1,
    });
  });

  it("a holder whose short-window slot expired (its holder doc, kept for the longest window, did not) is not re-granted over the object that took that slot since", async () => {
    const { a, b, at } = clockedPair("2026-12-05T13:00:00Z");
    const id = incidentKey();
    const namespace = { limit: `ns|${id}|shop`, windowMs: MINUTE, max: 1 };
    const cluster = { limit: `cluster|${id}`, windowMs: HOUR, max: 10 };
    expect(await a.takeObjectSlots(request([namespace, cluster], "h"))).toEqual({
      granted: true,
      reused: false,
    });
    at("2026-12-05T13:01:01Z"); // h's namespace slot is a minute old: "other" takes it
    expect(await b.takeObjectSlots(request([namespace, cluster], "other"))).toEqual({
      granted: true,
      reused: false,
    });
    at("2026-12-05T13:01:30Z"); // h changed again 29 s after "other": two objects in the namespace's minute
    expect(await a.takeObjectSlots(request([namespace, cluster], "h"))).toMatchObject({
      granted: false,
      refusedBy: 0,
    });
  });

  // HOLE, not fixed: only slots 0 … max-1 are read, so after max is lowered the objects changed on
  // higher slots in the current window are not counted (here 3 objects within 31 s under max 1).
  it.fails("max lowered by config: objects already changed in the window (on slots above the new max) still count", async () => {
    const { a, at } = clockedPair("2026-12-05T14:00:00Z");
    const name = `ns|${incidentKey()}|shop`;
    // max 1: slot 0. Then max 3: slots 1 and 2 (0 is taken).
    expect(await a.takeObjectSlots(request([{ limit: name, windowMs: MINUTE, max: 1 }], "p0"))).toMatchObject(
      {
        granted: true,
      },
    );
    at("2026-12-05T14:00:30Z");
    for (const pod of ["p1", "p2"])
      expect(
        await a.takeObjectSlots(request([{ limit: name, windowMs: MINUTE, max: 3 }], pod)),
      ).toMatchObject({ granted: true });
    at("2026-12-05T14:01:01Z"); // p0's slot expired, p1's and p2's taken 31 s ago; config now says max 1
    expect(await a.takeObjectSlots(request([{ limit: name, windowMs: MINUTE, max: 1 }], "p3"))).toMatchObject(
      { granted: false },
    );
  });

  it("hostile holder text stays data: path characters, NUL, huge, lookalikes each hold their own slot", async () => {
    const { a, b } = clockedPair("2026-12-05T15:00:00Z");
    const limits = [{ limit: `ns|${incidentKey()}|x`, windowMs: MINUTE, max: 3 }];
    const holders = ["../../limitSlots/x", "a\u0000b", "x".repeat(2048)];
    for (const holder of holders)
      expect(await a.takeObjectSlots({ ...request(limits, "p"), holder })).toEqual({
        granted: true,
        reused: false,
      });
    expect(await b.takeObjectSlots({ ...request(limits, "p"), holder: "a\u0000c" })).toMatchObject({
      granted: false,
    });
    expect(await b.takeObjectSlots({ ...request(limits, "p"), holder: "a\u0000b" })).toEqual({
      granted: true,
      reused: true,
    });
    await expect(a.takeObjectSlots({ ...request(limits, "p"), holder: "x".repeat(2049) })).rejects.toThrow();
  });
});
