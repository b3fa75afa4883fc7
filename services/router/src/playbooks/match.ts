// Compiling playbook `match` blocks into predicates over a parsed alert. Compiled once at start-up
// (globs to regular expressions), so matching 50 playbooks per alert stays cheap.
import {
  type ActionName,
  type ApprovalPolicy,
  type FalcoAlert,
  isAbsent,
  type JsonValue,
  PRIORITIES,
  type Priority,
  severityOf,
} from "@riposte/contracts";
import { compileGlob, compileGlobs, type Glob } from "./glob.js";
import type { Comparison, FieldCondition, MatchSpec, PlaybookFile } from "./schema.js";

export interface PlaybookAction {
  action: ActionName;
  /** camelCase params exactly as written (validated), before defaults. */
  params: Record<string, unknown>;
  /** An earlier action of the same playbook this one runs after, for at most `waitMs`. */
  after?: ActionName;
  waitMs?: number;
  /** Held until a person approves it: its own `approval:`, or its playbook's. */
  approval?: ApprovalPolicy;
}

export interface SafetyOverrides {
  protectedNamespaces?: string[];
  allowDaemonSetPods?: boolean;
  allowMirrorPods?: boolean;
}

export interface CompiledPlaybook {
  name: string;
  matches(alert: FalcoAlert): boolean;
  /** Why the alert does not match: the first condition it fails, in words; undefined when it matches. */
  explain(alert: FalcoAlert): FailedCondition | undefined;
  actions: readonly PlaybookAction[];
  dryRun: boolean;
  continue: boolean;
  safety?: SafetyOverrides;
}

export interface FailedCondition {
  /** The match key: `priority`, `namespaces.exclude`, `output_fields.proc.name`, … */
  condition: string;
  /** e.g. `priority Notice < Critical`; alert text in it is as received (escape it before display). */
  reason: string;
}

export interface CompiledMatch {
  matches(alert: FalcoAlert): boolean;
  explain(alert: FalcoAlert): FailedCondition | undefined;
}

/** One condition of a match block: its test, and why an alert fails it (worded only when asked). */
interface Condition {
  name: string;
  test(alert: FalcoAlert): boolean;
  whyNot(alert: FalcoAlert): string;
}

export function compilePlaybooks(file: PlaybookFile): CompiledPlaybook[] {
  return file.playbooks.map((spec) => {
    // A playbook's excluded namespaces protect them from its actions too: the alert may not name a
    // namespace, and the actioner may find the pod there by its container id.
    const protectedNamespaces = [
      ...(spec.safety?.protected_namespaces ?? []),
      ...(spec.match.namespaces?.exclude ?? []),
    ];
    const safety: SafetyOverrides = {
      ...(protectedNamespaces.length > 0 ? { protectedNamespaces } : {}),
      ...(spec.safety?.allow_daemonset_pods !== undefined
        ? { allowDaemonSetPods: spec.safety.allow_daemonset_pods }
        : {}),
      ...(spec.safety?.allow_mirror_pods !== undefined
        ? { allowMirrorPods: spec.safety.allow_mirror_pods }
        : {}),
    };
    const { matches, explain } = compileMatch(spec.match);
    return {
      name: spec.name,
      matches,
      explain,
      actions: spec.actions,
      dryRun: spec.dry_run,
      continue: spec.continue,
      ...(Object.keys(safety).length > 0 ? { safety } : {}),
    };
  });
}

/**
 * Deciding and explaining share one path: both take the first condition the alert fails, so what
 * `explain` says is what `matches` decided. Only `explain` puts it into words.
 */
export function compileMatch(match: MatchSpec): CompiledMatch {
  const conditions = compileConditions(match);
  const firstFailing = (alert: FalcoAlert) => conditions.find((condition) => !condition.test(alert));
  return {
    matches: (alert) => firstFailing(alert) === undefined,
    explain: (alert) => {
      const failed = firstFailing(alert);
      return failed && { condition: failed.name, reason: failed.whyNot(alert) };
    },
  };
}

const listed = (values: readonly unknown[]) => values.map(String).join(", ");

