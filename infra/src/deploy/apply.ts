// `riposte deploy plan --apply`: runs the plan's commands in order, skipping creations whose resource
// already exists, carrying captured values (service URLs, the project number) into later commands,
// and stopping at the first failure with the command that failed.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  argvOf,
  type CliCall,
  type DeployPlan,
  type FileDigest,
  IAM_RETRY_DELAYS_SECONDS,
  retriesOnPropagation,
  substitute,
} from "./commands.js";
import { sha256Of } from "./playbooks.js";
import { fileChangedMessage, preflightScript } from "./preflight.js";

export interface CommandResult {
  code: number;
  stdout: string;
}

export interface CommandRunner {
  /** Runs argv; `capture` returns stdout instead of showing it, `quiet` hides all output. */
  run(argv: readonly string[], options: { capture: boolean; quiet: boolean }): Promise<CommandResult>;
}

export class DeployApplyError extends Error {
  override readonly name = "DeployApplyError";
}

/** Runs commands as child processes in `cwd` (the repository root: `--source services/<name>` is relative). */
export function spawnRunner(cwd: string): CommandRunner {
  return {
    run: (argv, options) =>
      new Promise((resolve, reject) => {
        const [program, ...args] = argv;
        if (!program) return reject(new DeployApplyError("empty command"));
        const child = spawn(program, args, {
          cwd,
          stdio: [
            "inherit",
            options.capture || options.quiet ? "pipe" : "inherit",
            options.quiet ? "ignore" : "inherit",
          ],
        });
        let stdout = "";
        child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
        });
        child.once("error", (error) =>
          reject(
            new DeployApplyError(`cannot run ${program}: ${error.message} (is it installed and on PATH?)`),
          ),
        );
        child.once("close", (code) => resolve({ code: code ?? 1, stdout }));
      }),
  };
}

export interface ApplyReport {
  ran: number;
  skipped: number;
  variables: ReadonlyMap<string, string>;
}

export interface ApplyOptions {
  /** Waits between retries of an IAM grant (tests pass a fake clock). */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Re-reads a file the plan validated: stops the plan if it no longer holds what was validated. */
function assertFileUnchanged(file: FileDigest): void {
  let now: string | undefined;
  try {
    now = sha256Of(readFileSync(file.path));
  } catch {
    now = undefined;
  }
  if (now !== file.sha256) throw new DeployApplyError(fileChangedMessage(file.path));
}

export async function applyPlan(
  plan: DeployPlan,
  runner: CommandRunner,
  say: (line: string) => void,
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  const sleep = options.sleep ?? realSleep;
  // The script's own preflight, run by bash: one set of checks for both ways of deploying.
  say("# 0. Preflight");
  const preflight = await runner.run(["bash", "-c", preflightScript(plan.preflight).join("\n")], {
    capture: false,
    quiet: false,
  });
  if (preflight.code !== 0) {
    throw new DeployApplyError("preflight failed (see above): nothing was created or changed");
  }
  if (plan.todos.length > 0) {
    throw new DeployApplyError(
      `the plan still has values to supply: ${plan.todos
        .map((todo) => `${todo.service ? `${todo.service}: ` : ""}${todo.variable} (${todo.hint})`)
        .join("; ")}`,
    );
  }
  const variables = new Map<string, string>();
  const argv = (call: CliCall) => argvOf(call).map((word) => substitute(word, variables));
  let ran = 0;
  let skipped = 0;
  for (const [index, step] of plan.steps.entries()) {
    if (step.commands.length === 0) continue;
    say(`# ${index + 1}. ${step.title}`);
    for (const command of step.commands) {
      if (command.unless) {
        const printing = Boolean(command.unlessPrints);
        const check = await runner.run(argv(command.unless), { capture: printing, quiet: true });
        if (check.code === 0 && (!printing || check.stdout.trim() !== "")) {
          skipped += 1;
          say(`  exists, skipped: ${argv(command.call).join(" ")}`);
          continue;
        }
      }
      if (command.fileUnchanged) assertFileUnchanged(command.fileUnchanged);
      const words = argv(command.call);
      say(`  $ ${words.join(" ")}`);
      let result = await runner.run(words, { capture: Boolean(command.capture), quiet: false });
      if (retriesOnPropagation(command.call)) {
        for (const delay of IAM_RETRY_DELAYS_SECONDS) {
          if (result.code === 0) break;
          say(`  IAM may not know a new account yet: retrying in ${delay}s`);
          await sleep(delay * 1000);
          result = await runner.run(words, { capture: Boolean(command.capture), quiet: false });
        }
      }
      ran += 1;
      if (result.code !== 0) {
        throw new DeployApplyError(
          `step ${index + 1} (${step.title}) failed: \`${words.join(" ")}\` exited with code ${result.code}; fix the cause and run again (finished steps are skipped or repeated harmlessly)`,
        );
      }
      if (command.capture) {
        const value = result.stdout.trim();
        if (!value) {
          throw new DeployApplyError(
            `step ${index + 1} (${step.title}): \`${words.join(" ")}\` printed nothing for ${command.capture}`,
          );
        }
        variables.set(command.capture, value);
        say(`  ${command.capture}=${value}`);
      }
    }
  }
  return { ran, skipped, variables };
}
