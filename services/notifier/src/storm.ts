// Storm control: per destination, the first of a group of similar events (same rule + target, or the
// same action outcome for them) within a window is sent; the rest are only counted, and when the window
// closes ONE summary says how many were held back ("N more similar alerts in 5 min").
//
// When does a window close in a request-driven Cloud Run service? A timer is armed for the window's
// end while the instance lives (Cloud Run throttles CPU between requests unless CPU is always
// allocated, so the timer may fire late, at the next request, but it fires); every admit also closes
// windows that are due; and shutdown flushes the remaining windows early. A summary that cannot be
// delivered then is logged, not retried: no Pub/Sub message stands behind it.

export type StormAdmission = "send" | "suppressed";

export interface StormWindow<C> {
  destination: string;
  key: string;
  /** The incident sent in full when the window opened. */
  firstIncident: string;
  startedAt: number;
  endsAt: number;
  /** Similar events not sent individually. */
  suppressed: number;
  /** Incident keys of those events, at most MAX_LISTED_INCIDENTS. */
  incidents: string[];
  /** What the summary needs to describe the group (rule, target, …), from the first event. */
  context: C;
  /** Highest rank (see StormEvent.rank) among the events held back, when they had one. */
  highestHeldBackRank?: number;
  /** What was done for the events still held back when the window closed: label ("kill-pod done") → how many times. */
  actions: Record<string, number>;
}

export interface StormEvent<C> {
  destination: string;
  /** Events with the same key are similar. */
  key: string;
  /** Identifies the event, so that a redelivery is not counted twice. */
  eventId: string;
  incident: string;
  context: C;
  /**
   * How serious the event is (higher = more). An event ranked above everything sent in its window is an
   * escalation: it is sent, never held back.
   */
  rank?: number;
  /** Sent whatever the window holds (an event that must be seen, e.g. one that brought a destructive action). */
  escalate?: boolean;
}

export interface StormControlOptions<C> {
  /** 0 turns storm control off: every event is sent. */
  windowMs: number;
  /** Called once per closed window that held events back. */
  onSummary: (window: StormWindow<C>) => void;
  /** Open windows kept at most; beyond that, new groups are sent unthrottled rather than forgotten. */
  maxWindows?: number;
  now?: () => number;
}

export const MAX_LISTED_INCIDENTS = 100;
/** Event ids remembered per window to recognise redeliveries; beyond that a redelivery may count twice. */
const MAX_COUNTED_EVENTS = 10_000;
/** Distinct action labels remembered per incident held back. */
const MAX_ACTIONS_PER_INCIDENT = 20;
const DEFAULT_MAX_WINDOWS = 10_000;

interface OpenWindow<C> extends StormWindow<C> {
  firstEventId: string;
  /** Events sent in this window besides the first: escalations, and retries of them send again. */
  sentEventIds: Set<string>;
  /** Highest rank sent in this window. */
  sentRank: number;
  /** Events held back → their rank. */
  counted: Map<string, number | undefined>;
  /** Incidents held back (all of them, not only the listed ones), as far as MAX_COUNTED_EVENTS. */
  heldIncidents: Set<string>;
  /** Incident held back → labels of the actions taken for it (a set: a redelivered outcome counts once). */
  noted: Map<string, Set<string>>;
  timer: ReturnType<typeof setTimeout>;
}

export class StormControl<C> {
  readonly #windows = new Map<string, OpenWindow<C>>();
  readonly #options: StormControlOptions<C>;
  readonly #now: () => number;

