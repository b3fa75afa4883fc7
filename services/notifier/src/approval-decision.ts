// A held action's decision as an outcome reports it: the console publishes an ActionOutcome (result
// `refused`) with `details.approval` when a person denied the action or its deadline abandoned it. The
// notifier reads it off the wire, so every field is checked here and escaped where it is shown.
import { type ActionOutcome, APPROVAL_STATES } from "@riposte/contracts";
import { z } from "zod";

/**
 * `by` and `via` are only bounded, not matched against the contracts' DeciderIdentity: a follow-up
 * saying "denied by <something odd>" (escaped) tells a person more than no follow-up at all.
 */
const ApprovalDecision = z.object({
  state: z.enum(APPROVAL_STATES).exclude(["awaiting-approval"]),
  by: z.string().min(1).max(300),
  via: z.string().min(1).max(40),
  at: z.string().max(60).optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** The decision an outcome reports, or undefined for an ordinary outcome (or a malformed one). */
export function approvalDecisionOf(outcome: ActionOutcome): ApprovalDecision | undefined {
  const parsed = ApprovalDecision.safeParse(outcome.details.approval);
  return parsed.success ? parsed.data : undefined;
}
