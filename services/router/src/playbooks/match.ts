// Compiling playbook `match` blocks into predicates over a parsed alert. Compiled once at start-up
// (globs to regular expressions), so matching 50 playbooks per alert stays cheap.
import {
  type ActionName,
  type FalcoAlert,
  isAbsent,
  type JsonValue,
  PRIORITIES,
  severityOf,
} from "@riposte/falco-event";
import { compileGlob, compileGlobs, type Glob } from "./glob.js";
import type { Comparison, FieldCondition, MatchSpec, PlaybookFile } from "./schema.js";

export interface PlaybookAction {
  action: ActionName;
  /** camelCase params exactly as written (validated), before defaults. */
  params: Record<string, unknown>;
}

export interface SafetyOverrides {
  protectedNamespaces?: string[];
  allowDaemonSetPods?: boolean;
  allowMirrorPods?: boolean;
}

export interface CompiledPlaybook {
  name: string;
  matches(alert: FalcoAlert): boolean;
  actions: readonly PlaybookAction[];
  dryRun: boolean;
  continue: boolean;
  safety?: SafetyOverrides;
}

type Predicate = (alert: FalcoAlert) => boolean;

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
    return {
      name: spec.name,
      matches: compileMatch(spec.match),
      actions: spec.actions,
      dryRun: spec.dry_run,
      continue: spec.continue,
      ...(Object.keys(safety).length > 0 ? { safety } : {}),
    };
  });
}

export function compileMatch(match: MatchSpec): Predicate {
  const predicates: Predicate[] = [];
  if (match.rules) {
    const rule = compileGlobs(match.rules);
    predicates.push((alert) => rule(alert.rule));
  }
  if (match.priority) {
    const { op, priority } = match.priority;
    const bound = severityOf(priority);
    // Severity counts down: Emergency is 0, so "at least Critical" means severity <= Critical's.
    predicates.push((alert) => compareSeverity(op, alert.severity, bound));
  }
  if (match.source) {
    const sources = new Set(match.source);
    predicates.push((alert) => alert.source !== undefined && sources.has(alert.source));
  }
  if (match.tags) {
    const { any_of: anyOf, all_of: allOf } = match.tags;
    if (anyOf) predicates.push((alert) => anyOf.some((tag) => alert.tags.includes(tag)));
    if (allOf) predicates.push((alert) => allOf.every((tag) => alert.tags.includes(tag)));
  }
  if (match.namespaces) {
    const include = match.namespaces.include ? compileGlobs(match.namespaces.include) : undefined;
    const exclude = match.namespaces.exclude ? compileGlobs(match.namespaces.exclude) : undefined;
    predicates.push((alert) => {
      const namespace = alert.target.namespace;
      if (include && (namespace === undefined || !include(namespace))) return false;
      return !(exclude && namespace !== undefined && exclude(namespace));
    });
  }
  if (match.cluster) {
    const cluster = compileGlobs(match.cluster);
    predicates.push((alert) => alert.target.cluster !== undefined && cluster(alert.target.cluster));
  }
  if (match.target && match.target !== "any") {
    const wanted = match.target;
    predicates.push((alert) => targetKind(alert) === wanted);
  }
  for (const [field, condition] of Object.entries(match.output_fields ?? {})) {
    const test = compileFieldCondition(condition);
    predicates.push((alert) =>
      test(Object.hasOwn(alert.outputFields, field) ? alert.outputFields[field] : undefined),
    );
  }
  return (alert) => predicates.every((predicate) => predicate(alert));
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
