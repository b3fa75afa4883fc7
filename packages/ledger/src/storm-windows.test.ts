import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredStormWindow, StormWindowChange } from "./storm-windows.js";
import { emulatorFirestore, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);

beforeAll(
  () => Promise.all([testLedger(firstInstance).warmUp(), testLedger(secondInstance).warmUp()]),
  30_000,
);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const WINDOW_MS = 60_000;

/** A window counting events; an event after its end closes it into a summary and opens the next. */
function countEvent(current: StoredStormWindow | undefined, now: Date): StormWindowChange<number> {
  if (current && current.endsAt > now) {
    const count = (JSON.parse(current.state) as { count: number }).count + 1;
    return { window: { ...current, state: JSON.stringify({ count }) }, result: count };
  }
  const opened = {
    state: JSON.stringify({ count: 1 }),
    startedAt: now,
    endsAt: new Date(now.getTime() + WINDOW_MS),
  };
  const summaries = current ? [{ startedAt: current.startedAt, summary: current.state }] : [];
  return { window: opened, summaries, result: 1 };
}

describe("storm windows", { timeout: 60_000 }, () => {
  it("keeps every event of two instances updating one window at the same moment", async () => {
    const first = testLedger(firstInstance);
    const second = testLedger(secondInstance);
    const id = { destination: "slack", key: `alert\n${Math.random()}` };
    const counts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? first : second).updateStormWindow(id, countEvent)),
    );
    expect(counts.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("moves a closed window's summary to the outbox once, lists due windows, and removes sent summaries", async () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const ledger = testLedger(firstInstance, { now: () => now });
    const id = { destination: "soar", key: `alert\n${Math.random()}` };
    await ledger.updateStormWindow(id, countEvent);
    await ledger.updateStormWindow(id, countEvent);
    expect(await ledger.dueStormWindows(now)).not.toContainEqual(id);
    now = new Date("2030-01-01T00:01:00Z");
    expect(await ledger.dueStormWindows(now)).toContainEqual(id);
    await ledger.updateStormWindow(id, countEvent);
    const pending = (await ledger.pendingStormSummaries()).filter((s) => s.destination === "soar");
    expect(pending.map((s) => JSON.parse(s.summary))).toEqual([{ count: 2 }]);
    await ledger.removeStormSummary(pending[0]?.id ?? "");
    expect((await ledger.pendingStormSummaries()).filter((s) => s.destination === "soar")).toEqual([]);
  });
});
