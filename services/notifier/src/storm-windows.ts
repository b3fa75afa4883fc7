// Storm windows in the ledger, shared by every notifier instance (the rules are storm.ts'). A window is
// one ledger document; every change is one transaction, and the events one instance receives for a
// window at the same time go in ONE transaction (contended transactions on one document wait for each
// other: a storm of pushes would otherwise queue for seconds each).
//
// A window closes — its summary moved to the ledger's outbox in the same transaction — when:
//   - the next event for its group comes after its end;
//   - the instance that opened it still lives when it ends (a timer);
//   - the scheduled call (Cloud Scheduler → POST /scheduled/close-windows; `riposte dev` locally)
//     finds it due, whichever instance opened it;
//   - the instance shuts down (SIGTERM), for the windows it opened.
// The outbox is sent by whoever closed a window, and by every scheduled call: a summary survives the
// instance that opened its window, and its delivery is claimed in the ledger, so it is sent once.
import { createHash } from "node:crypto";
import type { Ledger, StoredStormWindow, StormWindowChange, StormWindowId } from "@riposte/ledger";
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

export interface StormWindowsOptions {
  ledger: Ledger;
  /** 0 turns storm control off: every event is sent. */
  windowMs: number;
  now: () => number;
  /** Called after a change closed windows: their summaries wait in the outbox. */
  onClosed: () => void;
}

type WindowOp<C> = (open: OpenStormWindow<C> | undefined, now: number) => OpResult<C>;
interface OpResult<C> {
  open: OpenStormWindow<C> | undefined;
  result: unknown;
  /** This instance opened the window (its timer closes it). */
  opened?: boolean;
}

interface Pending<C> {
  op: WindowOp<C>;
  /** When the event came: its window is the one open then, however long the transaction waits. */
  at: number;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

interface Queue<C> {
  id: StormWindowId;
  pending: Pending<C>[];
  running: boolean;
}

export class StormWindows<C> {
  readonly #options: StormWindowsOptions;
  readonly #queues = new Map<string, Queue<C>>();
  /** Windows this instance opened and has not seen closed: their timers, and the ones a shutdown closes. */
  readonly #opened = new Map<string, { id: StormWindowId; timer: ReturnType<typeof setTimeout> }>();
  #disposed = false;
  readonly #draining = new Set<Promise<void>>();

  constructor(options: StormWindowsOptions) {
    this.#options = options;
  }

  /** "send" or "suppressed" (storm.ts' admitInto); a window whose end has passed is closed first. */
  async admit(event: StormEvent<C>): Promise<StormAdmission> {
    if (this.#options.windowMs <= 0) return "send";
    const { windowMs } = this.#options;
    const stored = { ...event, key: windowKey(event.key) };
    return (await this.#run({ destination: event.destination, key: stored.key }, (open, now) => {
      if (!open) return { open: openWindow(stored, now, windowMs), result: "send", opened: true };
      return { open, result: admitInto(open, stored) };
    })) as StormAdmission;
  }

