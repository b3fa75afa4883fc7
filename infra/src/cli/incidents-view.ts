// What `riposte incidents` prints: the ledger's incident view (@riposte/ledger's incident-view.ts, which
// the console's pages show too) as a versioned JSON shape (stable: every key always present, null when
// unknown, arrays in a fixed order; described in the README) and as lines for a person. Every string
// in an incident came from an alert, so the human lines are printed through makeVisible and the JSON
// through terminalJson: no ANSI escape, CR or line break of an attacker reaches the terminal.
import {
  type ActionView,
  actionState,
  describeTarget,
  type IncidentList,
  type IncidentRecord,
  incidentTimeline,
  incidentView,
  type TraceLink,
  waitingActions,
} from "@riposte/ledger";
import { makeVisible } from "../dev/log-format.js";

/** The JSON shape's version: bumped when a key changes meaning or goes away (new keys may be added). */
export const INCIDENTS_JSON_VERSION = 1;

const iso = (date: Date) => date.toISOString();

// JSON.stringify escapes C0 controls only: DEL, C1 controls (\u009b is CSI to some terminals), line
// separators and bidi controls (overrides, isolates, the marks ALM/LRM/RLM) would reach the terminal
// raw. Escaped, the JSON parses to the same text.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text safe to print: every character a terminal could act on is a \uXXXX escape. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(
    RAW_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `riposte incidents show --json`. */
export function incidentJson(record: IncidentRecord, traceLink: TraceLink) {
  return { version: INCIDENTS_JSON_VERSION, incident: incidentView(record, traceLink) };
}

/** `riposte incidents list --json`. */
export function incidentListJson(
  list: IncidentList,
  query: { since: Date; cluster: string | undefined },
  traceLink: TraceLink,
) {
  return {
    version: INCIDENTS_JSON_VERSION,
    since: iso(query.since),
    cluster: query.cluster ?? null,
    truncated: list.truncated,
    unreadable: list.unreadable,
    incidents: list.incidents.map((record) => incidentView(record, traceLink)),
  };
}

// ---------------------------------------------------------------------------------------------------
// Lines for a person. Built from the view, then made visible line by line (see the header).

const RULE_MAX = 60;

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never half a surrogate pair: a lone one prints as U+FFFD.
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** `2026-12-05 10:00:00.123Z`: one width, sorts as text. */
function when(at: string): string {
  return at.replace("T", " ");
}

function actionSummary(action: ActionView): string {
  return `${action.action}${action.dryRun ? " (dry run)" : ""}: ${actionState(action)}`;
}

/** One line per incident: time, short key, priority, rule, target, actions with their results. */
export function incidentListLines(list: IncidentList, traceLink: TraceLink): string[] {
  if (list.incidents.length === 0) return ["no incidents"];
  const lines = list.incidents.map((record) => {
    const view = incidentView(record, traceLink);
    const time = view.decision ? when(view.decision.claimedAt) : "?";
    const actions = view.actions.length > 0 ? view.actions.map(actionSummary).join(", ") : "no actions";
    return [
      time,
      view.shortKey,
      (view.priority ?? "?").padEnd(8),
      clip(view.rule ?? "(no alert recorded)", RULE_MAX),
      "—",
      describeTarget(view.target),
      "—",
      actions,
    ].join("  ");
  });
  if (list.truncated) lines.push("… more incidents match: narrow --since or raise --limit");
  if (list.unreadable.length > 0)
    lines.push(
      `(${list.unreadable.length} unreadable ledger documents skipped: ${list.unreadable.join(", ")})`,
    );
  return lines.map(makeVisible);
}

/** `riposte incidents show`: the incident, then its timeline in time order, then the trace link. */
export function incidentShowLines(record: IncidentRecord, traceLink: TraceLink): string[] {
  const view = incidentView(record, traceLink);
  const events = incidentTimeline(view);
  const width = Math.max(8, ...events.map((event) => event.what.length));
  const waiting = waitingActions(view);
  const lines = [
    `incident ${view.incident}  (short ${view.shortKey})`,
    `  rule      ${view.rule ?? "(no alert recorded)"}${view.priority ? `  [${view.priority}]` : ""}`,
    `  target    ${describeTarget(view.target)}`,
    ...(view.alert ? [`  output    ${clip(view.alert.output, 300)}`] : []),
    "",
    "timeline (UTC)",
    ...events.map((event) => `  ${when(event.at)}  ${event.what.padEnd(width)}  ${event.text}`),
    ...(waiting.length > 0 ? [`  no attempt recorded yet: ${waiting.join(", ")}`] : []),
    ...(view.notifications.length === 0 ? ["  no notification recorded"] : []),
    ...(view.finding ? [] : ["  no SCC finding recorded"]),
    "",
    `trace     ${view.trace.url ?? `npx riposte trace ${view.shortKey}`}`,
  ];
  return lines.map(makeVisible);
}
