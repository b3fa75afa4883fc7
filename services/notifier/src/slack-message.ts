// Slack messages (Block Kit plus a `text` fallback for notifications) for the three things the notifier
// says: an alert, a follow-up about an action's outcome, and a storm summary. Every alert-derived
// string goes through escapeForSlack, inside code where Slack links nothing; mrkdwn objects are
// `verbatim` so Slack does not auto-link or auto-mention either. The only links are the notifier's own.
// An announcement whose command lists actions held for approval also asks for the decision
// (slack-approval.ts); a follow-up about a decision says who made it.
import type {
  ActionOutcome,
  AlertSummary,
  AwaitingApproval,
  OutcomeResult,
  Priority,
  TargetMessage,
} from "@riposte/contracts";
import { escapeForSlack, type SlackTextStyle } from "@riposte/service-kit";
import { type ApprovalDecision, approvalDecisionOf } from "./approval-decision.js";
import type { MessageLinks } from "./links.js";
import { approvalBlocks, decisionLine, decisionSummary, isoSeconds, undecided } from "./slack-approval.js";

export interface SlackText {
  type: "mrkdwn" | "plain_text";
  text: string;
  verbatim?: boolean;
  emoji?: boolean;
}

/** A confirmation dialog shown before a button's click is sent. */
export interface SlackConfirm {
  title: SlackText;
  text: SlackText;
  confirm: SlackText;
  deny: SlackText;
  style?: "primary" | "danger";
}

export interface SlackButton {
  type: "button";
  action_id: string;
  text: SlackText;
  value: string;
  style?: "primary" | "danger";
  confirm?: SlackConfirm;
}

export type SlackBlock =
  | { type: "header"; text: SlackText }
  | { type: "section"; text?: SlackText; fields?: SlackText[] }
  | { type: "context"; elements: SlackText[] }
  | { type: "actions"; block_id: string; elements: SlackButton[] }
  | { type: "divider" };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  /** The console links would otherwise unfurl into large previews. */
  unfurl_links: false;
  unfurl_media: false;
}

/** Slack's Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  contextElements: 10,
  /** Slack accepts 40,000 but notifications show a line or two. */
  fallbackText: 3000,
} as const;

/** Colour is not available in Block Kit outside legacy attachments: the priority shows as an emoji. */
const PRIORITY_EMOJI: Record<Priority, string> = {
  Emergency: ":rotating_light:",
  Alert: ":rotating_light:",
  Critical: ":red_circle:",
  Error: ":large_orange_circle:",
  Warning: ":large_yellow_circle:",
  Notice: ":large_blue_circle:",
  Informational: ":white_circle:",
  Debug: ":white_circle:",
};

const RESULT_EMOJI: Record<OutcomeResult, string> = {
  done: ":white_check_mark:",
  "already-done": ":ballot_box_with_check:",
  stale: ":hourglass:",
  refused: ":no_entry_sign:",
  "dry-run": ":test_tube:",
  failed: ":x:",
};

/** Outcomes listed in an alert message; the rest are counted. */
const MAX_LISTED_OUTCOMES = 10;

function mrkdwn(text: string): SlackText {
  return { type: "mrkdwn", text, verbatim: true };
}

function safe(text: string, style: SlackTextStyle, maxLength: number): string {
  return escapeForSlack(text, { style, maxLength });
}

/** `*Label*\n` + the value as code, within a field's limit. */
function labelled(label: string, value: string, maxLength: number = SLACK_LIMITS.fieldText): SlackText {
  const head = `*${label}*\n`;
  return mrkdwn(head + safe(value, "code", maxLength - head.length));
}

function targetFields(target: TargetMessage | undefined, hostname: string | undefined): SlackText[] {
  if (!target) return [];
  const fields: SlackText[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== "") fields.push(labelled(label, value));
  };
  add("Cluster", target.cluster);
  add("Namespace", target.namespace);
  add("Pod", target.pod);
  add("Node", target.node ?? hostname);
  add("Container", target.containerName ?? target.containerId);
  add("Image", target.image);
  return fields.slice(0, SLACK_LIMITS.fields);
}

/** `ns/pod`, the node, or nothing: how a target reads in one line. */
export function targetLabel(target: TargetMessage | undefined): string | undefined {
  if (!target) return undefined;
  if (target.pod) return target.namespace ? `${target.namespace}/${target.pod}` : target.pod;
  return target.node;
}

