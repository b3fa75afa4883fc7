// Storm windows in the ledger (the real emulator): one instance's concurrent events go in one
// transaction, in the order they came; the instance that opened a window closes it on time; a window
// whose instance is gone is closed by closeDue (the scheduled call).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { StormEvent } from "./storm.js";
import { StormWindows } from "./storm-windows.js";
import { ledgerClient } from "./testing/fixture.js";

type Context = { rule: string };

const ledger = ledgerClient();

function windows(windowMs: number, onClosed = () => undefined) {
  const storm = new StormWindows<Context>({ ledger, windowMs, now: Date.now, onClosed });
  return storm;
}

const event = (key: string, incident: string): StormEvent<Context> => ({
  destination: "slack",
  key,
  eventId: `alert:${incident}`,
  incident,
  context: { rule: "r" },
});

async function summariesOf(key: string) {
  const pending = await ledger.pendingStormSummaries();
  return pending
    .map((record) => JSON.parse(record.summary) as { key: string; suppressed: number; incidents: string[] })
    .filter((summary) => summary.incidents.some((incident) => incident.startsWith(key)));
}

describe("storm windows in the ledger", { timeout: 60_000 }, () => {
  it("admits 30 concurrent events in arrival order, in a few transactions: the first sent, the rest held", async () => {
    const storm = windows(60_000);
    const key = randomBytes(4).toString("hex");
    const started = performance.now();
    const admissions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => storm.admit(event(key, `${key}-${i}`))),
    );
    expect(admissions[0]).toBe("send");
    expect(admissions.slice(1).every((admission) => admission === "suppressed")).toBe(true);
    // One transaction per batch: a queue of 30 contended transactions on one document takes far longer.
    expect(performance.now() - started).toBeLessThan(10_000);
    await storm.dispose();
  });

  it("closes a window by its opener's timer, and a gone opener's window by closeDue", async () => {
    let closedByTimer = 0;
    const opener = windows(300, () => {
      closedByTimer += 1;
    });
    const key = randomBytes(4).toString("hex");
    await opener.admit(event(key, `${key}-a`));
    await opener.admit(event(key, `${key}-b`));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(closedByTimer).toBe(1);
    expect((await summariesOf(key)).map((summary) => summary.suppressed)).toEqual([1]);

    const gone = windows(300);
    const other = randomBytes(4).toString("hex");
    await gone.admit(event(other, `${other}-a`));
    await gone.admit(event(other, `${other}-b`));
    await gone.dispose(); // SIGKILL: no timer
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await summariesOf(other)).toEqual([]);
    expect(await windows(300).closeDue()).toBeGreaterThanOrEqual(1);
    expect((await summariesOf(other)).map((summary) => summary.incidents)).toEqual([[`${other}-b`]]);
  });
});
