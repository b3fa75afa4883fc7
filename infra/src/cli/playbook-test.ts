// `riposte playbook test PLAYBOOKS.yaml CASES…`: a team's policy tested like code. Each case file holds
// an alert (inline, or a path relative to the case) and the decision expected of the router's own
// logic; one line per case, a diff under each failure, exit 1 when any case fails.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  ACTION_KINDS,
  Approver,
  durationMs,
  type FalcoAlert,
  ON_TIMEOUT,
  stringifyJsonLossless,
} from "@riposte/contracts";
import type { CompiledPlaybook } from "@riposte/router";
import { parseDocument } from "yaml";
import { z } from "zod";
import { parseCommandArgs, UsageError } from "./command.js";
import {
  DEFAULT_CLUSTER_FIELD,
  type DecisionOptions,
  describeApproval,
  type EffectiveCommand,
  type Evaluation,
  evaluate,
  InputError,
  type Lines,
  outcomeReason,
  parseAlert,
  readAlert,
  readPlaybooks,
  safeLines,
  showDuration,
  showValue,
} from "./playbook-eval.js";

export const playbookTestUsage = `Usage: riposte playbook test PLAYBOOKS.yaml CASE.yaml|DIR… [--json] [--cluster-field F] [--dry-run]

Runs each case's alert through PLAYBOOKS.yaml with the router's own decision and checks what the case
expects. A DIR stands for its *.yaml files (PLAYBOOKS.yaml itself is skipped). A case file:

  name: a shell in a shop pod is isolated          # optional; the file name otherwise
  alert: alerts/shell.json                         # a path relative to the case, or the alert inline
  expect:                                          # at least one of:
    matched: [isolate-shells]                      # playbooks that must match
    not_matched: [kill-critical-workload]          # playbooks that must not
    actions:                                       # exactly these actions ([] = none; or a list of names)
      isolate-pod: { params: { allow_dns: true }, dry_run: false }   # params listed are compared
      kill-pod: { after: [isolate-pod], wait: 60s }  # (defaults included); others are not; after: []
      notify: {}                                   # = runs at once
      taint-node: { approval: { timeout: 15m, on_timeout: abandon } }   # held for a person's approval,
                                                   # keys listed compared (also approvers; true: held,
                                                   # false: not held)

Exit 0 when every case passes, 1 otherwise.

Options:
  --json              one JSON document instead of lines
  --cluster-field F   output field naming the cluster, as the router's CLUSTER_FIELD (default cluster)
  --dry-run           decide as the router with DRY_RUN=true`;

const ACTION_NAMES = Object.keys(ACTION_KINDS) as [string, ...string[]];
const actionName = z.enum(ACTION_NAMES);
interface ExpectedAction {
  params?: Record<string, unknown>;
  dry_run?: boolean;
  after?: string[];
  wait?: string;
  approval?: boolean | ExpectedApproval;
}
interface ExpectedApproval {
  timeout?: string;
  on_timeout?: string;
  approvers?: string[];
}
const duration = z
  .string()
  .refine((text) => durationMs(text) !== undefined, { error: "expected a duration such as 60s or 2m" });
const approvalPolicy = z.strictObject({
  timeout: duration.optional(),
  on_timeout: z.enum(ON_TIMEOUT).optional(),
  // Normalised as the router's loader does: `alice@acme.com` is `user:alice@acme.com`.
  approvers: z.array(Approver).optional(),
});
/** true / false (held or not), or what is compared of the policy; a problem inside is named. */
const expectedApproval = z.unknown().transform((value, ctx): boolean | ExpectedApproval => {
  if (typeof value === "boolean") return value;
  const result = approvalPolicy.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});
const expectedAction = z
  .strictObject({
    params: z.record(z.string(), z.unknown()).optional(),
    dry_run: z.boolean().optional(),
    after: z.array(actionName).optional(),
    wait: duration.optional(),
    approval: expectedApproval.optional(),
  })
  .nullable()
  .transform((value): ExpectedAction => value ?? {});

const actionList = z
  .array(actionName)
  .transform((names) => Object.fromEntries(names.map((name): [string, ExpectedAction] => [name, {}])));
const actionMap = z.partialRecord(actionName, expectedAction);
/** A list of names or a mapping; chosen by shape, so a problem inside is named, not "Invalid input". */
const expectedActions = z.unknown().transform((value, ctx): Partial<Record<string, ExpectedAction>> => {
  const result = (Array.isArray(value) ? actionList : actionMap).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

const caseSchema = z.strictObject({
  name: z.string().min(1).optional(),
  alert: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: "expected the alert inline (a mapping) or a path to its JSON file",
  }),
  expect: z
    .strictObject({
      matched: z.array(z.string().min(1)).optional(),
      not_matched: z.array(z.string().min(1)).optional(),
      actions: expectedActions.optional(),
    })
    .refine((expect) => Object.keys(expect).length > 0, {
      message: "nothing to check: expect matched, not_matched or actions",
    }),
});
type Case = z.output<typeof caseSchema>;
type ExpectedActions = Partial<Record<string, ExpectedAction>>;

