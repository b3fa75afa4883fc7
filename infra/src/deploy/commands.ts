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
  /**
   * With `unless`: it must also print something to skip `call` — a describe narrowed by --format to
   * the part `call` adds (e.g. a backend service's backends), for calls that fail when repeated.
   */
  unlessPrints?: boolean;
  /** Keep the trimmed output in this variable; later values refer to it as `${NAME}`. */
  capture?: string;
  /** Run `call` only while this file holds what was validated when the plan was made. */
  fileUnchanged?: FileDigest;
}

/** A file as it was validated: the script and --apply refuse to use it once its sha256 differs. */
export interface FileDigest {
  path: string;
  sha256: string;
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

/**
 * A plan variable is `${NAME}` followed by a NUL: no argv, environment value or file name can hold a
 * NUL, so no value an operator gives can forge one (deployPlan also refuses it). A user's literal
 * `${HOME}` is therefore text: the script single-quotes it and --apply passes it as it is.
 */
const MARK = "\u0000";
// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL after `}` is the plan variable's mark.
const VARIABLE = /\$\{([A-Z][A-Z0-9_]*)\}\u0000/g;

/** A reference to a plan variable inside a value (bound by a capture, or a TODO): the only way to make one. */
export function planVariable(name: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`not a plan variable name: ${JSON.stringify(name)}`);
  return `\${${name}}${MARK}`;
}

/** The plan variables a value refers to. */
export function variablesIn(value: string): string[] {
  return [...value.matchAll(VARIABLE)].map((match) => match[1] as string);
}

/** A value cut into its literal text and its plan variables, in order (literal parts may be ""). */
export function wordParts(value: string): { literals: string[]; variables: string[] } {
  const parts = value.split(VARIABLE);
  return {
    literals: parts.filter((_, index) => index % 2 === 0),
    variables: parts.filter((_, index) => index % 2 === 1),
  };
}

/** Whether a value holds a NUL, the mark of a plan variable (user values may not). */
export function holdsPlanMark(value: string): boolean {
  return value.includes(MARK);
}

export class UnboundVariableError extends Error {
  override readonly name = "UnboundVariableError";
}

/** Replaces plan variables with captured values; throws naming the first variable not captured yet. */
export function substitute(value: string, variables: ReadonlyMap<string, string>): string {
  return value.replace(VARIABLE, (_whole, name: string) => {
    const bound = variables.get(name);
    if (bound === undefined)
      throw new UnboundVariableError(`\${${name}} is used before a command captured it`);
    return bound;
  });
}
