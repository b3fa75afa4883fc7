// What storm control must never hide: an alert more serious than the one announced for its group, an
// incident for which something destructive was done to the cluster, an announcement asking a person to
// decide on a held action, and that decision (README "Storm control").
import {
  type ActionOutcome,
  type NotifyCommand,
  PRIORITIES,
  type Priority,
  severityOf,
} from "@riposte/contracts";
import { approvalDecisionOf } from "./approval-decision.js";

/**
 * Actions that change the cluster. Their incident is always announced in full: a follow-up such as
 * "kill-pod done" must never refer to an incident nobody was told about.
 */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<string> = new Set(["kill-pod", "isolate-pod", "taint-node"]);

/** Higher for more severe priorities (Debug 0 … Emergency 7): the storm windows' rank. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.length - 1 - severityOf(priority);
}

/** The priority of a rank from priorityRank. */
export function priorityOfRank(rank: number): Priority | undefined {
  return PRIORITIES[PRIORITIES.length - 1 - rank];
}

/** True when the outcome reports a destructive action actually attempted (not a dry run). */
export function isDestructiveOutcome(outcome: ActionOutcome): boolean {
  return DESTRUCTIVE_ACTIONS.has(outcome.action) && outcome.result !== "dry-run";
}

/** "kill-pod done": how a storm summary counts the actions taken for the alerts it held back. */
export function actionLabel(outcome: ActionOutcome): string {
  return `${outcome.action} ${outcome.result}`;
}

/**
 * True when the command's incident has actions held for approval: its announcement carries the
 * Approve / Deny buttons, so it is never held back for a summary (nobody could decide in time).
 */
export function asksForDecision(command: NotifyCommand): boolean {
  return (command.awaitingApproval?.length ?? 0) > 0;
}

/** True when the outcome reports a held action's decision (denied, abandoned): followed up at once. */
export function isDecisionOutcome(outcome: ActionOutcome): boolean {
  return approvalDecisionOf(outcome) !== undefined;
}