function linkElements(links: MessageLinks): string[] {
  const out: string[] = [];
  // The URLs are built by links.ts from validated ids; `&` must still be escaped inside mrkdwn.
  if (links.trace) out.push(`<${escapeUrl(links.trace)}|Trace>`);
  if (links.sccFinding) out.push(`<${escapeUrl(links.sccFinding)}|SCC finding>`);
  return out;
}

function escapeUrl(url: string): string {
  return url.replaceAll("&", "&amp;").replaceAll("<", "%3C").replaceAll(">", "%3E").replaceAll("|", "%7C");
}

function outcomeLine(outcome: ActionOutcome, maxLength: number): string {
  const decision = approvalDecisionOf(outcome);
  if (decision) return decisionOutcomeLine(outcome, decision, maxLength);
  const head = `${RESULT_EMOJI[outcome.result]} ${safe(outcome.action, "code", 80)} ${safe(outcome.result, "mrkdwn", 20)}`;
  const by = ` by ${safe(outcome.service, "code", 80)}`;
  const room = maxLength - head.length - by.length - 3;
  const reason = outcome.reason && room > 10 ? ` — ${safe(outcome.reason, "mrkdwn", room)}` : "";
  return head + by + reason;
}

/** A decision's line (who, how, when), then the outcome's reason (the decider's own words). */
function decisionOutcomeLine(outcome: ActionOutcome, decision: ApprovalDecision, maxLength: number): string {
  const head = decisionLine(outcome.action, decision);
  const room = maxLength - head.length - 3;
  const reason = outcome.reason && room > 10 ? ` — ${safe(outcome.reason, "mrkdwn", room)}` : "";
  return head + reason;
}

export interface AlertMessageInput {
  incident: string;
  alert: AlertSummary;
  target: TargetMessage;
  playbooks: readonly string[];
  /** Outcomes already known for this incident (they can arrive before the command). */
  outcomes: readonly ActionOutcome[];
  /** The incident's actions held for a person's decision (the command's `awaitingApproval`). */
  awaitingApproval?: readonly AwaitingApproval[];
  links: MessageLinks;
}

/** The announcement of one alert. */
export function buildAlertMessage(input: AlertMessageInput): SlackMessage {
  const { alert, target, incident } = input;
  const emoji = PRIORITY_EMOJI[alert.priority];
  const blocks: SlackBlock[] = [
    {
      type: "header",
      // Only the validated priority enum goes here: plain_text is not escaped the way mrkdwn is.
      text: { type: "plain_text", text: `${emoji} ${alert.priority} Falco alert`, emoji: true },
    },
    { type: "section", text: labelled("Rule", alert.rule, SLACK_LIMITS.sectionText) },
  ];
  const fields = targetFields(target, alert.hostname);
  if (fields.length > 0) blocks.push({ type: "section", fields });
  const outputHead = "*Output*\n";
  blocks.push({
    type: "section",
    text: mrkdwn(outputHead + safe(alert.output, "code-block", SLACK_LIMITS.sectionText - outputHead.length)),
  });

  if (input.outcomes.length > 0) {
    const head = "*Actions*";
    const lines: string[] = [];
    let length = head.length;
    const listed = input.outcomes.slice(0, MAX_LISTED_OUTCOMES);
    for (const outcome of listed) {
      const line = outcomeLine(outcome, 400);
      if (length + line.length + 1 > SLACK_LIMITS.sectionText - 40) break;
      lines.push(line);
      length += line.length + 1;
    }
    const more = input.outcomes.length - lines.length;
    if (more > 0) lines.push(`_and ${more} more_`);
    blocks.push({ type: "section", text: mrkdwn([head, ...lines].join("\n")) });
  }

  // At most one per approvable action (5): with the ≤ 6 blocks above, far under Slack's 50.
  const asked = undecided(input.awaitingApproval ?? [], input.outcomes);
  for (const held of asked) blocks.push(...approvalBlocks(incident, held));

  const context: string[] = [`Incident ${safe(incident, "code", 40)}`];
  if (alert.source) context.push(`Source ${safe(alert.source, "code", 100)}`);
  context.push(`Time ${safe(alert.time, "code", 100)}`);
  if (input.playbooks.length > 0) {
    context.push(
      joinWithin(
        "Playbooks ",
        input.playbooks.map((p) => safe(p, "code", 120)),
      ),
    );
  }
  if (target.rejected.length > 0) {
    context.push(
      joinWithin(
        "Names refused as targets: ",
        target.rejected.map((r) => safe(r.field, "code", 80)),
      ),
    );
  }
  context.push(...linkElements(input.links));
  blocks.push({
    type: "context",
    elements: context.slice(0, SLACK_LIMITS.contextElements).map((text) => mrkdwn(text)),
  });

  const where = targetLabel(target);
  const text = [
    `${emoji} ${alert.priority}: ${safe(alert.rule, "code", 500)}`,
    where ? ` on ${safe(where, "code", 400)}` : "",
    ` (incident ${incident.slice(0, 12)})`,
    asked.length > 0 ? ` — waiting for approval: ${asked.map(waitingSummary).join(", ")}` : "",
  ].join("");
  return finish(text, blocks);
}

