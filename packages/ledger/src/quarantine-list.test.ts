// Listing the quarantines not yet lifted (the console's quarantines page): held and releasing leases,
// soonest expiry first, never a released one, bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const firestore = emulatorFirestore(uniqueProjectId());
beforeAll(() => testLedger(firestore).warmUp(), 30_000);
afterAll(() => firestore.terminate());

const T0 = new Date("2030-01-01T00:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const pod = (n: number) => ({
  cluster: "prod",
  namespace: "shop",
  pod: `web-${n}`,
  podUid: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
});

describe("listQuarantineLeases", { timeout: 60_000 }, () => {
  it("lists held and releasing leases soonest first, not released ones, and says when it stopped", async () => {
    const ledger = testLedger(firestore, { now: () => at(30) });
    const expiries = [50, 10, 40, 20, 60];
    for (const [i, minutes] of expiries.entries())
      await ledger.recordQuarantineLease({ ...pod(i), incident: incidentKey(), expiresAt: at(minutes) });
    // web-1 (expired at 10) and web-3 (at 20) are claimed for release; then web-3's release finishes.
    const claims = await ledger.claimExpiredQuarantineLeases();
    const three = claims.find((claim) => claim.pod === "web-3");
    expect(claims.map((claim) => claim.pod).sort()).toEqual(["web-1", "web-3"]);
    expect(await ledger.finishQuarantineRelease(three as (typeof claims)[0], { by: "t", reason: "r" })).toBe(
      true,
    );

    const all = await ledger.listQuarantineLeases();
    expect(all.truncated).toBe(false);
    expect(all.leases.map((lease) => [lease.pod, lease.state])).toEqual([
      ["web-1", "releasing"],
      ["web-2", "held"],
      ["web-0", "held"],
      ["web-4", "held"],
    ]);
    const two = await ledger.listQuarantineLeases(2);
    expect(two.truncated).toBe(true);
    expect(two.leases).toHaveLength(2);
  });

  it("refuses a limit out of bounds before reaching Firestore", async () => {
    const ledger = testLedger(firestore);
    await expect(ledger.listQuarantineLeases(0)).rejects.toThrow();
    await expect(ledger.listQuarantineLeases(501)).rejects.toThrow();
  });
});
