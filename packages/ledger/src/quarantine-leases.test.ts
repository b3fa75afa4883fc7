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
function pod(name = "web-1") {
  uid += 1;
  return {
    cluster: "prod",
    namespace: `ns-${Math.random().toString(36).slice(2, 8)}`,
    pod: name,
    podUid: `00000000-0000-4000-8000-${String(uid).padStart(12, "0")}`,
  };
}
const EXPIRY = { by: "riposte-isolator", reason: "lease expired" };

describe("quarantine leases", { timeout: 60_000 }, () => {
  it("an expired lease is claimed by exactly one of two instances calling at the same moment", async () => {
    const now = at(61);
    const first = testLedger(firstInstance, { now: () => now });
    const second = testLedger(secondInstance, { now: () => now });
    const target = pod();
    await first.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
    const [a, b] = await Promise.all([
      first.claimExpiredQuarantineLeases(),
      second.claimExpiredQuarantineLeases(),
    ]);
    const claims = [...a, ...b].filter((claim) => claim.podUid === target.podUid);
    expect(claims).toHaveLength(1);
    expect(await first.finishQuarantineRelease(claims[0] as (typeof claims)[0], EXPIRY)).toBe(true);
    expect(await first.readQuarantineLease(target)).toMatchObject({ state: "released", released: EXPIRY });
    // Released: never claimed again.
    expect((await second.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid)).toEqual(
      [],
    );
  });

  it("a lease extended just before it expires is not claimed; the extension is refused once it is being released", async () => {
    let now = at(59);
    const ledger = testLedger(firstInstance, { now: () => now });
    const target = pod();
    await ledger.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
    const extended = await ledger.extendQuarantineLease(target, at(12 * 60), {
      by: "alice",
      reason: "forensics",
    });
    expect(extended).toMatchObject({ outcome: "extended", lease: { expiresAt: at(12 * 60) } });
    now = at(61);
    expect((await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid)).toEqual(
      [],
    );
    now = at(12 * 60 + 1);
    const [claim] = (await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid);
    expect(claim?.state).toBe("releasing");
    expect(await ledger.extendQuarantineLease(target, at(24 * 60), EXPIRY)).toMatchObject({
      outcome: "releasing",
    });
  });

  it("a pod replaced under the same name has no lease of its predecessor's; extending it is `none`", async () => {
    const ledger = testLedger(firstInstance, { now: () => at(0) });
    const original = pod("db-0");
    await ledger.recordQuarantineLease({ ...original, incident: incidentKey(), expiresAt: at(60) });
    const replacement = { ...original, podUid: pod().podUid };
    expect(await ledger.readQuarantineLease(replacement)).toBeUndefined();
    expect(await ledger.quarantineLeasesOfPod(replacement.podUid)).toEqual([]);
    expect((await ledger.quarantineLeasesOfPod(original.podUid)).map((lease) => lease.pod)).toEqual(["db-0"]);
    expect(await ledger.extendQuarantineLease(replacement, at(120), EXPIRY)).toEqual({ outcome: "none" });
  });

  it("a claim whose holder vanished is taken again after it ends; the vanished holder cannot finish it then", async () => {
    let now = at(61);
    const ledger = testLedger(firstInstance, { now: () => now });
    const target = pod();
    await ledger.recordQuarantineLease({ ...target, incident: incidentKey(), expiresAt: at(60) });
    const [lost] = (await ledger.claimExpiredQuarantineLeases({ claimMs: 60_000 })).filter(
      (c) => c.podUid === target.podUid,
    );
    expect(lost).toBeDefined();
    now = at(61.5);
    expect((await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid)).toEqual(
      [],
    );
    now = at(63);
    const [retaken] = (await ledger.claimExpiredQuarantineLeases()).filter((c) => c.podUid === target.podUid);
    expect(retaken?.claimId).not.toBe(lost?.claimId);
    expect(await ledger.finishQuarantineRelease(lost as NonNullable<typeof lost>, EXPIRY)).toBe(false);
    expect(await ledger.finishQuarantineRelease(retaken as NonNullable<typeof retaken>, EXPIRY)).toBe(true);
  });

  it("a redelivered isolation keeps the extended lease; an operator's release records who and why", async () => {
    const ledger = testLedger(firstInstance, { now: () => at(0) });
    const target = pod();
    const incident = incidentKey();
    await ledger.recordQuarantineLease({ ...target, incident, expiresAt: at(60) });
    await ledger.extendQuarantineLease(target, at(600), { by: "alice", reason: "keep it" });
    await ledger.recordQuarantineLease({ ...target, incident, expiresAt: at(61) });
    expect((await ledger.readQuarantineLease(target))?.expiresAt).toEqual(at(600));
    expect(await ledger.recordQuarantineRelease(target, { by: "bob", reason: "false positive" })).toBe(true);
    expect(await ledger.readQuarantineLease(target)).toMatchObject({
      state: "released",
      released: { by: "bob", reason: "false positive" },
    });
  });

  it("refuses a lease on a name that is not a Kubernetes name before reaching Firestore", async () => {
    const ledger = testLedger(firstInstance);
    await expect(
      ledger.recordQuarantineLease({ ...pod("../x"), incident: incidentKey(), expiresAt: at(1) }),
    ).rejects.toThrow(/pod name/);
  });
});
