// runDueApprovals (the scheduled call) over the real emulators: a deadline's on_timeout is applied
// and published once — proceed releases the held command "approved by the deadline", abandon publishes
// a refused outcome — even with eight callers at once; and a decision whose publish failed (Pub/Sub
// out of reach) is published by a later call, exactly once.
import { afterAll, describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { runDueApprovals } from "./due.js";
import { MINUTE, sleep, useApprovalFixture } from "./test-fixture.js";

const fixture = await useApprovalFixture();
afterAll(() => fixture.close());

/** Runs `work` with the ledger's clock at `at`, then puts it back. */
async function at<T>(time: Date, work: () => Promise<T>): Promise<T> {
  const before = fixture.clock.now;
  fixture.clock.now = time;
  try {
    return await work();
  } finally {
    fixture.clock.now = before;
  }
}

const later = (minutes: number) => new Date(fixture.clock.now.getTime() + minutes * MINUTE);

describe("runDueApprovals", { timeout: 120_000 }, () => {
  it("proceed: past the deadline the held command is published once, approved by the deadline", async () => {
    const held = await fixture.hold({ deadline: later(1), onTimeout: "proceed" });
    const first = await at(later(2), () => runDueApprovals(fixture.instance()));
    expect(first).toMatchObject({ published: expect.any(Number), failed: 0 });
    const [command, ...more] = await fixture.settle("pod-killer", held.incident, 1);
    expect(more).toEqual([]);
    expect(command?.json.approval).toEqual({ by: "deadline", via: "deadline", at: later(2).toISOString() });
    expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.state).toBe("approved");
  });

  it("abandon: past the deadline a refused outcome says so, and nothing is released", async () => {
    const held = await fixture.hold({ deadline: later(1), onTimeout: "abandon" });
    await at(later(2), () => runDueApprovals(fixture.instance()));
    const [outcome] = await fixture.settle("action-outcomes", held.incident, 1);
    expect(outcome?.json).toMatchObject({
      result: "refused",
      reason: "abandoned: no decision before the deadline",
      details: { approval: { state: "abandoned", by: "deadline", via: "deadline" } },
    });
    expect(fixture.arrived("pod-killer", held.incident)).toEqual([]);
  });

  it("attack: eight scheduled calls at once publish each due decision once", async () => {
    const held = await Promise.all([1, 2, 3].map(() => fixture.hold({ deadline: later(1) })));
    const callers = Array.from({ length: 8 }, () => fixture.instance());
    await at(later(2), () => Promise.all(callers.map((caller) => runDueApprovals(caller))));
    for (const { incident } of held) {
      expect(await fixture.settle("pod-killer", incident, 1, 500)).toHaveLength(1);
    }
  });

  it("attack: an approval whose publish failed (Pub/Sub out of reach) is published by a later call, once", async () => {
    const held = await fixture.hold();
    const relay = await fixture.pubsubRelay();
    const cut = fixture.instance({ pubsubHost: relay.host });
    await relay.close();
    const decided = await decide(cut, {
      ref: { incident: held.incident, action: "kill-pod" },
      decision: "approved",
      identity: "user:alice@acme.com",
      via: "console",
    });
    expect(decided).toMatchObject({ ok: true, published: false });
    expect(decided.message).toMatch(/not published yet .*the scheduled call publishes it/);
    // Within the decider's claim the scheduled call leaves it alone.
    await runDueApprovals(fixture.instance());
    expect(await fixture.settle("pod-killer", held.incident, 0, 1_000)).toEqual([]);
    await relay.reopen();
    // Time for a publish the client kept retrying after it reported failure to land (it must not).
    await sleep(6_000);
    // Past the claim (60 s) the next call takes it over and publishes it; the one after has nothing.
    await at(later(2), async () => {
      await runDueApprovals(fixture.instance());
      await runDueApprovals(fixture.instance());
    });
    const published = await fixture.settle("pod-killer", held.incident, 1, 5_000);
    expect(published).toHaveLength(1);
    expect(published[0]?.json.approval).toMatchObject({ by: "user:alice@acme.com", via: "console" });
    expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.publish?.done).toBe(true);
    await relay.close();
  });
});
