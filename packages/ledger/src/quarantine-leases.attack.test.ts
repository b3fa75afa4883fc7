// Adversarial review of quarantine leases in the ledger (issue 18): of concurrent claimers across two
// clients exactly one claims each lease; an extension and a claim racing never both win; a stale
// claimer never finishes another's release; a replacement pod's lease is its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ledger } from "./ledger.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);
const MINUTE = 60_000;
const T0 = new Date("2026-12-05T10:00:00Z");
let now = T0;
const clock = () => now;
const first: Ledger = testLedger(firstInstance, { now: clock });
const second: Ledger = testLedger(secondInstance, { now: clock });

beforeAll(() => Promise.all([first.warmUp(), second.warmUp()]), 30_000);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

let podCount = 0;
function leasedPod(uid = crypto.randomUUID()) {
  podCount += 1;
  return { cluster: "prod-eu", namespace: "shop", pod: `web-${podCount}`, podUid: uid };
}
const audit = { by: "alice", reason: "forensics" };

describe("quarantine leases under attack", { timeout: 60_000 }, () => {
  it("8 claimers across two clients at the same instant: every expired lease claimed exactly once", async () => {
    now = T0;
    const pods = [leasedPod(), leasedPod(), leasedPod()];
    for (const pod of pods)
      await first.recordQuarantineLease({
        ...pod,
        incident: incidentKey(),
        expiresAt: new Date(T0.getTime() + MINUTE),
      });
    now = new Date(T0.getTime() + 2 * MINUTE);
    const claims = (
      await Promise.all(
        Array.from({ length: 8 }, (_, index) => (index % 2 ? first : second).claimExpiredQuarantineLeases()),
      )
    ).flat();
    const ours = claims.filter((claim) => pods.some((pod) => pod.podUid === claim.podUid));
    expect(ours.map((claim) => claim.podUid).sort()).toEqual(pods.map((pod) => pod.podUid).sort());
  });

  it("an extension racing a claim on an expired lease: never both (extended and claimed), 6 rounds", async () => {
    for (let round = 0; round < 6; round += 1) {
      now = new Date(T0.getTime() + (10 + round * 10) * MINUTE);
      const pod = leasedPod();
      await first.recordQuarantineLease({ ...pod, incident: incidentKey(), expiresAt: now });
      now = new Date(now.getTime() + MINUTE);
      const [extension, claims] = await Promise.all([
        second.extendQuarantineLease(pod, new Date(now.getTime() + 60 * MINUTE), audit),
        first.claimExpiredQuarantineLeases(),
      ]);
      const claimed = claims.some((claim) => claim.podUid === pod.podUid);
      expect({ round, extended: extension.outcome === "extended", claimed }).toEqual({
        round,
        extended: !claimed,
        claimed,
      });
      // Leave nothing due for the next round's claimer.
      for (const claim of claims) await first.finishQuarantineRelease(claim, { by: "t", reason: "t" });
    }
  });

  it("a stale claimer (its claim ended, another took it) cannot finish, and cannot claim it back", async () => {
    now = new Date(T0.getTime() + 200 * MINUTE);
    const pod = leasedPod();
    await first.recordQuarantineLease({ ...pod, incident: incidentKey(), expiresAt: now });
    now = new Date(now.getTime() + MINUTE);
    const [stale] = (await first.claimExpiredQuarantineLeases()).filter((c) => c.podUid === pod.podUid);
    expect(stale).toBeDefined();
    now = new Date(now.getTime() + 3 * MINUTE);
    const [fresh] = (await second.claimExpiredQuarantineLeases()).filter((c) => c.podUid === pod.podUid);
    expect(fresh?.claimId).not.toBe(stale?.claimId);
    expect(await first.finishQuarantineRelease(stale as never, { by: "old", reason: "late" })).toBe(false);
    expect(await second.finishQuarantineRelease(fresh as never, { by: "new", reason: "done" })).toBe(true);
    expect(await first.readQuarantineLease(pod)).toMatchObject({
      state: "released",
      released: { by: "new" },
    });
  });

  it("a replacement pod (same name, new uid) has no lease; extending it finds none, its predecessor's is untouched", async () => {
    now = new Date(T0.getTime() + 300 * MINUTE);
    const original = leasedPod();
    await first.recordQuarantineLease({
      ...original,
      incident: incidentKey(),
      expiresAt: new Date(now.getTime() + MINUTE),
    });
    const replacement = { ...original, podUid: crypto.randomUUID() };
    expect(
      await second.extendQuarantineLease(replacement, new Date(now.getTime() + 60 * MINUTE), audit),
    ).toEqual({
      outcome: "none",
    });
    expect(await second.readQuarantineLease(replacement)).toBeUndefined();
    expect(await second.quarantineLeasesOfPod(replacement.podUid)).toEqual([]);
    expect((await second.readQuarantineLease(original))?.state).toBe("held");
  });

  it("a released lease cannot be extended back to life", async () => {
    now = new Date(T0.getTime() + 400 * MINUTE);
    const pod = leasedPod();
    await first.recordQuarantineLease({
      ...pod,
      incident: incidentKey(),
      expiresAt: new Date(now.getTime() + MINUTE),
    });
    expect(await first.recordQuarantineRelease(pod, audit)).toBe(true);
    expect(
      (await second.extendQuarantineLease(pod, new Date(now.getTime() + 60 * MINUTE), audit)).outcome,
    ).toBe("released");
    now = new Date(now.getTime() + 120 * MINUTE);
    expect((await second.claimExpiredQuarantineLeases()).filter((c) => c.podUid === pod.podUid)).toEqual([]);
  });
});