  /** Counts `label` for `incident` in its open window; false when no open window holds it back. */
  async noteAction(destination: string, key: string, incident: string, label: string): Promise<boolean> {
    if (this.#options.windowMs <= 0) return false;
    return (await this.#run({ destination, key: windowKey(key) }, (open) => ({
      open,
      result: open ? noteActionIn(open, incident, label) : false,
    }))) as boolean;
  }

  /** Closes every window whose time is up, whichever instance opened it (the scheduled call). */
  async closeDue(): Promise<number> {
    const due = await this.#options.ledger.dueStormWindows(new Date(this.#options.now()));
    await Promise.all(due.map((id) => this.#close(id)));
    return due.length;
  }

  /** Closes the windows this instance opened, due or not (shutdown). */
  async closeOpened(): Promise<void> {
    await Promise.all([...this.#opened.values()].map(({ id }) => this.#close(id, { early: true })));
  }

  /**
   * Stops the timers (the instance is gone): its windows are left to the scheduled call. Resolves when
   * the changes under way have landed.
   */
  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const { timer } of this.#opened.values()) clearTimeout(timer);
    this.#opened.clear();
    await Promise.allSettled([...this.#draining]);
  }

  #close(id: StormWindowId, options: { early?: boolean } = {}): Promise<unknown> {
    // The due check happens in #run: a window reopened meanwhile is not closed early.
    return this.#run(id, (open) =>
      options.early && open ? { open: undefined, result: true } : { open, result: false },
    );
  }

  /** Queues `op` for the window; the queue's ops run together in one transaction. */
  #run(id: StormWindowId, op: WindowOp<C>): Promise<unknown> {
    const name = windowName(id);
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = { id, pending: [], running: false };
      this.#queues.set(name, queue);
    }
    const at = this.#options.now();
    const settled = new Promise<unknown>((resolve, reject) =>
      queue.pending.push({ op, at, resolve, reject }),
    );
    if (!queue.running) {
      const draining = this.#drain(name, queue).finally(() => this.#draining.delete(draining));
      this.#draining.add(draining);
    }
    return settled;
  }

  async #drain(name: string, queue: Queue<C>): Promise<void> {
    queue.running = true;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0);
      try {
        const { results, opened, closed } = await this.#options.ledger.updateStormWindow(
          queue.id,
          (current) => this.#apply(current, batch),
        );
        if (closed) {
          this.#disarm(name);
          if (!this.#disposed) this.#options.onClosed();
        }
        // After the disarm: a batch may close the old window and open the next one.
        if (opened) this.#arm(name, queue.id);
        for (const [index, pending] of batch.entries()) pending.resolve(results[index]);
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    queue.running = false;
    this.#queues.delete(name);
  }

  /** Runs a batch of ops on the stored window: pure (a collided transaction runs it again). */
  #apply(
    current: StoredStormWindow | undefined,
    batch: Pending<C>[],
  ): StormWindowChange<{ results: unknown[]; opened: boolean; closed: boolean }> {
    let open = current ? (JSON.parse(current.state) as OpenStormWindow<C>) : undefined;
    const summaries: { startedAt: Date; summary: string }[] = [];
    const closeInto = (window: OpenStormWindow<C>) => {
      const summary = summaryOf(window);
      if (summary)
        summaries.push({ startedAt: new Date(window.startedAt), summary: JSON.stringify(summary) });
    };
    let opened = false;
    let closed = false;
    const results: unknown[] = [];
    for (const { op, at } of batch) {
      if (open && open.endsAt <= at) {
        closeInto(open);
        open = undefined;
        closed = true;
      }
      const before = open;
      const outcome = op(open, at);
      if (before && !outcome.open) {
        closeInto(before);
        closed = true;
      }
      open = outcome.open;
      opened ||= outcome.opened === true;
      results.push(outcome.result);
    }
    const window = open
      ? { state: JSON.stringify(open), startedAt: new Date(open.startedAt), endsAt: new Date(open.endsAt) }
      : current
        ? null
        : undefined;
    return { window, summaries, result: { results, opened: opened && open !== undefined, closed } };
  }

  /** While this instance lives, the window it opened closes on time (the scheduled call is the backstop). */
  #arm(name: string, id: StormWindowId): void {
    if (this.#disposed) return;
    this.#disarm(name);
    const timer = setTimeout(() => {
      this.#opened.delete(name);
      // A failure here is the scheduled call's to retry.
      this.#close(id).catch(() => undefined);
    }, this.#options.windowMs + 10);
    timer.unref();
    this.#opened.set(name, { id, timer });
  }

  #disarm(name: string): void {
    const armed = this.#opened.get(name);
    if (armed) clearTimeout(armed.timer);
    this.#opened.delete(name);
  }
}

/**
 * The group's key as stored: a hash, since it holds the alert's rule (attacker-chosen, any length); the
 * window's context keeps the text its summary shows.
 */
function windowKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function windowName(id: StormWindowId): string {
  return `${id.destination}\n${id.key}`;
}

export type { StormWindow };
