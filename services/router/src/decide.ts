// The routing decision: which playbooks match an alert, and the one command per action they ask for.
//
// Precedence when several matching playbooks ask for the same action (documented in the README):
// - playbooks are evaluated in file order; `continue: false` stops evaluation after that playbook;
// - params: the earliest playbook that sets a param wins; later ones only fill in params left unset;
//   notify `destinations` are the union, in order;
// - dry run: the action runs for real if any requesting playbook is not dry-run (a playbook being
//   trialled in dry-run must not disarm an established one); the global DRY_RUN forces dry-run;
// - safety overrides: the strictest wins. Protected namespaces are the union (a playbook's
//   `namespaces.exclude` counts as protection for its actions); DaemonSet and mirror pods are allowed
//   only if every requesting playbook allows them (a trial playbook cannot loosen a live action).
import {
  ACTION_KINDS,
  type ActionName,
  type Command,
  commandSchemaFor,
  type FalcoAlert,
  KillPodCommand,
  summarizeAlert,
} from "@riposte/falco-event";
import type { CompiledPlaybook, SafetyOverrides } from "./playbooks/match.js";

export interface PlannedAction {
  action: ActionName;
  params: Record<string, unknown>;
  dryRun: boolean;
  playbooks: string[];
  safety?: SafetyOverrides;
}

export interface RoutingDecision {
  matched: string[];
  actions: PlannedAction[];
}

export function decide(
  alert: FalcoAlert,
  playbooks: readonly CompiledPlaybook[],
  globalDryRun = false,
): RoutingDecision {
  const matched: string[] = [];
  const planned = new Map<ActionName, PlannedAction>();
  for (const playbook of playbooks) {
    if (!playbook.matches(alert)) continue;
    matched.push(playbook.name);
    for (const { action, params } of playbook.actions) {
      const existing = planned.get(action);
      if (!existing) {
        planned.set(action, {
          action,
          params: { ...params },
          dryRun: globalDryRun || playbook.dryRun,
          playbooks: [playbook.name],
          safety: { ...playbook.safety },
        });
        continue;
      }
      existing.params = mergeParams(existing.params, params);
      existing.dryRun = globalDryRun || (existing.dryRun && playbook.dryRun);
      if (!existing.playbooks.includes(playbook.name)) existing.playbooks.push(playbook.name);
      existing.safety = strictest(existing.safety ?? {}, playbook.safety ?? {});
    }
    if (!playbook.continue) break;
  }
  return { matched, actions: [...planned.values()] };
}

function strictest(a: SafetyOverrides, b: SafetyOverrides): SafetyOverrides {
  const protectedNamespaces = [
    ...new Set([...(a.protectedNamespaces ?? []), ...(b.protectedNamespaces ?? [])]),
  ];
  return {
    ...(protectedNamespaces.length > 0 ? { protectedNamespaces } : {}),
    ...allowFlag("allowDaemonSetPods", a.allowDaemonSetPods, b.allowDaemonSetPods),
    ...allowFlag("allowMirrorPods", a.allowMirrorPods, b.allowMirrorPods),
  };
}

/** An explicit "no" wins; "yes" only when both say yes; otherwise the service's own setting applies. */
function allowFlag<K extends string>(
  key: K,
  a: boolean | undefined,
  b: boolean | undefined,
): Partial<Record<K, boolean>> {
  if (a === false || b === false) return { [key]: false } as Record<K, boolean>;
  if (a === true && b === true) return { [key]: true } as Record<K, boolean>;
  return {};
}

function mergeParams(
  earlier: Record<string, unknown>,
  later: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...later, ...earlier };
  const a = earlier.destinations;
  const b = later.destinations;
  if (Array.isArray(a) && Array.isArray(b)) merged.destinations = [...new Set([...a, ...b])];
  return merged;
}

/**
 * One validated command per planned action, ready to publish to the action's topic.
 *
 * Every part of a command is checked against the schema the actioners decode it with, so the router
 * never publishes a command an actioner would reject (a failure here is a bug, not bad input). The
 * parts all commands of one alert share (alert summary, target, incident) are checked once, not once
 * per command: that was half of the router's per-alert CPU (measured by `npm run bench`).
 */
export function buildCommands(
  alert: FalcoAlert,
  decision: RoutingDecision,
  issuedAt: Date,
): { topic: string; command: Command }[] {
  if (decision.actions.length === 0) return [];
  const shared = SharedCommandFields.parse({
    incident: alert.incidentKey,
    alert: summarizeAlert(alert),
    target: alert.target,
    issuedAt: issuedAt.toISOString(),
  });
  return decision.actions.map((planned) => {
    const { kind, topic } = ACTION_KINDS[planned.action];
    const schema = commandSchemaFor(kind);
    // Parsing fills in param defaults (a playbook's params are stored as written, before defaults).
    const params = schema.shape.params.parse(planned.params);
    const command = {
      v: 1,
      kind,
      incident: shared.incident,
      alert: shared.alert,
      target: shared.target,
      params,
      dryRun: planned.dryRun,
      playbooks: [...planned.playbooks],
      ...(planned.safety ? { safety: { ...planned.safety } } : {}),
      issuedAt: shared.issuedAt,
    } as Command;
    return { topic, command };
  });
}

/** The fields every command of one alert shares, with the very schemas the command schema uses. */
const SharedCommandFields = KillPodCommand.pick({
  incident: true,
  alert: true,
  target: true,
  issuedAt: true,
});
