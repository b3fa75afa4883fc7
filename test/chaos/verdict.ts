// What makes a chaos run fail, written once for the vitest test and the `npm run test:chaos` script.
import type { ChaosReport } from "./run.js";

/**
 * The share of an action's commands that may end in a dead-letter queue. Every fault of the chaos
 * schedule is transient and shorter than the retries' span (≥ 10 minutes; in the emulator up to 100
 * attempts about 1 s apart), so a dead letter is an action lost to a retry policy that gave up too
 * soon, not the cost of the chaos; the 1 % leaves room for the emulator, not for a lost kill storm.
 */
export const DEAD_LETTER_BUDGET = 0.01;

export type VerdictInput = Pick<
  ChaosReport,
  | "ledger"
  | "doubled"
  | "followUpDeadLetters"
  | "quarantined"
  | "invalidOutcomes"
  | "restartFailures"
  | "quiescence"
>;

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

/** Every reason the run does not prove "nothing lost, nothing harmed"; empty when it does. */
export function problemsOf(report: VerdictInput): string[] {
  const problems: string[] = [];
  const { ledger, doubled } = report;
  // Per action: a run that loses most taints must not hide behind thousands of notifications.
  for (const row of [...ledger.rows, ledger.total]) {
    if (row.expected > 0 && row.deadLettered > DEAD_LETTER_BUDGET * row.expected) {
      problems.push(
        `${row.action}: ${row.deadLettered} of ${row.expected} commands (${percent(row.deadLettered, row.expected)}) dead-lettered, more than ${DEAD_LETTER_BUDGET * 100} %`,
      );
    }
  }
  const outcomes = ledger.total.withOutcome;
  if (report.followUpDeadLetters > DEAD_LETTER_BUDGET * Math.max(outcomes, 1)) {
    problems.push(
      `${report.followUpDeadLetters} outcome(s) dead-lettered by the notifier's or scc-exporter's follow-up, more than ${DEAD_LETTER_BUDGET * 100} % of ${outcomes} pairs with an outcome`,
    );
  }
  if (ledger.total.unaccounted > 0) {
    const sample = ledger.unaccounted
      .slice(0, 5)
      .map((pair) => `${pair.incident} ${pair.action}`)
      .join(", ");
    problems.push(
      `${ledger.total.unaccounted} pair(s) unaccounted after ${report.quiescence}, e.g. ${sample}`,
    );
  }
  for (const [pod, count] of Object.entries(doubled.podsDeletedTwice)) {
    problems.push(`pod ${pod} deleted ${count} times`);
  }
  for (const [node, count] of Object.entries(doubled.nodesPatchedTwice)) {
    problems.push(`node ${node} taint-patched ${count} times`);
  }
  for (const [node, count] of Object.entries(doubled.nodesTaintedTwice)) {
    problems.push(`node ${node} carries Riposte's taint ${count} times`);
  }
  if (!doubled.requestLogComplete) {
    problems.push("the cluster's request log overflowed: doubled actions cannot be ruled out");
  }
  if (ledger.unexpectedOutcomes.length > 0) {
    const sample = ledger.unexpectedOutcomes
      .slice(0, 3)
      .map((o) => `${o.incident} ${o.action} ${o.result}`)
      .join(", ");
    problems.push(
      `${ledger.unexpectedOutcomes.length} outcome(s) for pairs no playbook asked for, e.g. ${sample}`,
    );
  }
  if (ledger.unexpectedDeadLetters.length > 0) {
    problems.push(`${ledger.unexpectedDeadLetters.length} dead letter(s) for pairs no playbook asked for`);
  }
  for (const invalid of report.invalidOutcomes.slice(0, 5)) problems.push(`invalid message: ${invalid}`);
  if (report.quarantined.length > 0) {
    problems.push(`${report.quarantined.length} valid message(s) quarantined, e.g. ${report.quarantined[0]}`);
  }
  for (const failure of report.restartFailures) problems.push(`restart failed: ${failure}`);
  return problems;
}