function compileConditions(match: MatchSpec): Condition[] {
  const conditions: Condition[] = [];
  if (match.rules) {
    const rules = match.rules;
    const rule = compileGlobs(rules);
    conditions.push({
      name: "rules",
      test: (alert) => rule(alert.rule),
      whyNot: (alert) => `rule ${JSON.stringify(alert.rule)} is none of: ${listed(rules)}`,
    });
  }
  if (match.priority) conditions.push(priorityCondition(match.priority.op, match.priority.priority));
  if (match.source) {
    const wanted = match.source;
    const sources = new Set(wanted);
    conditions.push({
      name: "source",
      test: (alert) => alert.source !== undefined && sources.has(alert.source),
      whyNot: (alert) =>
        alert.source === undefined
          ? `no source in the alert (wanted: ${listed(wanted)})`
          : `source ${alert.source}, not one of: ${listed(wanted)}`,
    });
  }
  if (match.tags) {
    const { any_of: anyOf, all_of: allOf } = match.tags;
    if (anyOf) {
      conditions.push({
        name: "tags.any_of",
        test: (alert) => anyOf.some((tag) => alert.tags.includes(tag)),
        whyNot: () => `no tag among: ${listed(anyOf)}`,
      });
    }
    if (allOf) {
      conditions.push({
        name: "tags.all_of",
        test: (alert) => allOf.every((tag) => alert.tags.includes(tag)),
        whyNot: (alert) => `tag ${listed(allOf.filter((tag) => !alert.tags.includes(tag)))} missing`,
      });
    }
  }
  conditions.push(...namespaceConditions(match.namespaces ?? {}));
  if (match.cluster) {
    const wanted = match.cluster;
    const cluster = compileGlobs(wanted);
    conditions.push({
      name: "cluster",
      test: (alert) => alert.target.cluster !== undefined && cluster(alert.target.cluster),
      whyNot: (alert) =>
        alert.target.cluster === undefined
          ? `no cluster in the alert (wanted: ${listed(wanted)})`
          : `cluster ${alert.target.cluster}, not one of: ${listed(wanted)}`,
    });
  }
  if (match.target && match.target !== "any") {
    const wanted = match.target;
    conditions.push({
      name: "target",
      test: (alert) => targetKind(alert) === wanted,
      whyNot: (alert) => `target ${targetKind(alert)}, not ${wanted}`,
    });
  }
  for (const [field, condition] of Object.entries(match.output_fields ?? {})) {
    const test = compileFieldCondition(condition);
    const fieldOf = (alert: FalcoAlert) =>
      Object.hasOwn(alert.outputFields, field) ? alert.outputFields[field] : undefined;
    conditions.push({
      name: `output_fields.${field}`,
      test: (alert) => test(fieldOf(alert)),
      whyNot: (alert) => fieldMismatch(field, condition, fieldOf(alert)),
    });
  }
  return conditions;
}

function priorityCondition(op: Comparison, priority: Priority): Condition {
  const bound = severityOf(priority);
  return {
    name: "priority",
    // Severity counts down: Emergency is 0, so "at least Critical" means severity <= Critical's.
    test: (alert) => compareSeverity(op, alert.severity, bound),
    whyNot: (alert) => {
      if (op === "!=") return `priority ${alert.priority}, excluded by != ${priority}`;
      const relation = alert.severity > bound ? "<" : alert.severity < bound ? ">" : "==";
      return `priority ${alert.priority} ${relation} ${priority}`;
    },
  };
}

function namespaceConditions(namespaces: NonNullable<MatchSpec["namespaces"]>): Condition[] {
  const conditions: Condition[] = [];
  const { include, exclude } = namespaces;
  if (include) {
    const included = compileGlobs(include);
    conditions.push({
      name: "namespaces.include",
      test: (alert) => alert.target.namespace !== undefined && included(alert.target.namespace),
      whyNot: (alert) =>
        alert.target.namespace === undefined
          ? `no namespace in the alert (include: ${listed(include)})`
          : `namespace ${alert.target.namespace} not included (${listed(include)})`,
    });
  }
  if (exclude) {
    const excluded = compileGlobs(exclude);
    // No namespace known: nothing to exclude.
    conditions.push({
      name: "namespaces.exclude",
      test: (alert) => alert.target.namespace === undefined || !excluded(alert.target.namespace),
      whyNot: (alert) => `namespace ${alert.target.namespace} excluded (${listed(exclude)})`,
    });
  }
  return conditions;
}

