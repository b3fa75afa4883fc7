// An incident record as people read it, whatever shows it: the CLI (`riposte incidents`, lines and
// --json) and the console's pages. Plain data (ISO times, nulls for what is unknown) and a timeline of
// events in time order; every string in it may be an attacker's (alert text), so each reader escapes
// for its own medium — the CLI makes control characters visible, the console's JSX escapes HTML.
import type { Target } from "@riposte/contracts";
import type { IncidentRecord } from "./incident.js";
import { incidentTarget } from "./list.js";

/** The short key the notifier shows in Slack (`incident.slice(0, 12)`). */
export const SHORT_KEY_LENGTH = 12;

export function shortKey(incident: string): string {
  return incident.slice(0, SHORT_KEY_LENGTH);
}

export interface TargetView {
  cluster: string | null;
  namespace: string | null;
  pod: string | null;
  node: string | null;
  containerId: string | null;
  image: string | null;
}

export interface ApprovalMirrorView {
  state: string;
  deadline: string;
  by: string | null;
  via: string | null;
  at: string | null;
  reason: string | null;
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
  /** `location`: where what the action produced lives (capture's gs://BUCKET/prefix/), else null. */
  outcome: { result: string; reason: string; at: string; location: string | null } | null;
  /** The Job the action launched (capture-node), once it finished; null for none or not yet. */
  job: { name: string; state: string; reason: string; at: string } | null;
  /** Held for a person's decision (a playbook's `approval`); null when it never was. */
  approval: ApprovalMirrorView | null;
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
  return target ? targetViewOf(target) : null;
}

/** A target as people read it: the fields a person recognises, null where unknown. */
export function targetViewOf(target: Target): TargetView {
  return {
    cluster: target.cluster ?? null,
    namespace: target.namespace ?? null,
    pod: target.pod ?? null,
    node: target.node ?? null,
    containerId: target.containerId ?? null,
    image: target.image ?? null,
  };
}

type Recorded = IncidentRecord["actions"][string];

function approvalView(recorded: Recorded | undefined): ApprovalMirrorView | null {
  const approval = recorded?.approval;
  if (!approval) return null;
  return {
    state: approval.state,
    deadline: iso(approval.deadline),
    by: approval.by ?? null,
    via: approval.via ?? null,
    at: approval.at ? iso(approval.at) : null,
    reason: approval.reason ?? null,
  };
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
        ? {
            result: recorded.outcome.result,
            reason: recorded.outcome.reason,
            at: iso(recorded.outcome.at),
            location: recorded.outcome.location ?? null,
          }
        : null,
      job: recorded?.job
        ? {
            name: recorded.job.name,
            state: recorded.job.state,
            reason: recorded.job.reason,
            at: iso(recorded.job.at),
          }
        : null,
      approval: approvalView(recorded),
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

/** `cluster prod-eu · pod shop/web-1 · node n1`: the target in one line. */
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

/** Where an action stands: its outcome's result, else awaiting-approval, running or pending. */
export function actionState(action: ActionView): string {
  if (action.outcome) return action.outcome.result;
  if (action.approval?.state === "awaiting-approval") return "awaiting-approval";
  return action.attempts > 0 ? "running" : "pending";
}

/** ` (after isolate-pod, ≤ 60 s, dry run)`: what the decision said about an action besides its name. */
function plannedNote(action: ActionView): string {
  const notes = [
    ...(action.after ? [`after ${action.after.actions.join(", ")}, ≤ ${action.after.waitSeconds} s`] : []),
    ...(action.dryRun ? ["dry run"] : []),
    ...(action.approval ? ["held for approval"] : []),
  ];
  return notes.length > 0 ? ` (${notes.join(", ")})` : "";
}

export interface TimelineEvent {
  /** ISO time. */
  at: string;
  /** alert, decision, an action's name, notified, finding. */
  what: string;
  text: string;
}

function approvalEvents(action: ActionView, decidedAt: string | undefined): TimelineEvent[] {
  const { approval } = action;
  if (!approval) return [];
  const events: TimelineEvent[] = [];
  // The mirror keeps no request time: the router asks when it routes the alert.
  if (decidedAt)
    events.push({ at: decidedAt, what: action.action, text: `held for approval until ${approval.deadline}` });
  if (approval.state !== "awaiting-approval" && approval.at) {
    const who = approval.by ? ` by ${approval.by}${approval.via ? ` via ${approval.via}` : ""}` : "";
    events.push({
      at: approval.at,
      what: action.action,
      text: `${approval.state.toUpperCase()}${who}${approval.reason ? `: ${approval.reason}` : ""}`,
    });
  }
  return events;
}

function actionEvents(action: ActionView): TimelineEvent[] {
  const events: TimelineEvent[] = [];
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
  return events;
}

/** The incident's events in time order: alert, decision, actions (approvals, attempts, outcomes, Jobs), notifications, finding. */
export function incidentTimeline(view: IncidentView): TimelineEvent[] {
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
  for (const action of view.actions)
    events.push(...approvalEvents(action, view.decision?.claimedAt), ...actionEvents(action));
  for (const notification of view.notifications)
    events.push({
      at: notification.at,
      what: "notified",
      text: `${notification.destination}: ${notification.status}${notification.reason ? ` (${notification.reason})` : ""}`,
    });
  if (view.finding) events.push({ at: view.finding.recordedAt, what: "finding", text: view.finding.name });
  // Stable sort: events at one instant keep the order above (alert, decision, actions…).
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

/** Actions with neither an attempt nor an outcome recorded yet. */
export function waitingActions(view: IncidentView): string[] {
  return view.actions
    .filter((action) => action.attempts === 0 && !action.outcome)
    .map((action) => action.action);
}
