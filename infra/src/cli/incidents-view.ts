// What `riposte incidents` prints: the ledger's incident records as a versioned JSON shape (stable:
// every key always present, null when unknown, arrays in a fixed order; described in the README) and
// as lines for a person. Every string in an incident came from an alert, so the human lines are
// printed through makeVisible and the JSON through terminalJson: no ANSI escape, CR or line break of
// an attacker reaches the terminal.
import type { IncidentList, IncidentRecord } from "@riposte/ledger";
import { incidentTarget } from "@riposte/ledger";
import { makeVisible } from "../dev/log-format.js";
import { shortKey } from "./incident.js";

/** The JSON shape's version: bumped when a key changes meaning or goes away (new keys may be added). */
export const INCIDENTS_JSON_VERSION = 1;

export interface TargetView {
  cluster: string | null;
  namespace: string | null;
  pod: string | null;
  node: string | null;
  containerId: string | null;
  image: string | null;
}

export interface ActionView {
  action: string;
  /** From the router's decision; null for an action the decision does not name (an operator's undo). */
  dryRun: boolean | null;
  playbooks: string[];
  /** Ordered after earlier actions (a playbook's `after`), waiting at most `waitSeconds`; else null. */
  after: { actions: string[]; waitSeconds: number } | null;
  service: string | null;
  attempts: number;
  lastAttemptAt: string | null;
  outcome: { result: string; reason: string; at: string } | null;
  /** The Job the action launched (capture-node), once it finished; null for none or not yet. */
  job: { name: string; state: string; reason: string; at: string } | null;
}

export interface IncidentView {
  incident: string;
  shortKey: string;
  rule: string | null;
  priority: string | null;
  target: TargetView | null;
  alert: {
    time: string;
    source: string | null;
    hostname: string | null;
    tags: string[];
    output: string;
    outputFields: Record<string, unknown>;
  } | null;
  decision: {
    state: "routing" | "routed";
    claimedAt: string;
    routedAt: string | null;
    playbooks: string[];
  } | null;
  actions: ActionView[];
  notifications: { destination: string; status: string; reason: string | null; at: string }[];
  finding: { name: string; recordedAt: string } | null;
  trace: { traceId: string; url: string | null };
  expireAt: string;
}

/** How the trace is reached: a Cloud Trace console URL (production), or null (locally: `riposte trace`). */
export type TraceLink = (traceId: string) => string | null;

const iso = (date: Date) => date.toISOString();

function targetView(record: IncidentRecord): TargetView | null {
  const target = incidentTarget(record);
  if (!target) return null;
  return {
    cluster: target.cluster ?? null,
    namespace: target.namespace ?? null,
    pod: target.pod ?? null,
    node: target.node ?? null,
    containerId: target.containerId ?? null,
    image: target.image ?? null,
  };
}

/** ` (after isolate-pod, ≤ 60 s, dry run)`: what the decision said about an action besides its name. */
function plannedNote(action: ActionView): string {
  const notes = [
    ...(action.after ? [`after ${action.after.actions.join(", ")}, ≤ ${action.after.waitSeconds} s`] : []),
    ...(action.dryRun ? ["dry run"] : []),
  ];
  return notes.length > 0 ? ` (${notes.join(", ")})` : "";
}

/** The decision's actions in its order, then any other recorded action by name. */
function actionViews(record: IncidentRecord): ActionView[] {
  const planned = record.router?.decision.actions ?? [];
  const names = [
    ...planned.map((action) => action.action),
    ...Object.keys(record.actions)
      .filter((name) => !planned.some((action) => action.action === name))
      .sort(),
  ];
  return names.map((name) => {
    const plan = planned.find((action) => action.action === name);
    const recorded = Object.hasOwn(record.actions, name) ? record.actions[name] : undefined;
    return {
      action: name,
      dryRun: plan?.dryRun ?? null,
      playbooks: plan?.playbooks ?? [],
      after: plan?.after ? { actions: plan.after, waitSeconds: plan.waitSeconds ?? 0 } : null,
      service: recorded?.service ?? null,
      attempts: recorded?.attempts ?? 0,
      lastAttemptAt: recorded?.lastAttemptAt ? iso(recorded.lastAttemptAt) : null,
      outcome: recorded?.outcome
        ? { result: recorded.outcome.result, reason: recorded.outcome.reason, at: iso(recorded.outcome.at) }
        : null,
      job: recorded?.job
        ? {
            name: recorded.job.name,
            state: recorded.job.state,
            reason: recorded.job.reason,
            at: iso(recorded.job.at),
          }
        : null,
    };
  });
}