/** One difference between what a case expects and what was decided. */
export interface CaseFailure {
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface CaseResult {
  file: string;
  name: string;
  ok: boolean;
  failures: CaseFailure[];
  /** Why the case could not be run at all (invalid case, unreadable alert). */
  error?: string;
}

export async function playbookTest(
  args: string[],
  write: { out(text: string): void; err(text: string): void },
): Promise<number> {
  const { values, positionals } = parseCommandArgs({ usage: playbookTestUsage }, args, {
    json: { type: "boolean" },
    "cluster-field": { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (values.help) {
    write.out(playbookTestUsage);
    return 0;
  }
  const [playbooksFile, ...caseArgs] = positionals;
  if (!playbooksFile || caseArgs.length === 0) {
    throw new UsageError(`expected PLAYBOOKS.yaml and at least one case\n\n${playbookTestUsage}`);
  }
  const lines = safeLines(write);
  const options: DecisionOptions = {
    clusterField: values["cluster-field"] ?? DEFAULT_CLUSTER_FIELD,
    dryRun: Boolean(values["dry-run"]),
  };
  let playbooks: CompiledPlaybook[];
  let caseFiles: string[];
  try {
    playbooks = readPlaybooks(playbooksFile);
    caseFiles = expandCases(caseArgs, resolve(playbooksFile));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const line of error.message.split("\n")) lines.err(line);
    return 1;
  }
  const results = caseFiles.map((file) => runCase(file, playbooks, options));
  const failed = results.filter((result) => !result.ok).length;
  if (values.json) {
    const report = { ok: failed === 0, passed: results.length - failed, failed, cases: results };
    // One line, so every control character left is inside a string, where safeLines' \uXXXX is valid JSON.
    lines.out(stringifyJsonLossless(report));
  } else {
    for (const result of results) printResult(result, lines);
    lines.out(`${results.length - failed} passed, ${failed} failed`);
  }
  return failed === 0 ? 0 : 1;
}

/** Case files in argument order; a directory gives its YAML files by name, never the playbook file. */
function expandCases(args: readonly string[], playbooksPath: string): string[] {
  const files: string[] = [];
  for (const arg of args) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(arg).isDirectory();
    } catch (error) {
      throw new InputError(`cannot read ${arg}: ${(error as Error).message}`);
    }
    const found = isDirectory
      ? readdirSync(arg)
          .filter((name) => [".yaml", ".yml"].includes(extname(name)))
          .sort()
          .map((name) => join(arg, name))
      : [arg];
    files.push(...found.filter((file) => resolve(file) !== playbooksPath));
  }
  if (files.length === 0) throw new InputError(`no case files in ${args.join(" ")}`);
  return files;
}

function runCase(file: string, playbooks: readonly CompiledPlaybook[], options: DecisionOptions): CaseResult {
  let testCase: Case;
  let alert: FalcoAlert;
  try {
    testCase = readCase(file);
    alert = alertOf(testCase, file, options.clusterField);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { file, name: basename(file), ok: false, failures: [], error: error.message };
  }
  const failures = compare(testCase.expect, evaluate(alert, playbooks, options.dryRun), playbooks);
  return { file, name: testCase.name ?? basename(file), ok: failures.length === 0, failures };
}

function readCase(file: string): Case {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
  // Integers as bigints: an inline alert's 19-digit evt.time must reach the parser exactly.
  const doc = parseDocument(text, { intAsBigInt: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new InputError(`invalid YAML: ${doc.errors[0]?.message.split("\n")[0]}`);
  const raw = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  const expect = raw?.expect === undefined ? undefined : numbersOf(raw.expect);
  const result = caseSchema.safeParse(
    raw === null ? {} : { ...raw, ...(expect === undefined ? {} : { expect }) },
  );
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new InputError(`invalid case: ${where}${issue?.message}`);
  }
  return result.data;
}

/** Expected values compare with the command's numbers: a YAML bigint that fits becomes a number. */
function numbersOf(value: unknown): unknown {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(numbersOf);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, numbersOf(item)]));
  }
  return value;
}

function alertOf(testCase: Case, file: string, clusterField: string): FalcoAlert {
  if (typeof testCase.alert === "string")
    return readAlert(resolve(dirname(file), testCase.alert), clusterField);
  return parseAlert(stringifyJsonLossless(testCase.alert), clusterField, `${file}: alert`);
}

