// decide: one person's decision on one held action, from Slack, the CLI or the console. The request is
// validated, the decider checked against the action's approvers (a refusal is recorded), then the
// ledger decides in one transaction — exactly one decision ever wins, none at or after the deadline —
// and the winner publishes what the decision calls for. Every refusal is a sentence a person reads:
// who decided what, how and when.
import {
  APPROVAL_CHANNELS,
  ApprovalRef,
  DeciderIdentity,
  Email,
  OptionalOperatorReason,
} from "@riposte/contracts";
import type { ApprovalView } from "@riposte/ledger";
import { errorMessage } from "@riposte/service-kit";
import { z } from "zod";
import { authorize } from "./authorize.js";
import type { ApprovalDeps } from "./deps.js";
import { decisionText, subjectOf, whenOf } from "./messages.js";
import { publishDecision } from "./publish.js";

export const DEFAULT_APPROVER_CHECK_TIMEOUT_MS = 5_000;
export const DecisionRequest = z.strictObject({
  ref: ApprovalRef,
  decision: z.enum(["approved", "denied"]),
  /** `user:EMAIL` (a Google or Slack-mapped identity) or `local:NAME` (emulators only). */
  identity: z.string().max(300),
  via: z.enum(APPROVAL_CHANNELS).exclude(["deadline"]),
  /** One line of visible text, as every operator reason (contracts' parseOperatorReason); blank is none. */
  reason: OptionalOperatorReason,
});
export type DecisionRequest = z.input<typeof DecisionRequest>;

export type DecideRefusal =
  | "invalid"
  | "unknown"
  | "not-an-approver"
  | "approver-check-failed"
  | "already-decided"
  | "past-deadline";

export type DecideResult =
  | {
      ok: true;
      approval: ApprovalView;
      /** False when the publish failed: the scheduled call publishes it (within a minute or two). */
      published: boolean;
      message: string;
    }
  | { ok: false; refusal: DecideRefusal; message: string; approval?: ApprovalView };

/** A decider as the ledger records it: `user:` + a lower-case email, or `local:NAME`; never `deadline`. */
function deciderOf(identity: string): string | undefined {
  const user = /^user:(.*)$/is.exec(identity.trim());
  if (user) {
    const email = Email.safeParse(user[1]);
    return email.success ? `user:${email.data}` : undefined;
  }
  const parsed = DeciderIdentity.safeParse(identity);
  return parsed.success && parsed.data.startsWith("local:") ? parsed.data : undefined;
}

/**
 * Decides `request`. Refusals are results, never exceptions; a ledger out of reach throws
 * LedgerUnavailableError (nothing was decided: the caller says so and the person tries again).
 */
export async function decide(deps: ApprovalDeps, request: DecisionRequest): Promise<DecideResult> {
  const parsed = DecisionRequest.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    return {
      ok: false,
      refusal: "invalid",
      message: `not a decision: ${where}${issue?.message ?? "invalid"}`,
    };
  }
  const { ref, decision, via, reason } = parsed.data;
  const subject = subjectOf(ref);
  const by = deciderOf(parsed.data.identity);
  if (!by) {
    const message = `${subject}: the decider is not user:EMAIL or local:NAME; nothing was decided`;
    return { ok: false, refusal: "invalid", message };
  }
  const stored = await deps.ledger.readApproval(ref.incident, ref.action);
  if (!stored) return unknown(subject);
  const allowed = await authorize(by, stored.approvers, {
    directory: deps.directory,
    acceptLocal: deps.acceptLocal,
    timeoutMs: deps.approverCheckTimeoutMs ?? DEFAULT_APPROVER_CHECK_TIMEOUT_MS,
  });
  if (!allowed.ok) {
    if (allowed.refusal === "not-an-approver") {
      // Kept on the approval (the last 20): who tried, how, and why they were refused.
      await deps.ledger.recordApprovalRefusal({ ...ref, by, via, reason: allowed.why });
    }
    deps.logger.warn({ ...ref, by, via, refusal: allowed.refusal }, `${subject}: ${allowed.why}`);
    const message = `${subject} was not ${decision}: ${by} may not decide it — ${allowed.why}`;
    return { ok: false, refusal: allowed.refusal, message, approval: stored };
  }
  const result = await deps.ledger.decideApproval({
    ...ref,
    decision,
    by,
    via,
    ...(reason ? { reason } : {}),
  });
  if (!result.ok) return refused(subject, result.refusal, result.approval ?? stored);
  const { approval, claimId } = result;
  const message = `${subject} ${decisionText(approval)}`;
  try {
    await publishDecision(deps, approval, claimId);
    deps.logger.info({ ...ref, by, via, decision }, message);
    return { ok: true, approval, published: true, message };
  } catch (error) {
    // Decided and claimed: the claim expires and the scheduled call publishes it, once.
    deps.logger.warn(
      { ...ref, err: errorMessage(error) },
      `${message}; publishing failed, left to the scheduled call`,
    );
    const later = `${message}; not published yet (${errorMessage(error)}): the scheduled call publishes it within about two minutes`;
    return { ok: true, approval, published: false, message: later };
  }
}

function unknown(subject: string): DecideResult {
  return {
    ok: false,
    refusal: "unknown",
    message: `${subject}: no such action is held for approval (unknown incident, or the action was not held)`,
  };
}

function refused(
  subject: string,
  refusal: "unknown" | "already-decided" | "past-deadline",
  approval: ApprovalView,
): DecideResult {
  if (refusal === "unknown") return unknown(subject);
  if (refusal === "past-deadline") {
    const message = `${subject} can no longer be decided: its deadline passed at ${whenOf(approval.deadline)}, and on_timeout (${approval.onTimeout}) decides it`;
    return { ok: false, refusal, message, approval };
  }
  return { ok: false, refusal, message: `${subject} was already ${decisionText(approval)}`, approval };
}
