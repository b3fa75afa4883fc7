// requestQuarantineRelease: a person (the console) asks the isolator to lift a quarantine now. The
// request and the scheduled release's claim race on two Firestore clients, as two instances would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);

beforeAll(
  () => Promise.all([testLedger(firstInstance).warmUp(), testLedger(secondInstance).warmUp()]),
  30_000,
);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const T0 = new Date("2030-01-01T00:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
let uid = 0;
function pod() {
  uid += 1;
  return {
    cluster: "prod",
    namespace: `ns-${Math.random().toString(36).slice(2, 8)}`,
    pod: "web-1",
    podUid: `00000000-0000-4000-9000-${String(uid).padStart(12, "0")}`,
  };
}
const ALICE = {
  by: "user:alice@example.com",
  reason: "false positive: the CI runner",
  via: "console" as const,
};

describe("a requested quarantine release", { timeout: 90_000 }, () => {
  it("a request racing two instances' scheduled claims is released once, in the person's name", async () => {
    const now = at(5);
    const first = testLedger(firstInstance, { now: () => now });
    const second = testLedger(secondInstance, { now: () => now });
    for (let round = 0; round < 3; round++) {
      const target = pod();
      await first.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
      const [requested, a, b] = await Promise.all([
        first.requestQuarantineRelease(target, ALICE),
        first.claimExpiredQuarantineLeases(),
        second.claimExpiredQuarantineLeases(),
      ]);
      expect(requested.outcome).toBe("requested");
      // A claim that ran before the request committed found nothing due: the next run claims it.
      const [c, d] = await Promise.all([
        first.claimExpiredQuarantineLeases(),
        second.claimExpiredQuarantineLeases(),
      ]);
      const claims = [...a, ...b, ...c, ...d].filter((claim) => claim.podUid === target.podUid);
      expect(claims).toHaveLength(1);
      const [claim] = claims as [(typeof claims)[0]];
      expect(claim.releaseRequest).toMatchObject(ALICE);
      const { by, reason } = claim.releaseRequest as NonNullable<typeof claim.releaseRequest>;
      expect(await second.finishQuarantineRelease(claim, { by, reason })).toBe(true);
      expect(await first.readQuarantineLease(target)).toMatchObject({
        state: "released",
        released: { by: ALICE.by, reason: ALICE.reason },
      });
      expect((await second.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid)).toEqual(
        [],
      );
    }
  });

  it("of two requests at once one is recorded; the other is refused naming the first", async () => {
    const ledger = testLedger(firstInstance, { now: () => at(1) });
    const other = testLedger(secondInstance, { now: () => at(1) });
    const target = pod();
    await ledger.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
    const bob = { by: "user:bob@example.com", reason: "done with forensics" };
    const results = await Promise.all([
      ledger.requestQuarantineRelease(target, ALICE),
      other.requestQuarantineRelease(target, bob),
    ]);
    const outcomes = results.map((result) => result.outcome).sort();
    expect(outcomes).toEqual(["already-requested", "requested"]);
    const winner = results.find((result) => result.outcome === "requested");
    const stored = await ledger.readQuarantineLease(target);
    expect(stored?.releaseRequest?.by).toBe(
      winner && "lease" in winner ? winner.lease.releaseRequest?.by : "",
    );
  });

  it("is refused on a released, a releasing or an unknown lease, and nothing is written", async () => {
    let now = at(61);
    const ledger = testLedger(firstInstance, { now: () => now });
    const released = pod();
    await ledger.recordQuarantineLease({ ...released, incident: incidentKey(), expiresAt: at(60) });
    expect(await ledger.recordQuarantineRelease(released, { by: "bob", reason: "false positive" })).toBe(
      true,
    );
    expect(await ledger.requestQuarantineRelease(released, ALICE)).toMatchObject({ outcome: "released" });
    const after = await ledger.readQuarantineLease(released);
    expect(after).toMatchObject({ state: "released", released: { by: "bob" } });
    expect(after?.releaseRequest).toBeUndefined();
    expect((await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === released.podUid)).toEqual(
      [],
    );

    const releasing = pod();
    await ledger.recordQuarantineLease({ ...releasing, incident: incidentKey(), expiresAt: at(60) });
    const [claim] = (await ledger.claimExpiredQuarantineLeases()).filter(
      (c) => c.podUid === releasing.podUid,
    );
    expect(claim?.releaseRequest).toBeUndefined();
    expect(await ledger.requestQuarantineRelease(releasing, ALICE)).toMatchObject({ outcome: "releasing" });
    expect((await ledger.readQuarantineLease(releasing))?.releaseRequest).toBeUndefined();

    now = at(0);
    expect(await ledger.requestQuarantineRelease(pod(), ALICE)).toEqual({ outcome: "none" });
  });

  it("an extension after a request is refused (the request stands); a later incident's isolation drops it", async () => {
    let now = at(1);
    const ledger = testLedger(firstInstance, { now: () => now });
    const target = pod();
    await ledger.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
    await ledger.requestQuarantineRelease(target, ALICE);
    expect(await ledger.extendQuarantineLease(target, at(600), { by: "bob", reason: "x" })).toMatchObject({
      outcome: "releasing",
    });
    // A later incident isolates the pod again: its quarantine wins over the request.
    expect(await ledger.keepQuarantineLease(target, at(120), incidentKey())).toBe("kept");
    const kept = await ledger.readQuarantineLease(target);
    expect(kept?.releaseRequest).toBeUndefined();
    expect(kept?.expiresAt).toEqual(at(120));
    now = at(2);
    expect((await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid)).toEqual(
      [],
    );
    now = at(121);
    const [claim] = (await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid);
    expect(claim).toBeDefined();
    expect(claim?.releaseRequest).toBeUndefined();

    // Kept with no ttl after a request: nobody's release but an operator's.
    const forever = pod();
    now = at(1);
    await ledger.recordQuarantineLease({ ...forever, incident: incidentKey(), expiresAt: at(60) });
    await ledger.requestQuarantineRelease(forever, ALICE);
    await ledger.keepQuarantineLease(forever, undefined, incidentKey());
    now = at(10_000);
    expect((await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === forever.podUid)).toEqual(
      [],
    );
  });

  it("hostile audits: a 10 KB reason is cut, an overlong name or an unknown via is refused before Firestore", async () => {
    const ledger = testLedger(firstInstance, { now: () => at(1) });
    const target = pod();
    await ledger.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
    await expect(
      ledger.requestQuarantineRelease(target, { ...ALICE, by: "x".repeat(200) }),
    ).rejects.toThrow();
    await expect(
      ledger.requestQuarantineRelease(target, { ...ALICE, via: "__proto__" as "console" }),
    ).rejects.toThrow();
    expect((await ledger.readQuarantineLease(target))?.releaseRequest).toBeUndefined();
    const result = await ledger.requestQuarantineRelease(target, {
      ...ALICE,
      reason: "<script>".repeat(1300),
    });
    expect(result.outcome).toBe("requested");
    expect((await ledger.readQuarantineLease(target))?.releaseRequest?.reason).toHaveLength(2048);
  });
});