/** "`kill-pod` until 2026-01-01T12:15:00Z" for the notification text. */
function waitingSummary(held: AwaitingApproval): string {
  const until = isoSeconds(held.deadline);
  return `${safe(held.action, "code", 80)}${until ? ` until ${until}` : ""}`;
}

export interface FollowUpInput {
  outcome: ActionOutcome;
  /** The alert's rule, from the outcome or from what the notifier remembers about the incident. */
  rule?: string;
  target?: TargetMessage;
  links: MessageLinks;
}

/** A short message about one action's outcome, for an incident already announced (or being). */
export function buildFollowUpMessage(input: FollowUpInput): SlackMessage {
  const { outcome } = input;
  const blocks: SlackBlock[] = [
    { type: "section", text: mrkdwn(outcomeLine(outcome, SLACK_LIMITS.sectionText)) },
  ];
  const context: string[] = [`Follow-up to incident ${safe(outcome.incident, "code", 40)}`];
  if (input.rule) context.push(`Rule ${safe(input.rule, "code", 600)}`);
  const where = targetLabel(input.target);
  if (where) context.push(`Target ${safe(where, "code", 400)}`);
  context.push(...linkElements(input.links));
  blocks.push({ type: "context", elements: context.map((text) => mrkdwn(text)) });
  const decision = approvalDecisionOf(outcome);
  const what = decision
    ? decisionSummary(outcome.action, decision)
    : `${safe(outcome.action, "code", 80)} ${safe(outcome.result, "mrkdwn", 20)}`;
  const text =
    `${RESULT_EMOJI[outcome.result]} ${what}` +
    ` for incident ${outcome.incident.slice(0, 12)}` +
    (input.rule ? ` (${safe(input.rule, "code", 500)})` : "");
  return finish(text, blocks);
}

export interface DeadLetterInput {
  incident: string;
  /** The playbook action of the command that was given up on, e.g. "kill-pod". */
  action: string;
  dryRun: boolean;
  /** The subscription that gave up on it, and after how many deliveries (when Pub/Sub said). */
  subscription: string;
  attempts?: number;
  /** The pull subscription where it waits for `riposte dlq`. */
  deadLetterSubscription: string;
  rule: string;
  target?: TargetMessage;
  links: MessageLinks;
}

/** "FAILED: `kill-pod` for incident … was dead-lettered after N attempts": an action that never happened. */
export function buildDeadLetterMessage(input: DeadLetterInput): SlackMessage {
  const action = `${safe(input.action, "code", 80)}${input.dryRun ? " (dry run)" : ""}`;
  const attempts = input.attempts === undefined ? "its last attempt" : `${input.attempts} attempts`;
  const subscription = safe(input.subscription, "code", 300);
  const headline = `FAILED: ${action} for incident ${input.incident.slice(0, 12)} was dead-lettered after ${attempts} (subscription ${subscription})`;
  const lines = [`:rotating_light: *${headline}*`, `Rule ${safe(input.rule, "code", 1200)}`];
  const where = targetLabel(input.target);
  if (where) lines.push(`Target ${safe(where, "code", 400)}`);
  lines.push(
    `The command was never carried out. It waits in ${safe(input.deadLetterSubscription, "code", 300)}: inspect and replay it with \`riposte dlq\`.`,
  );
  const context = [`Incident ${safe(input.incident, "code", 40)}`, ...linkElements(input.links)];
  const blocks: SlackBlock[] = [
    { type: "section", text: mrkdwn(lines.join("\n")) },
    { type: "context", elements: context.map((text) => mrkdwn(text)) },
  ];
  return finish(`:rotating_light: ${headline}`, blocks);
}

