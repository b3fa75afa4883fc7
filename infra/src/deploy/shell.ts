// The deploy plan as a bash script: what `riposte deploy plan` prints, runnable as it is from the
// repository root, and re-runnable (creations are guarded by a describe, grants are idempotent).
import type { CliCall, DeployPlan, PlanCommand } from "./commands.js";

const SAFE = /^[A-Za-z0-9_./:=@%+,^-]+$/;

/** One shell word: bare when safe, double-quoted when it refers to `${VARS}`, else single-quoted. */
export function shellWord(word: string): string {
  if (word !== "" && SAFE.test(word)) return word;
  if (/\$\{[A-Z][A-Z0-9_]*\}/.test(word)) {
    // Escape everything the shell would expand inside double quotes, except our own ${VARS}.
    const escaped = word.replace(/(["\\`])/g, "\\$1").replace(/\$(?!\{[A-Z][A-Z0-9_]*\})/g, "\\$");
    return `"${escaped}"`;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A call on one line when short, else one flag per continued line. */
function renderCall(call: CliCall, indent = ""): string {
  const words = [
    ...[call.program, ...call.path, ...call.positionals].map(shellWord),
    // `--name=value` with only the value quoted reads the way people write it.
    ...call.flags.map((flag) => (flag.length === 1 ? `--${flag[0]}` : `--${flag[0]}=${shellWord(flag[1])}`)),
  ];
  const oneLine = words.join(" ");
  if (oneLine.length + indent.length <= 100) return oneLine;
  const head = [call.program, ...call.path, ...call.positionals].length;
  return [words.slice(0, head).join(" "), ...words.slice(head).map((word) => `${indent}  ${word}`)].join(
    " \\\n",
  );
}

function renderCommand(command: PlanCommand): string {
  if (command.capture) return `${command.capture}="$(${renderCall(command.call)})"`;
  if (command.unless) {
    return `${renderCall(command.unless)} >/dev/null 2>&1 ||\n  ${renderCall(command.call, "  ")}`;
  }
  return renderCall(command.call);
}

export function renderPlan(plan: DeployPlan, invocation: string): string {
  const lines = [
    "#!/usr/bin/env bash",
    `# ${invocation}`,
    `# Deploys ${plan.services.join(", ")} to project ${plan.project}, region ${plan.region}.`,
    "# Derived from the service descriptors; run from the repository root, or let --apply run it.",
    "set -euo pipefail",
  ];
  if (plan.todos.length > 0) {
    lines.push(
      "",
      "# TODO before running: these values are not known yet (placeholders TODO-… and unset $-variables below)",
    );
    for (const todo of plan.todos) {
      lines.push(`#   ${todo.service ? `${todo.service}: ` : ""}${todo.variable} — ${todo.hint}`);
    }
  }
  plan.steps.forEach((step, index) => {
    if (step.commands.length === 0) return;
    lines.push("", `# ${index + 1}. ${step.title}: ${step.why}`);
    for (const command of step.commands) lines.push(renderCommand(command));
  });
  return `${lines.join("\n")}\n`;
}