/**
 * True when the match is `any: true` or no condition of it selects alerts (see selectingConditions):
 * with a destructive action that would act on (nearly) every alert in the cluster.
 */
export function matchesEveryAlert(match: MatchSpec): boolean {
  return match.any === true || selectingConditions(match).length === 0;
}

/**
 * The conditions that select alerts: those an alert can fail. Not counted: `target: any`, a priority
 * every priority satisfies (`>= Debug`), a rule glob of `*` and `?` alone (rule names are never empty,
 * so `?*` matches all of them), and exclusions — `namespaces.exclude` and an output field's
 * `exists: false` only leave alerts out, and a typo in them (`kube-sytem`, `k8s.ns.nmae`) leaves every
 * alert in.
 */
export function selectingConditions(match: MatchSpec): string[] {
  const selecting: string[] = [];
  const wildcardOnly = (rule: string) => /^[*?]*\*[*?]*$/.test(rule);
  if (match.rules && !match.rules.some(wildcardOnly)) selecting.push("rules");
  if (match.priority) {
    const bound = severityOf(match.priority.priority);
    const op = match.priority.op;
    if (!PRIORITIES.every((each) => compareSeverity(op, severityOf(each), bound))) selecting.push("priority");
  }
  if (match.source) selecting.push("source");
  if (match.tags) selecting.push("tags");
  if (match.namespaces?.include) selecting.push("namespaces.include");
  if (match.cluster) selecting.push("cluster");
  if (match.target && match.target !== "any") selecting.push("target");
  for (const [field, condition] of Object.entries(match.output_fields ?? {})) {
    if (!("exists" in condition) || condition.exists) selecting.push(`output_fields.${field}`);
  }
  return selecting;
}

function compareSeverity(op: Comparison, severity: number, bound: number): boolean {
  switch (op) {
    case ">=":
      return severity <= bound;
    case ">":
      return severity < bound;
    case "<=":
      return severity >= bound;
    case "<":
      return severity > bound;
    case "==":
      return severity === bound;
    case "!=":
      return severity !== bound;
  }
}

/** What the alert is about: a workload (pod or container), the node itself, or nothing actionable. */
export function targetKind(alert: FalcoAlert): "container" | "host" | "none" {
  const { pod, podUid, containerId } = alert.target;
  if (pod !== undefined || podUid !== undefined || (containerId !== undefined && containerId !== "host")) {
    return "container";
  }
  return containerId === "host" ? "host" : "none";
}

/** Field values compare by their text, so `proc.pid: 42` in YAML matches the integer 42 or a bigint. */
function fieldText(value: JsonValue): string | undefined {
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  ) {
    return String(value);
  }
  return undefined;
}

function compileFieldCondition(condition: FieldCondition): (value: JsonValue | undefined) => boolean {
  if ("exists" in condition) {
    return (value) => (value !== undefined && !isAbsent(value)) === condition.exists;
  }
  let test: (text: string) => boolean;
  if ("equals" in condition) {
    const expected = String(condition.equals);
    test = (text) => text === expected;
  } else if ("glob" in condition) {
    const glob: Glob = compileGlob(condition.glob);
    test = glob;
  } else {
    const allowed = new Set(condition.in.map(String));
    test = (text) => allowed.has(text);
  }
  return (value) => {
    if (value === undefined || isAbsent(value)) return false;
    // A list field (e.g. ka.user.groups) matches when any element does.
    if (Array.isArray(value))
      return value.some((item) => {
        const text = fieldText(item);
        return text !== undefined && test(text);
      });
    const text = fieldText(value);
    return text !== undefined && test(text);
  };
}

function fieldMismatch(field: string, condition: FieldCondition, value: JsonValue | undefined): string {
  const present = value !== undefined && !isAbsent(value);
  const shown = present ? (Array.isArray(value) ? `[${value.map(String).join(", ")}]` : String(value)) : "";
  if ("exists" in condition) return present ? `${field} present (${shown})` : `${field} absent`;
  if (!present) return `${field} absent`;
  if ("equals" in condition) return `${field} ${shown}, not equal to ${String(condition.equals)}`;
  if ("glob" in condition) return `${field} ${shown}, does not match ${condition.glob}`;
  return `${field} ${shown}, not one of: ${listed(condition.in)}`;
}
