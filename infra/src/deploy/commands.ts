// A deploy command as data: which program, which gcloud command group, which positionals and flags.
// Keeping the command path apart from its arguments is what lets the flag check ask the installed
// gcloud about exactly that command, and lets the same value be printed as shell or run directly.
import type { Preflight } from "./preflight.js";

/** `[name]` for a boolean flag (`--cpu-boost`), `[name, value]` for `--name=value`. */
export type Flag = readonly [name: string] | readonly [name: string, value: string];

export interface CliCall {
  program: "gcloud" | "npm" | "npx" | "kubectl";
  /** The command itself, e.g. ["run", "deploy"] for gcloud or ["apply"] for kubectl. */
  path: readonly string[];
  positionals: readonly string[];
  flags: readonly Flag[];
}

export interface PlanCommand {
  call: CliCall;
  /** Skip `call` when this succeeds: it finds the resource already there (re-runs are safe). */
  unless?: CliCall;
  /** Keep the trimmed output in this variable; later values refer to it as `${NAME}`. */
  capture?: string;
}

export interface PlanStep {
  title: string;
  /** Why this step exists, printed above its commands. */
  why: string;
  commands: PlanCommand[];
}

/** Something the operator must supply before the plan can run. */
export interface PlanTodo {
  /** The service that needs it, or undefined for the whole plan (e.g. the organization id). */
  service?: string;
  variable: string;
  /** How to get the value and how to pass it. */
  hint: string;
}

export interface DeployPlan {
  project: string;
  region: string;
  services: string[];
  /** Checked before any step runs; nothing changes unless every check passes. */
  preflight: Preflight;
  steps: PlanStep[];
  todos: PlanTodo[];
  /** What the operator should know or do outside the plan (printed at the top of the script). */
  notes: string[];
}

/**
 * A new service account is not known to IAM everywhere at once: a grant naming it can fail for a
 * minute or so ("does not exist"). Every IAM grant of the plan follows an account creation, so every
 * grant is retried after these delays (155 s in all) before the plan gives up.
 */
export const IAM_RETRY_DELAYS_SECONDS: readonly number[] = [5, 10, 20, 40, 80];

export function retriesOnPropagation(call: CliCall): boolean {
  return call.program === "gcloud" && call.path.at(-1) === "add-iam-policy-binding";
}

export function gcloud(
  path: readonly string[],
  positionals: readonly string[],
  flags: readonly Flag[],
): CliCall {
  return { program: "gcloud", path, positionals, flags };
}

export function argvOf(call: CliCall): string[] {
  return [
    call.program,
    ...call.path,
    ...call.positionals,
    ...call.flags.map((flag) => (flag.length === 1 ? `--${flag[0]}` : `--${flag[0]}=${flag[1]}`)),
  ];
}

/** Every call of the plan, `unless` checks included, in order. */
export function planCalls(plan: DeployPlan): CliCall[] {
  return plan.steps.flatMap((step) =>
    step.commands.flatMap((command) => (command.unless ? [command.unless, command.call] : [command.call])),
  );
}

const VARIABLE = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/** A reference to a plan variable inside a value: `${NAME}` (bound by a capture, or a TODO). */
export function planVariable(name: string): string {
  return `\${${name}}`;
}

/** The `${NAME}` variables a value refers to. */
export function variablesIn(value: string): string[] {
  return [...value.matchAll(VARIABLE)].map((match) => match[1] as string);
}

export class UnboundVariableError extends Error {
  override readonly name = "UnboundVariableError";
}

/** Replaces `${NAME}` with captured values; throws naming the first variable not captured yet. */
export function substitute(value: string, variables: ReadonlyMap<string, string>): string {
  return value.replace(VARIABLE, (_whole, name: string) => {
    const bound = variables.get(name);
    if (bound === undefined)
      throw new UnboundVariableError(`\${${name}} is used before a command captured it`);
    return bound;
  });
}