export interface StormSummaryInput {
  about: "alerts" | "outcomes";
  count: number;
  windowMs: number;
  rule: string;
  target?: TargetMessage;
  action?: string;
  result?: OutcomeResult;
  firstIncident: string;
  incidents: readonly string[];
  /** The highest priority among the alerts held back. */
  highestPriority?: string;
  /** Actions taken for them: "kill-pod done" → count. */
  actions?: Readonly<Record<string, number>>;
}

/** "N more similar alerts in 5 min": what storm control did not send individually. */
export function buildStormSummaryMessage(input: StormSummaryInput): SlackMessage {
  const window = formatDuration(input.windowMs);
  const noun =
    input.about === "alerts"
      ? `similar alert${input.count === 1 ? "" : "s"}`
      : `${safe(input.action ?? "action", "code", 80)} ${safe(input.result ?? "", "mrkdwn", 20)} outcome${input.count === 1 ? "" : "s"} for similar alerts`;
  const headline = `:cyclone: *${input.count} more ${noun} in ${window}*`;
  const lines = [headline, `Rule ${safe(input.rule, "code", 1200)}`];
  const where = targetLabel(input.target);
  if (where) lines.push(`Target ${safe(where, "code", 400)}`);
  if (input.highestPriority)
    lines.push(`Highest priority held back: ${safe(input.highestPriority, "mrkdwn", 20)}`);
  const actions = actionsTaken(input.actions);
  if (actions) lines.push(`Actions taken for them: ${actions}`);
  const blocks: SlackBlock[] = [{ type: "section", text: mrkdwn(lines.join("\n")) }];
  const shown = input.incidents.slice(0, 20).map((incident) => safe(incident, "code", 40));
  const context = [
    `First announced as incident ${safe(input.firstIncident, "code", 40)}`,
    joinWithin("Not sent individually: ", input.count > shown.length ? [...shown, "…"] : shown),
  ];
  blocks.push({ type: "context", elements: context.map((text) => mrkdwn(text)) });
  const text = `${input.count} more ${input.about === "alerts" ? "similar alerts" : "similar outcomes"} in ${window}: ${safe(input.rule, "code", 500)}`;
  return finish(text, blocks);
}

/** "`kill-pod` done ×3, `export-finding` failed ×1" (action names are escaped: they come off the wire). */
function actionsTaken(actions: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(actions ?? {})
    .slice(0, 10)
    .map(([label, count]) => {
      const [action = "", result = ""] = label.split(" ");
      return `${safe(action, "code", 80)} ${safe(result, "mrkdwn", 20)} ×${count}`;
    })
    .join(", ");
}

/** "5 min", "90 s", "2 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60 || seconds % 60 !== 0) return `${seconds} s`;
  const minutes = seconds / 60;
  if (minutes < 60 || minutes % 60 !== 0) return `${minutes} min`;
  return `${minutes / 60} h`;
}

/** Context element text stays well under Slack's 3000 for a text object. */
const CONTEXT_TEXT_MAX = 1900;

/** `head` and whole items (already escaped) separated by spaces, ending in "…" when they do not all fit. */
function joinWithin(head: string, items: readonly string[], maxLength = CONTEXT_TEXT_MAX): string {
  let out = head;
  for (const [index, item] of items.entries()) {
    const next = (index === 0 ? "" : " ") + item;
    if (out.length + next.length > maxLength - 2) return `${out} …`;
    out += next;
  }
  return out;
}

function finish(text: string, blocks: SlackBlock[]): SlackMessage {
  // Every part of `text` is bounded where it is escaped; the slice is only a backstop.
  return {
    text:
      text.length <= SLACK_LIMITS.fallbackText ? text : `${text.slice(0, SLACK_LIMITS.fallbackText - 1)}…`,
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
    unfurl_links: false,
    unfurl_media: false,
  };
}
