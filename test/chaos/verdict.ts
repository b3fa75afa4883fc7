// What makes a chaos run fail, written once for the vitest test and the `npm run test:chaos` script.
import type { ChaosReport } from "./run.js";

/** Every reason the run does not prove "nothing lost, nothing harmed"; empty when it does. */
export function problemsOf(report: ChaosReport): string[] {
  const problems: string[] = [];
  const { ledger, doubled } = report;
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
