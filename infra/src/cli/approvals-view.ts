// What `riposte approvals list` prints: each held action as a versioned JSON shape (every key always
// present, null when unknown; described in the README) and as one line for a person. The target and
// the held command come from an alert, a decision's reason from whoever decided: the lines are made
// visible (makeVisible) and the JSON printed through terminalJson, as `riposte incidents` does, so no
// ANSI escape, line break or bidi control of an attacker reaches the terminal.
import { type ApprovalView, describeTarget, shortKey, targetViewOf } from "@riposte/ledger";
import { makeVisible } from "../dev/log-format.js";

/** The JSON shape's version: bumped when a key changes meaning or goes away (new keys may be added). */
export const APPROVALS_JSON_VERSION = 1;

const REASON_MAX = 80;

/** One held action as `--json` shows it. */
export function approvalJson(approval: ApprovalView) {
  const { decision } = approval;
  return {
    incident: approval.incident,
    shortKey: shortKey(approval.incident),
    action: approval.action,
    state: approval.state,
    requestedAt: approval.requestedAt.toISOString(),
    deadline: approval.deadline.toISOString(),
    onTimeout: approval.onTimeout,
    approvers: approval.approvers,
    target: targetViewOf(approval.command.target),
    decision: decision
      ? {
          by: decision.by,
          via: decision.via,
          at: decision.at.toISOString(),
          reason: decision.reason ?? null,
        }
      : null,
    // Whether what the decision calls for (the command, or a refused outcome) has been published.
    published: approval.publish ? approval.publish.done : null,
    refusals: approval.refusals.map((refusal) => ({
      by: refusal.by,
      via: refusal.via,
      at: refusal.at.toISOString(),
      reason: refusal.reason,
    })),
  };
}

export function approvalListJson(
  approvals: readonly ApprovalView[],
  query: { state: string | undefined; truncated: boolean },
) {
  return {
    version: APPROVALS_JSON_VERSION,
    state: query.state ?? null,
    truncated: query.truncated,
    approvals: approvals.map(approvalJson),
  };
}

/** `2026-12-05 10:15:00Z`: whole seconds, UTC, as the rest of the CLI's lines. */
function when(at: Date): string {
  return at
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

function clip(text: string, max: number): string {
  if ([...text].length <= max) return text;
  return `${[...text].slice(0, max - 1).join("")}…`;
}

/** Where it stands: its deadline and what then happens, or who decided what, how and when. */
function standing(approval: ApprovalView): string {
  const { decision } = approval;
  if (approval.state === "awaiting-approval" || !decision)
    return `deadline ${when(approval.deadline)}, then ${approval.onTimeout}`;
  const who =
    approval.state === "abandoned"
      ? "abandoned: no decision before the deadline"
      : decision.by === "deadline"
        ? "approved by its deadline (on_timeout proceed)"
        : `by ${decision.by} via ${decision.via}`;
  const reason = decision.reason ? ` (${clip(decision.reason, REASON_MAX)})` : "";
  const pending = approval.publish && !approval.publish.done ? ", not published yet" : "";
  return `${who} at ${when(decision.at)}${reason}${pending}`;
}

/** One line per held action: short key, action, state, target, deadline or decision, approvers. */
export function approvalListLines(approvals: readonly ApprovalView[], truncated: boolean): string[] {
  if (approvals.length === 0) return ["no held actions"];
  const lines = approvals.map((approval) =>
    [
      shortKey(approval.incident),
      approval.action.padEnd(11),
      approval.state.padEnd(17),
      describeTarget(targetViewOf(approval.command.target)),
      "—",
      standing(approval),
      "—",
      `approvers ${approval.approvers.join(", ")}`,
    ].join("  "),
  );
  if (truncated) lines.push("… more held actions match: raise --limit or narrow --state");
  return lines.map(makeVisible);
}