export function incidentView(record: IncidentRecord, traceLink: TraceLink): IncidentView {
  const { alert, router } = record;
  const traceId = record.traceId ?? record.incident;
  return {
    incident: record.incident,
    shortKey: shortKey(record.incident),
    rule: alert?.rule ?? null,
    priority: alert?.priority ?? null,
    target: targetView(record),
    alert: alert
      ? {
          time: alert.time,
          source: alert.source ?? null,
          hostname: alert.hostname ?? null,
          tags: alert.tags,
          output: alert.output,
          outputFields: alert.outputFields,
        }
      : null,
    decision: router
      ? {
          state: router.state,
          claimedAt: iso(router.claimedAt),
          routedAt: router.routedAt ? iso(router.routedAt) : null,
          playbooks: router.decision.playbooks,
        }
      : null,
    actions: actionViews(record),
    notifications: Object.entries(record.notifications)
      .map(([destination, notification]) => ({
        destination,
        status: notification.status,
        reason: notification.reason ?? null,
        at: iso(notification.at),
      }))
      .sort((a, b) => a.at.localeCompare(b.at) || a.destination.localeCompare(b.destination)),
    finding: record.finding
      ? { name: record.finding.name, recordedAt: iso(record.finding.recordedAt) }
      : null,
    trace: { traceId, url: traceLink(traceId) },
    expireAt: iso(record.expireAt),
  };
}

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

export function describeTarget(target: TargetView | null): string {
  if (!target) return "(no alert recorded)";
  const parts = [
    target.cluster ? `cluster ${target.cluster}` : undefined,
    target.pod ? `pod ${target.namespace ?? "?"}/${target.pod}` : undefined,
    !target.pod && target.namespace ? `namespace ${target.namespace}` : undefined,
    target.node ? `node ${target.node}` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(" · ") : "(no target)";
}

function actionResult(action: ActionView): string {
  if (action.outcome) return action.outcome.result;
  return action.attempts > 0 ? "running" : "pending";
}

function actionSummary(action: ActionView): string {
  return `${action.action}${action.dryRun ? " (dry run)" : ""}: ${actionResult(action)}`;
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

interface TimelineEvent {
  at: string;
  what: string;
  text: string;
}

/** `riposte incidents show`: the incident, then its timeline in time order, then the trace link. */
export function incidentShowLines(record: IncidentRecord, traceLink: TraceLink): string[] {
  const view = incidentView(record, traceLink);
  const events: TimelineEvent[] = [];
  if (view.alert)
    events.push({
      at: view.decision?.claimedAt ?? view.expireAt,
      what: "alert",
      text: `received (alert time ${view.alert.time}${view.alert.source ? `, source ${view.alert.source}` : ""}${view.alert.hostname ? `, host ${view.alert.hostname}` : ""})`,
    });
  if (view.decision) {
    const planned = view.actions.filter((action) => action.dryRun !== null);
    const commands =
      planned.length > 0
        ? planned.map((action) => `${action.action}${plannedNote(action)}`).join(", ")
        : "no actions";
    const playbooks = view.decision.playbooks.length > 0 ? view.decision.playbooks.join(", ") : "none";
    events.push({
      at: view.decision.claimedAt,
      what: "decision",
      text: `playbooks ${playbooks} → ${commands}${view.decision.state === "routing" ? " (still routing: commands not all published)" : ""}`,
    });
  }
  for (const action of view.actions) {
    if (action.attempts > 0 && action.lastAttemptAt)
      events.push({
        at: action.lastAttemptAt,
        what: action.action,
        text: `${action.service ?? "?"}: ${action.attempts} attempt${action.attempts === 1 ? "" : "s"} (the last at this time)`,
      });
    if (action.outcome)
      events.push({
        at: action.outcome.at,
        what: action.action,
        text: `${action.outcome.result.toUpperCase()}: ${action.outcome.reason}`,
      });
    if (action.job)
      events.push({
        at: action.job.at,
        what: action.action,
        text: `Job ${action.job.name} ${action.job.state}${action.job.reason ? ` (${action.job.reason})` : ""}`,
      });
  }
  for (const notification of view.notifications)
    events.push({
      at: notification.at,
      what: "notified",
      text: `${notification.destination}: ${notification.status}${notification.reason ? ` (${notification.reason})` : ""}`,
    });
  if (view.finding) events.push({ at: view.finding.recordedAt, what: "finding", text: view.finding.name });
  // Stable sort: events at one instant keep the order above (alert, decision, actions…).
  events.sort((a, b) => a.at.localeCompare(b.at));

  const width = Math.max(8, ...events.map((event) => event.what.length));
  const waiting = view.actions
    .filter((action) => action.attempts === 0 && !action.outcome)
    .map((action) => action.action);
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