function compare(
  expect: Case["expect"],
  evaluation: Evaluation,
  playbooks: readonly CompiledPlaybook[],
): CaseFailure[] {
  const failures: CaseFailure[] = [];
  const known = new Set(playbooks.map((playbook) => playbook.name));
  for (const name of [...(expect.matched ?? []), ...(expect.not_matched ?? [])]) {
    if (!known.has(name))
      failures.push({ field: "playbooks", expected: name, actual: `no playbook named ${name}` });
  }
  for (const outcome of evaluation.outcomes) {
    if (expect.matched?.includes(outcome.playbook) && !outcome.matched) {
      const actual = `it does not: ${outcomeReason(outcome, playbooks)}`;
      failures.push({ field: "matched", expected: `${outcome.playbook} matches`, actual });
    }
    if (expect.not_matched?.includes(outcome.playbook) && outcome.matched) {
      failures.push({
        field: "not_matched",
        expected: `${outcome.playbook} does not match`,
        actual: "it matches",
      });
    }
  }
  if (expect.actions) failures.push(...compareActions(expect.actions, evaluation));
  return failures;
}

function compareActions(expected: ExpectedActions, evaluation: Evaluation): CaseFailure[] {
  const failures: CaseFailure[] = [];
  const wanted = Object.keys(expected).sort();
  const decided = evaluation.commands.map((command) => command.action).sort();
  if (!isDeepStrictEqual(wanted, decided))
    failures.push({ field: "actions", expected: wanted, actual: decided });
  // Params and dry-run only of the actions both sides have: a missing action is reported once, above.
  for (const command of evaluation.commands) {
    const want = expected[command.action];
    if (!want) continue;
    if (want.dry_run !== undefined && want.dry_run !== command.dryRun) {
      failures.push({ field: `${command.action}.dry_run`, expected: want.dry_run, actual: command.dryRun });
    }
    if (want.after !== undefined) {
      const after = [...(command.order?.after ?? [])].sort();
      if (!isDeepStrictEqual([...want.after].sort(), after))
        failures.push({ field: `${command.action}.after`, expected: [...want.after].sort(), actual: after });
    }
    if (want.wait !== undefined) {
      const waitSeconds = (durationMs(want.wait) ?? 0) / 1_000;
      if (command.order?.waitSeconds !== waitSeconds)
        failures.push({
          field: `${command.action}.wait`,
          expected: `${waitSeconds}s`,
          actual: command.order ? `${command.order.waitSeconds}s` : "none (runs at once)",
        });
    }
    if (want.approval !== undefined) failures.push(...compareApproval(command, want.approval));
    for (const [param, value] of Object.entries(want.params ?? {})) {
      const actual = command.params[param];
      if (!isDeepStrictEqual(value, actual)) {
        failures.push({
          field: `${command.action}.params.${param}`,
          expected: value,
          actual: actual ?? null,
        });
      }
    }
  }
  return failures;
}

function compareApproval(command: EffectiveCommand, want: boolean | ExpectedApproval): CaseFailure[] {
  const field = `${command.action}.approval`;
  const held = command.approval;
  if (!held)
    return want === false
      ? []
      : [{ field, expected: "held for approval", actual: "not held (runs at once)" }];
  if (want === false) return [{ field, expected: "not held (runs at once)", actual: describeApproval(held) }];
  if (want === true) return [];
  const failures: CaseFailure[] = [];
  if (want.timeout !== undefined && (durationMs(want.timeout) ?? 0) / 1_000 !== held.timeoutSeconds)
    failures.push({
      field: `${field}.timeout`,
      expected: want.timeout,
      actual: showDuration(held.timeoutSeconds),
    });
  if (want.on_timeout !== undefined && want.on_timeout !== held.onTimeout)
    failures.push({ field: `${field}.on_timeout`, expected: want.on_timeout, actual: held.onTimeout });
  if (want.approvers !== undefined) {
    const [expected, actual] = [[...new Set(want.approvers)].sort(), [...held.approvers].sort()];
    if (!isDeepStrictEqual(expected, actual))
      failures.push({ field: `${field}.approvers`, expected, actual });
  }
  return failures;
}

function printResult(result: CaseResult, lines: Lines): void {
  const label = `${basename(result.file)}: ${result.error ?? result.name}`;
  lines.out(`${result.ok ? "✓" : "✗"} ${label}`);
  for (const failure of result.failures) {
    lines.out(`    ${failure.field}`);
    lines.out(`      - expected: ${shown(failure.expected)}`);
    lines.out(`      + actual:   ${shown(failure.actual)}`);
  }
}

/** A list of names without brackets (`kill-pod, notify`); `(none)` when empty. */
function shown(value: unknown): string {
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return value.length > 0 ? value.join(", ") : "(none)";
  }
  if (value === null) return "(unset)";
  return showValue(value);
}
