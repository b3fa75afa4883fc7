import { describe, expect, it } from "vitest";
import {
  admitInto,
  noteActionIn,
  type OpenStormWindow,
  openWindow,
  type StormAdmission,
  type StormEvent,
  type StormWindow,
  summaryOf,
} from "./storm.js";

type Context = { rule: string };

/**
 * The window rules over an in-test map of open windows, driven the way storm-windows.ts drives them in
 * the ledger: a window whose end has passed is closed before the next event for its group.
 */
class WindowHarness {
  readonly windows = new Map<string, OpenStormWindow<Context>>();
  constructor(
    readonly windowMs: number,
    readonly now: () => number,
    readonly onSummary: (window: StormWindow<Context>) => void,
  ) {}

  get openWindows(): number {
    return this.windows.size;
  }

  admit(event: StormEvent<Context>): StormAdmission {
    if (this.windowMs <= 0) return "send";
    const id = `${event.destination}\n${event.key}`;
    this.#closeIfDue(id);
    const open = this.windows.get(id);
    if (!open) {
      this.windows.set(id, openWindow(event, this.now(), this.windowMs));
      return "send";
    }
    return admitInto(open, event);
  }

  noteAction(destination: string, key: string, incident: string, label: string): boolean {
    const open = this.windows.get(`${destination}\n${key}`);
    return open ? noteActionIn(open, incident, label) : false;
  }

  sweep(): void {
    for (const id of [...this.windows.keys()]) this.#closeIfDue(id);
  }

  flush(): void {
    for (const id of [...this.windows.keys()]) this.#close(id);
  }

  #closeIfDue(id: string): void {
    const open = this.windows.get(id);
    if (open && open.endsAt <= this.now()) this.#close(id);
  }

  #close(id: string): void {
    const open = this.windows.get(id);
    this.windows.delete(id);
    const summary = open && summaryOf(open);
    if (summary) this.onSummary(summary);
  }
}

function setup(windowMs: number, start = 1_000) {
  let clock = start;
  const summaries: StormWindow<Context>[] = [];
  const control = new WindowHarness(
    windowMs,
    () => clock,
    (window) => summaries.push(window),
  );
  const admit = (incident: string, key = "k", destination = "slack") =>
    control.admit({
      destination,
      key,
      eventId: `alert:${incident}`,
      incident,
      context: { rule: "r" },
    });
  return {
    control,
    summaries,
    admit,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe("storm control", () => {
  it("sends the first event of a window and counts the others, once each", () => {
    const { admit, summaries, control, advance } = setup(60_000);
    expect(admit("i1")).toBe("send");
    expect(admit("i2")).toBe("suppressed");
    expect(admit("i3")).toBe("suppressed");
    expect(admit("i3")).toBe("suppressed"); // a redelivery is not counted twice
    expect(admit("i1")).toBe("send"); // the first again (retry): still the one to send
    expect(summaries).toHaveLength(0);
    advance(60_000);
    control.sweep();
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      destination: "slack",
      firstIncident: "i1",
      suppressed: 2,
      incidents: ["i2", "i3"],
      startedAt: 1_000,
      endsAt: 61_000,
      context: { rule: "r" },
    });
    expect(control.openWindows).toBe(0);
  });

  it("keeps windows apart per destination and per key, and opens a new window after one closes", () => {
    const { admit, summaries, advance } = setup(10_000);
    expect(admit("a1", "k1", "slack")).toBe("send");
    expect(admit("a1", "k1", "soar")).toBe("send");
    expect(admit("b1", "k2", "slack")).toBe("send");
    expect(admit("a2", "k1", "slack")).toBe("suppressed");
    advance(10_000);
    // The next event closes the due windows (summary for k1 on slack only) and opens a new one.
    expect(admit("a3", "k1", "slack")).toBe("send");
    expect(summaries.map((w) => [w.destination, w.key, w.suppressed])).toEqual([["slack", "k1", 1]]);
  });

  it("sends no summary for a window that held nothing back", () => {
    const { admit, summaries, control, advance } = setup(1_000);
    admit("only");
    advance(2_000);
    control.sweep();
    expect(summaries).toEqual([]);
  });

  it("flushes every open window on shutdown", () => {
    const { admit, summaries, control } = setup(300_000);
    admit("x1", "k1");
    admit("x2", "k1");
    admit("y1", "k2");
    control.flush();
    expect(summaries.map((w) => w.firstIncident)).toEqual(["x1"]);
    expect(control.openWindows).toBe(0);
  });

  it("is off with a zero window", () => {
    const { admit } = setup(0);
    expect([admit("a"), admit("b"), admit("c")]).toEqual(["send", "send", "send"]);
  });

  it("sends an escalation (higher rank, or escalate) and uncounts an event it had held back", () => {
    const { control, summaries } = setup(60_000);
    const event = (incident: string, rank: number, escalate = false) =>
      control.admit({
        destination: "d",
        key: "k",
        eventId: incident,
        incident,
        context: { rule: "r" },
        rank,
        escalate,
      });
    expect(event("notice", 2)).toBe("send");
    expect(event("critical", 5)).toBe("send"); // above everything sent
    expect(event("critical", 5)).toBe("send"); // its retry too
    expect(event("error", 4)).toBe("suppressed"); // below the bar raised by the Critical
    expect(event("warning", 3)).toBe("suppressed");
    expect(control.noteAction("d", "k", "warning", "export-finding failed")).toBe(true);
    expect(control.noteAction("d", "k", "warning", "export-finding failed")).toBe(true); // redelivered: once
    expect(control.noteAction("d", "k", "notice", "export-finding failed")).toBe(false); // not held back
    expect(control.noteAction("d", "k", "error", "export-finding failed")).toBe(true);
    expect(event("error", 4, true)).toBe("send"); // a destructive action was done for it after all
    control.flush();
    expect(summaries).toEqual([
      expect.objectContaining({
        suppressed: 1,
        incidents: ["warning"],
        highestHeldBackRank: 3, // the Error was sent after all (its announcement lists its outcomes)
        actions: { "export-finding failed": 1 },
      }),
    ]);
  });
});
