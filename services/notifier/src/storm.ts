// Storm control: per destination, the first of a group of similar events (same rule + target, or the
// same action outcome for them) within a window is sent; the rest are only counted, and when the window
// closes ONE summary says how many were held back ("N more similar alerts in 5 min").
//
// These are the window's rules, as pure functions over its state: plain JSON, so that the window lives
// in the ledger (storm-windows.ts) and any instance can admit events into it or close it.

export type StormAdmission = "send" | "suppressed";

/** A closed window's summary. */
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

/** An open window, as stored: JSON only (no Set, no Map, no -Infinity). */
export interface OpenStormWindow<C> {
  destination: string;
  key: string;
  firstIncident: string;
  firstEventId: string;
  startedAt: number;
  endsAt: number;
  suppressed: number;
  incidents: string[];
  context: C;
  /** Events sent in this window besides the first: escalations, and retries of them send again. */
  sentEventIds: string[];
  /** Highest rank sent in this window; null when nothing sent had a rank. */
  sentRank: number | null;
  /** Events held back → their rank (null: none). */
  counted: Record<string, number | null>;
  /** Incidents held back (all of them, not only the listed ones), as far as MAX_COUNTED_EVENTS. */
  heldIncidents: string[];
  /** Incident held back → labels of the actions taken for it (a redelivered outcome counts once). */
  noted: Record<string, string[]>;
}

export const MAX_LISTED_INCIDENTS = 100;
/**
 * Event ids remembered per window to recognise redeliveries; beyond that a redelivery may count twice.
 * Bounded so that a window stays well inside one Firestore document (1 MiB).
 */
export const MAX_COUNTED_EVENTS = 2_000;
/** Distinct action labels remembered per incident held back. */
const MAX_ACTIONS_PER_INCIDENT = 20;

export function openWindow<C>(event: StormEvent<C>, now: number, windowMs: number): OpenStormWindow<C> {
  return {
    destination: event.destination,
    key: event.key,
    firstIncident: event.incident,
    firstEventId: event.eventId,
    startedAt: now,
    endsAt: now + windowMs,
    suppressed: 0,
    incidents: [],
    context: event.context,
    sentEventIds: [],
    sentRank: event.rank ?? null,
    counted: {},
    heldIncidents: [],
    noted: {},
  };
}

/**
 * "send" for the first event of the window (and its redeliveries) and for escalations (a higher rank
 * than anything sent in the window, or `escalate`); "suppressed" for the others, counted once each.
 */
export function admitInto<C>(open: OpenStormWindow<C>, event: StormEvent<C>): StormAdmission {
  // The first event again (a retry after a failed send, or a redelivery): it is the one to send.
  if (event.eventId === open.firstEventId || open.sentEventIds.includes(event.eventId)) return "send";
  const sentRank = open.sentRank ?? Number.NEGATIVE_INFINITY;
  if (event.escalate || (event.rank ?? Number.NEGATIVE_INFINITY) > sentRank) {
    escalate(open, event);
    return "send";
  }
  if (!Object.hasOwn(open.counted, event.eventId)) {
    if (Object.keys(open.counted).length < MAX_COUNTED_EVENTS)
      open.counted[event.eventId] = event.rank ?? null;
    open.suppressed += 1;
    if (open.heldIncidents.length < MAX_COUNTED_EVENTS && !open.heldIncidents.includes(event.incident)) {
      open.heldIncidents.push(event.incident);
    }
    if (open.incidents.length < MAX_LISTED_INCIDENTS && !open.incidents.includes(event.incident)) {
      open.incidents.push(event.incident);
    }
  }
  return "suppressed";
}

/** Counts `label` among the actions taken for `incident`; false when the window does not hold it back. */
export function noteActionIn<C>(open: OpenStormWindow<C>, incident: string, label: string): boolean {
  if (!open.heldIncidents.includes(incident)) return false;
  const labels = open.noted[incident] ?? [];
  if (labels.length < MAX_ACTIONS_PER_INCIDENT && !labels.includes(label)) labels.push(label);
  open.noted[incident] = labels;
  return true;
}

/** The summary of a closing window; undefined when it held nothing back. */
export function summaryOf<C>(open: OpenStormWindow<C>): StormWindow<C> | undefined {
  if (open.suppressed === 0) return undefined;
  const ranks = Object.values(open.counted).filter((rank) => rank !== null);
  const actions: Record<string, number> = {};
  for (const labels of Object.values(open.noted)) {
    for (const label of labels) actions[label] = (actions[label] ?? 0) + 1;
  }
  const { destination, key, firstIncident, startedAt, endsAt, suppressed, incidents, context } = open;
  return {
    destination,
    key,
    firstIncident,
    startedAt,
    endsAt,
    suppressed,
    incidents,
    context,
    ...(ranks.length > 0 ? { highestHeldBackRank: Math.max(...ranks) } : {}),
    actions,
  };
}

/** An event sent after all: no longer counted as held back (an earlier admit may have counted it). */
function escalate<C>(open: OpenStormWindow<C>, event: StormEvent<C>): void {
  if (open.sentEventIds.length < MAX_COUNTED_EVENTS) open.sentEventIds.push(event.eventId);
  const rank = event.rank ?? Number.NEGATIVE_INFINITY;
  if (rank > (open.sentRank ?? Number.NEGATIVE_INFINITY)) open.sentRank = rank;
  if (Object.hasOwn(open.counted, event.eventId)) {
    delete open.counted[event.eventId];
    open.suppressed -= 1;
    open.incidents = open.incidents.filter((incident) => incident !== event.incident);
    open.heldIncidents = open.heldIncidents.filter((incident) => incident !== event.incident);
    // Its announcement lists what was done for it: the summary no longer counts that.
    delete open.noted[event.incident];
  }
}
