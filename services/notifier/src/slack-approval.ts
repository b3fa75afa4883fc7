// The part of a Slack announcement that asks a person to decide (issue 21): per action the router held
// for approval, a section saying what waits, until when, what happens if nobody decides and who may
// decide, then Approve / Deny buttons. The console receives the click (block_id and action_id say
// which), checks the clicker, and updates this message in place. A button's value is the contracts'
// ApprovalRef as JSON, validated here before it is put on a button, so the console can parse it back.
import {
  type ActionOutcome,
  SLACK_APPROVE_ACTION_ID as APPROVE_ACTION_ID,
  ApprovalRef,
  type AwaitingApproval,
  approvalBlockId,
  SLACK_DENY_ACTION_ID as DENY_ACTION_ID,
} from "@riposte/contracts";
import { escapeForSlack, slackDateToken } from "@riposte/service-kit";
import type { ApprovalDecision } from "./approval-decision.js";
import type { SlackBlock, SlackButton, SlackText } from "./slack-message.js";

/** Block Kit limits of interactive parts (https://api.slack.com/reference/block-kit/block-elements#button). */
export const SLACK_BUTTON_LIMITS = {
  text: 75,
  value: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  sectionText: 3000,
} as const;

const mrkdwn = (text: string): SlackText => ({ type: "mrkdwn", text, verbatim: true });
const plain = (text: string): SlackText => ({ type: "plain_text", text, emoji: true });
const code = (text: string, maxLength: number) => escapeForSlack(text, { style: "code", maxLength });

/**
 * `<!date^…|ISO>`: Slack shows the time in the reader's time zone, and clients that cannot render the
 * token show the ISO time. Both are built from the parsed number, never from the text received.
 */
export function slackDate(iso: string): string | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? slackDateToken(new Date(ms)) : undefined;
}

/** The same time as ISO 8601 UTC to the second (for the `text` fallback), or undefined. */
export function isoSeconds(iso: string): string | undefined {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * The held actions still to decide: one per action (a block_id is unique in a message) and none that
 * already has an outcome (a decision, or the approved command's result, is in the Actions list).
 */
export function undecided(
  awaiting: readonly AwaitingApproval[],
  outcomes: readonly ActionOutcome[],
): AwaitingApproval[] {
  const decided = new Set(outcomes.map((outcome) => outcome.action));
  const seen = new Set<string>();
  return awaiting.filter((held) => {
    if (decided.has(held.action) || seen.has(held.action)) return false;
    seen.add(held.action);
    return true;
  });
}

/** What happens when nobody decides, in words. */
const ON_TIMEOUT_WORDS: Record<string, string> = {
  proceed: "it runs",
  abandon: "it is abandoned (not run)",
};

/** `head` and the escaped approvers separated by spaces, within `maxLength`, "and N more" when cut. */
function approversLine(head: string, approvers: readonly string[], maxLength: number): string {
  let out = head;
  for (const [index, approver] of approvers.entries()) {
    const item = (index === 0 ? "" : " ") + code(approver, 300);
    const rest = approvers.length - index;
    // Room kept for " and N more".
    if (out.length + item.length > maxLength - 20) return `${out} and ${rest} more`;
    out += item;
  }
  return out;
}

function heldSection(incident: string, held: AwaitingApproval): SlackBlock {
  const deadline = slackDate(held.deadline) ?? code(held.deadline, 80);
  const onTimeout = ON_TIMEOUT_WORDS[held.onTimeout] ?? "decided by its policy";
  const lines = [
    `:raised_hand: *Waiting for approval:* ${code(held.action, 80)}`,
    `*Deadline:* ${deadline} — if nobody decides by then, ${onTimeout} (on_timeout ${code(held.onTimeout, 40)})`,
    `*Or from a terminal:* ${code(`riposte approve ${incident.slice(0, 12)} ${held.action}`, 120)}`,
  ];
  const head = `${lines.join("\n")}\n*Approvers:* `;
  return {
    type: "section",
    text: mrkdwn(approversLine(head, held.approvers, SLACK_BUTTON_LIMITS.sectionText)),
  };
}

function button(
  decision: "approve" | "deny",
  ref: ApprovalRef,
  value: string,
  incidentLabel: string,
): SlackButton {
  const approve = decision === "approve";
  const confirmText = approve
    ? `${ref.action} runs at once for incident ${incidentLabel}, recorded as approved by you.`
    : `${ref.action} will not run for incident ${incidentLabel}, recorded as denied by you.`;
  return {
    type: "button",
    action_id: approve ? APPROVE_ACTION_ID : DENY_ACTION_ID,
    text: plain(approve ? "Approve" : "Deny"),
    style: approve ? "primary" : "danger",
    value,
    confirm: {
      title: plain(`${approve ? "Approve" : "Deny"} ${ref.action}?`),
      text: plain(confirmText),
      confirm: plain(approve ? "Approve" : "Deny"),
      deny: plain("Cancel"),
      style: approve ? "primary" : "danger",
    },
  };
}

/**
 * The section and the Approve / Deny buttons of one held action. Only the section when the action and
 * incident do not make a valid ApprovalRef (the console would refuse the click): nothing unparseable
 * is ever put on a button.
 */
export function approvalBlocks(incident: string, held: AwaitingApproval): SlackBlock[] {
  const section = heldSection(incident, held);
  const ref = ApprovalRef.safeParse({ incident, action: held.action });
  if (!ref.success) return [section];
  const value = JSON.stringify(ref.data);
  if (value.length > SLACK_BUTTON_LIMITS.value) return [section];
  const label = incident.slice(0, 12);
  return [
    section,
    {
      type: "actions",
      block_id: approvalBlockId(ref.data.action),
      elements: [button("approve", ref.data, value, label), button("deny", ref.data, value, label)],
    },
  ];
}

/** "`kill-pod` denied by `user:bob@acme.com` via `slack` at <date>": who decided, escaped. */
export function decisionLine(action: string, decision: ApprovalDecision): string {
  const at = decision.at === undefined ? undefined : slackDate(decision.at);
  const when = at ? ` at ${at}` : "";
  const what = code(action, 80);
  switch (decision.state) {
    case "abandoned":
      return `:hourglass: ${what} abandoned: nobody decided before the deadline${when}`;
    case "denied":
      return `:no_entry_sign: ${what} denied by ${code(decision.by, 320)} via ${code(decision.via, 60)}${when}`;
    case "approved":
      return `:white_check_mark: ${what} approved by ${code(decision.by, 320)} via ${code(decision.via, 60)}${when}`;
  }
}

/** The same in the `text` fallback (a notification): no date token. */
export function decisionSummary(action: string, decision: ApprovalDecision): string {
  const what = code(action, 80);
  if (decision.state === "abandoned") return `${what} abandoned (no decision before the deadline)`;
  return `${what} ${decision.state} by ${code(decision.by, 320)} via ${code(decision.via, 60)}`;
}
