// The deploy plan as a bash script: what `riposte deploy plan` prints, runnable as it is from the
// repository root, and re-runnable (creations are guarded by a describe, grants are idempotent).
import { literalWord, renderCall, shellWord } from "./bash.js";
import {
  type DeployPlan,
  IAM_RETRY_DELAYS_SECONDS,
  type PlanCommand,
  retriesOnPropagation,
} from "./commands.js";
import { fileChangedMessage, fileUnchangedTest, preflightScript } from "./preflight.js";

export { shellWord };

function renderCommand(command: PlanCommand): string {
  const { fileUnchanged, ...rest } = command;
  if (fileUnchanged) {
    // Checked again right before use: the preflight ran minutes earlier.
    const stop = `{ echo ${literalWord(fileChangedMessage(fileUnchanged.path))} >&2; exit 1; }`;
    return `${fileUnchangedTest(fileUnchanged)} || ${stop}\n${renderCommand(rest)}`;
  }
  if (command.capture) return `${command.capture}="$(${renderCall(command.call)})"`;
  if (command.unless && command.unlessPrints) {
    return `[ -n "$(${renderCall(command.unless)} 2>/dev/null)" ] ||\n  ${renderCall(command.call, "  ")}`;
  }
  if (command.unless) {
    return `${renderCall(command.unless)} >/dev/null 2>&1 ||\n  ${renderCall(command.call, "  ")}`;
  }
  return `${retriesOnPropagation(command.call) ? "retry_iam " : ""}${renderCall(command.call)}`;
}

/** retry_iam CMD…: runs CMD, and again after each of IAM_RETRY_DELAYS_SECONDS while it fails. */
function retryFunction(): string[] {
  return [
    "# A grant naming a service account created moments ago can fail until IAM knows the account.",
    "retry_iam() {",
    `  for delay in ${IAM_RETRY_DELAYS_SECONDS.join(" ")}; do`,
    '    "$@" && return 0',
    '    echo "IAM may not know a new account yet: retrying in $delay seconds" >&2',
    '    sleep "$delay"',
    "  done",
    '  "$@"',
    "}",
  ];
}

/**
 * Comment text on one line: a newline would end the comment and make the rest a command, so control
 * characters (and the Unicode line separators) are shown escaped, the way JSON writes them.
 */
export function commentText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) =>
    char === "\n"
      ? "\\n"
      : char === "\r"
        ? "\\r"
        : char === "\t"
          ? "\\t"
          : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function renderPlan(plan: DeployPlan, invocation: string): string {
  const comment = (text: string) => `# ${commentText(text)}`;
  const lines = [
    "#!/usr/bin/env bash",
    comment(invocation),
    comment(`Deploys ${plan.services.join(", ")} to project ${plan.project}, region ${plan.region}.`),
    "# Derived from the service descriptors; run from the repository root, or let --apply run it.",
    "set -euo pipefail",
  ];
  if (plan.todos.length > 0) {
    lines.push(
      "",
      "# TODO before running: these values are not known yet (the preflight stops until the plan has them)",
    );
    for (const todo of plan.todos) {
      lines.push(comment(`  ${todo.service ? `${todo.service}: ` : ""}${todo.variable} — ${todo.hint}`));
    }
  }
  if (plan.notes.length > 0) {
    lines.push("", "# TODO outside the plan:");
    for (const note of plan.notes) lines.push(comment(`  ${note}`));
  }
  lines.push(
    "",
    "# 0. Preflight: nothing is created or changed unless every check passes (the same checks as --apply)",
    ...preflightScript(plan.preflight),
    "",
    ...retryFunction(),
  );
  plan.steps.forEach((step, index) => {
    if (step.commands.length === 0) return;
    lines.push("", comment(`${index + 1}. ${step.title}: ${step.why}`));
    for (const command of step.commands) lines.push(renderCommand(command));
  });
  return `${lines.join("\n")}\n`;
}