  constructor(options: StormControlOptions<C>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get openWindows(): number {
    return this.#windows.size;
  }

  /**
   * "send" for the first event of a window (and its redeliveries) and for escalations (a higher rank
   * than anything sent in the window, or `escalate`); "suppressed" for the others.
   */
  admit(event: StormEvent<C>): StormAdmission {
    if (this.#options.windowMs <= 0) return "send";
    this.sweep();
    const id = `${event.destination}\n${event.key}`;
    const open = this.#windows.get(id);
    if (!open) {
      if (this.#windows.size >= (this.#options.maxWindows ?? DEFAULT_MAX_WINDOWS)) return "send";
      this.#open(id, event);
      return "send";
    }
    // The first event again (a retry after a failed send, or a redelivery): it is the one to send.
    if (event.eventId === open.firstEventId || open.sentEventIds.has(event.eventId)) return "send";
    if (event.escalate || (event.rank ?? Number.NEGATIVE_INFINITY) > open.sentRank) {
      this.#escalate(open, event);
      return "send";
    }
    if (!open.counted.has(event.eventId)) {
      if (open.counted.size < MAX_COUNTED_EVENTS) open.counted.set(event.eventId, event.rank);
      open.suppressed += 1;
      if (open.heldIncidents.size < MAX_COUNTED_EVENTS) open.heldIncidents.add(event.incident);
      if (open.incidents.length < MAX_LISTED_INCIDENTS && !open.incidents.includes(event.incident)) {
        open.incidents.push(event.incident);
      }
    }
    return "suppressed";
  }

  /**
   * Counts `label` ("kill-pod done") among the actions taken for events held back in the open window
   * of `destination` and `key`; false when no open window holds `incident` back.
   */
  noteAction(destination: string, key: string, incident: string, label: string): boolean {
    const open = this.#windows.get(`${destination}\n${key}`);
    if (!open?.heldIncidents.has(incident)) return false;
    const labels = open.noted.get(incident) ?? new Set<string>();
    if (labels.size < MAX_ACTIONS_PER_INCIDENT) labels.add(label);
    open.noted.set(incident, labels);
    return true;
  }

  /** Closes the windows whose time is up. */
  sweep(): void {
    const now = this.#now();
    for (const [id, window] of this.#windows) {
      if (window.endsAt <= now) this.#close(id, window);
    }
  }

  /** Closes every window now (shutdown), emitting the summaries of those that held events back. */
  flush(): void {
    for (const [id, window] of this.#windows) this.#close(id, window);
  }

  /** Forgets every window without emitting anything (tests, and after flush). */
  dispose(): void {
    for (const window of this.#windows.values()) clearTimeout(window.timer);
    this.#windows.clear();
  }

  /** An event sent after all: no longer counted as held back (an earlier admit may have counted it). */
  #escalate(open: OpenWindow<C>, event: StormEvent<C>): void {
    if (open.sentEventIds.size < MAX_COUNTED_EVENTS) open.sentEventIds.add(event.eventId);
    open.sentRank = Math.max(open.sentRank, event.rank ?? Number.NEGATIVE_INFINITY);
    if (open.counted.delete(event.eventId)) {
      open.suppressed -= 1;
      open.incidents = open.incidents.filter((incident) => incident !== event.incident);
      open.heldIncidents.delete(event.incident);
      // Its announcement lists what was done for it: the summary no longer counts that.
      open.noted.delete(event.incident);
    }
  }

  #open(id: string, event: StormEvent<C>): void {
    const startedAt = this.#now();
    const timer = setTimeout(() => {
      const current = this.#windows.get(id);
      if (current === window) this.#close(id, window);
    }, this.#options.windowMs);
    timer.unref();
    const window: OpenWindow<C> = {
      destination: event.destination,
      key: event.key,
      firstIncident: event.incident,
      firstEventId: event.eventId,
      startedAt,
      endsAt: startedAt + this.#options.windowMs,
      suppressed: 0,
      incidents: [],
      context: event.context,
      actions: {},
      sentEventIds: new Set(),
      sentRank: event.rank ?? Number.NEGATIVE_INFINITY,
      counted: new Map(),
      heldIncidents: new Set(),
      noted: new Map(),
      timer,
    };
    this.#windows.set(id, window);
  }

  #close(id: string, window: OpenWindow<C>): void {
    clearTimeout(window.timer);
    this.#windows.delete(id);
    if (window.suppressed === 0) return;
    const ranks = [...window.counted.values()].filter((rank) => rank !== undefined);
    if (ranks.length > 0) window.highestHeldBackRank = Math.max(...ranks);
    for (const labels of window.noted.values()) {
      for (const label of labels) window.actions[label] = (window.actions[label] ?? 0) + 1;
    }
    const {
      counted: _counted,
      heldIncidents: _held,
      noted: _noted,
      timer: _timer,
      firstEventId: _first,
      sentEventIds: _sent,
      sentRank: _rank,
      ...summary
    } = window;
    this.#options.onSummary(summary);
  }
}
