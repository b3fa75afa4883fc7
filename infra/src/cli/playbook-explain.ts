// `riposte playbook explain PLAYBOOKS.yaml ALERT`: why the router would do what it does with one alert —
// each playbook matched or not with the first condition that failed, then the commands with where
// each param came from. The words come from the router's matcher, the verdicts from its decide().
import type { FalcoAlert } from "@riposte/contracts";
import type { CompiledPlaybook } from "@riposte/router";
import { parseCommandArgs, UsageError } from "./command.js";
import {
  DEFAULT_CLUSTER_FIELD,
  describeAlert,
  describeApproval,
  type EffectiveCommand,
  type Evaluation,
  evaluate,
  InputError,
  type Lines,
  outcomeReason,
  readAlert,
  readPlaybooks,
  safeLines,
  showValue,
} from "./playbook-eval.js";

export const playbookExplainUsage = `Usage: riposte playbook explain PLAYBOOKS.yaml ALERT.json [--cluster-field F] [--dry-run]

For each playbook in PLAYBOOKS.yaml: matched (✓) or not (✗) with the first condition the alert failed,
or which playbook's continue: false stopped evaluation before it; then the commands the router would
publish, each param with the playbook it came from (or the action's default), the earlier actions each one
waits for (a playbook's after and wait), and the actions held for a person's approval (a playbook's
approval: the router does not publish them; the ledger keeps them until someone decides).

Options:
  --cluster-field F   output field naming the cluster, as the router's CLUSTER_FIELD (default cluster)
  --dry-run           decide as the router with DRY_RUN=true`;

export async function playbookExplain(
  args: string[],
  write: { out(text: string): void; err(text: string): void },
): Promise<number> {
  const { values, positionals } = parseCommandArgs({ usage: playbookExplainUsage }, args, {
    "cluster-field": { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (values.help) {
    write.out(playbookExplainUsage);
    return 0;
  }
  const [playbooksFile, alertFile, ...extra] = positionals;
  if (!playbooksFile || !alertFile || extra.length > 0) {
    throw new UsageError(`expected PLAYBOOKS.yaml and one ALERT file\n\n${playbookExplainUsage}`);
  }
  const lines = safeLines(write);
  try {
    const playbooks = readPlaybooks(playbooksFile);
    const alert = readAlert(alertFile, values["cluster-field"] ?? DEFAULT_CLUSTER_FIELD);
    const evaluation = evaluate(alert, playbooks, Boolean(values["dry-run"]));
    lines.out(`alert: ${alertHeading(alert)}`);
    printPlaybooks(evaluation, playbooks, lines);
    printCommands(evaluation.commands, lines);
    return 0;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const line of error.message.split("\n")) lines.err(line);
    return 1;
  }
}

function alertHeading(alert: FalcoAlert): string {
  return `${describeAlert(alert)}${alert.source ? `, source ${alert.source}` : ""}, incident ${alert.incidentKey}`;
}

function printPlaybooks(evaluation: Evaluation, playbooks: readonly CompiledPlaybook[], lines: Lines): void {
  const width = Math.max(...evaluation.outcomes.map((outcome) => outcome.playbook.length));
  lines.out("playbooks (in file order):");
  for (const outcome of evaluation.outcomes) {
    const reason = outcomeReason(outcome, playbooks);
    const mark = outcome.matched ? "✓" : "✗";
    lines.out(`  ${mark} ${outcome.playbook.padEnd(width)}  ${reason ?? ""}`.trimEnd());
  }
}

function printCommands(commands: readonly EffectiveCommand[], lines: Lines): void {
  if (commands.length === 0) {
    lines.out("commands: none (no playbook matched)");
    return;
  }
  lines.out("commands:");
  for (const command of commands) {
    const trials =
      command.trialPlaybooks.length > 0
        ? `; trial playbooks left out of its params: ${command.trialPlaybooks.join(", ")}`
        : "";
    lines.out(
      `  ${command.action} (${command.dryRun ? "dry-run" : "live"}), asked by ${command.playbooks.join(", ")}${trials}`,
    );
    if (command.approval) lines.out(`      ${describeApproval(command.approval)}`);
    if (command.order)
      lines.out(
        `      after ${command.order.after.join(", ")}, or ${command.order.waitSeconds} s after the alert at the latest`,
      );
    const params = Object.entries(command.params).map(([key, value]) => `${key}: ${showValue(value)}`);
    const width = Math.max(0, ...params.map((param) => param.length));
    Object.keys(command.params).forEach((key, index) => {
      const from = command.paramsFrom[key] ?? [];
      const origin = from.length > 0 ? `from ${from.join(", ")}` : "default";
      lines.out(`      ${(params[index] ?? "").padEnd(width)}    ${origin}`);
    });
    if (params.length === 0) lines.out("      (no params)");
  }
}
