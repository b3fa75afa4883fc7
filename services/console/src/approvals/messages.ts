// What a person reads about a decision: one sentence naming the action, the incident (its short key,
// as `riposte incidents` shows it), who decided what, how and when. Plain text: Slack, the pages and
// the terminal escape it for themselves.
import { type ApprovalView, shortKey } from "@riposte/ledger";

/** A time as people read it in the CLI and Slack: ISO 8601, whole seconds, UTC. */
export function whenOf(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function subjectOf(ref: { incident: string; action: string }): string {
  return `${ref.action} of incident ${shortKey(ref.incident)}`;
}

/** "approved by user:alice@acme.com via cli at …", or what the deadline did. */
export function decisionText(approval: ApprovalView): string {
  const { decision, state } = approval;
  if (!decision) return `still awaiting approval (deadline ${whenOf(approval.deadline)})`;
  const at = whenOf(decision.at);
  if (state === "abandoned") return `abandoned at ${at}: no decision before the deadline`;
  if (decision.by === "deadline") return `${state} by its deadline (on_timeout: proceed) at ${at}`;
  return `${state} by ${decision.by} via ${decision.via} at ${at}`;
}

/** The refused outcome's reason for a denied or abandoned action (the notifier and the finding show it). */
export function refusedReason(approval: ApprovalView): string {
  const { decision } = approval;
  if (approval.state === "abandoned" || !decision) return "abandoned: no decision before the deadline";
  const reason = decision.reason ? `: ${decision.reason}` : "";
  return `denied by ${decision.by} via ${decision.via}${reason}`;
}
