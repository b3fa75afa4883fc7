import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectSlots } from "./object-slots.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

// Two clients with their own channels: two actioner instances sharing the limits.
const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);
const first = createObjectSlots({ firestore: firstInstance, timeoutMs: 30_000 });
const second = createObjectSlots({ firestore: secondInstance, timeoutMs: 30_000 });

beforeAll(
  () => Promise.all([testLedger(firstInstance).warmUp(), testLedger(secondInstance).warmUp()]),
  30_000,
);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const perNamespace = (namespace: string, max = 2) => ({
  limit: `pod kills per namespace|c1|${namespace}`,
  windowMs: 60_000,
  max,
});
const perCluster = (cluster: string, max: number) => ({
  limit: `pod kills per cluster|${cluster}`,
  windowMs: 60_000,
  max,
});
const request = (limits: ReturnType<typeof perNamespace>[], pod: string, incident = incidentKey()) => ({
  limits,
  holder: `kill-pod|Pod|shop|${pod}|uid-${pod}`,
  incident,
  action: "kill-pod",
});

describe("takeObjectSlots", { timeout: 30_000 }, () => {
  it("grants exactly max to 6 concurrent objects spread over two instances", async () => {
    const limits = [perNamespace("shop")];
    const decisions = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        (index % 2 === 0 ? first : second).takeObjectSlots(request(limits, `web-${index}`)),
      ),
    );
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(2);
    for (const refused of decisions.filter((decision) => !decision.granted))
      expect(refused).toEqual({
        granted: false,
        refusedBy: 0,
        limit: "pod kills per namespace|c1|shop",
        max: 2,
        windowMs: 60_000,
      });
  });

  it("the same object re-uses its slots, from another incident and another instance, concurrently too", async () => {
    const limits = [perNamespace("billing", 1)];
    const decisions = await Promise.all(
      [first, second, first].map((slots) => slots.takeObjectSlots(request(limits, "api-1"))),
    );
    expect(decisions.every((decision) => decision.granted)).toBe(true);
    expect(decisions.filter((decision) => decision.granted && !decision.reused)).toHaveLength(1);
    expect(await second.takeObjectSlots(request(limits, "api-1"))).toEqual({ granted: true, reused: true });
    expect(await second.takeObjectSlots(request(limits, "api-2"))).toMatchObject({ granted: false });
  });

  it("takes a slot in every limit or in none: a refusal by the cluster limit leaves the namespace's free", async () => {
    const cluster = `c-${incidentKey()}`;
    const namespaceA = { ...perNamespace("a", 1), limit: `pod kills per namespace|${cluster}|a` };
    const namespaceB = { ...perNamespace("b", 1), limit: `pod kills per namespace|${cluster}|b` };
    const clusterLimit = perCluster(cluster, 1);
    expect(await first.takeObjectSlots(request([namespaceA, clusterLimit], "a-1"))).toMatchObject({
      granted: true,
    });
    expect(await second.takeObjectSlots(request([namespaceB, clusterLimit], "b-1"))).toMatchObject({
      granted: false,
      refusedBy: 1,
      limit: clusterLimit.limit,
    });
    // Namespace b's one slot was not spent by the refusal: with a roomier cluster limit it is there.
    expect(await second.takeObjectSlots(request([namespaceB], "b-1"))).toMatchObject({ granted: true });
  });

  it("counts any window's length, not calendar windows: max slots over a boundary still refuse the next", async () => {
    // Fixed windows allowed `max` at 10:00:59 and `max` more at 10:01:00: twice the limit in a second.
    let now = new Date("2026-12-05T10:00:50Z");
    const slots = createObjectSlots({ firestore: firstInstance, timeoutMs: 30_000, now: () => now });
    const limits = [perNamespace(`w-${incidentKey()}`, 2)];
    expect(await slots.takeObjectSlots(request(limits, "p-1"))).toEqual({ granted: true, reused: false });
    now = new Date("2026-12-05T10:00:59Z");
    expect(await slots.takeObjectSlots(request(limits, "p-2"))).toEqual({ granted: true, reused: false });
    now = new Date("2026-12-05T10:01:10Z"); // a new minute, 20 s after p-1: both slots still count
    expect(await slots.takeObjectSlots(request(limits, "p-1"))).toEqual({ granted: true, reused: true });
    expect(await slots.takeObjectSlots(request(limits, "p-3"))).toMatchObject({ granted: false });
    now = new Date("2026-12-05T10:01:50Z"); // p-1's slot is a minute old: free; p-2's still counts
    expect(await slots.takeObjectSlots(request(limits, "p-3"))).toEqual({ granted: true, reused: false });
    expect(await slots.takeObjectSlots(request(limits, "p-4"))).toMatchObject({ granted: false });
    // p-1 again, its holder a minute old: a new slot, which it no longer finds.
    expect(await slots.takeObjectSlots(request(limits, "p-1"))).toMatchObject({ granted: false });
    now = new Date("2026-12-05T10:01:59Z");
    expect(await slots.takeObjectSlots(request(limits, "p-1"))).toEqual({ granted: true, reused: false });
  });

  it("never grants more than max in any window's length to takers racing across a slot's expiry", async () => {
    let now = new Date("2026-12-05T11:00:00Z");
    const clock = () => now;
    const a = createObjectSlots({ firestore: firstInstance, timeoutMs: 30_000, now: clock });
    const b = createObjectSlots({ firestore: secondInstance, timeoutMs: 30_000, now: clock });
    const limits = [perNamespace(`r-${incidentKey()}`, 3)];
    for (const pod of ["old-1", "old-2", "old-3"])
      expect(await a.takeObjectSlots(request(limits, pod))).toMatchObject({ granted: true });
    now = new Date("2026-12-05T11:01:00Z"); // all three expire at once; 12 takers race for them
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? a : b).takeObjectSlots(request(limits, `new-${index}`)),
      ),
    );
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(3);
  });

  it("refuses text that is not an incident key or a plain action name before reaching Firestore", async () => {
    await expect(
      first.takeObjectSlots({ ...request([perNamespace("x")], "p"), incident: "../x" }),
    ).rejects.toThrow();
    await expect(
      first.takeObjectSlots({ ...request([perNamespace("x")], "p"), action: "__name__" }),
    ).rejects.toThrow();
  });
});
