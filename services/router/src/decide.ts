// The routing decision: which playbooks match an alert, and the one command per action they ask for.
//
// Precedence when several matching playbooks ask for the same action (documented in the README):
// - playbooks are evaluated in file order; `continue: false` stops evaluation after that playbook;
// - params: the earliest playbook that sets a param wins; later ones only fill in params left unset;
//   notify `destinations` are the union, in order;
// - dry run: the action runs for real if any requesting playbook is not dry-run (a playbook being
//   trialled in dry-run must not disarm an established one); the global DRY_RUN forces dry-run;
// - safety overrides: merged the same way as params (earliest wins per key).
import {
  ACTION_KINDS,
  type ActionName,
  Command,
  type CommandInput,
  type FalcoAlert,
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
          ...(playbook.safety ? { safety: { ...playbook.safety } } : {}),
        });
        continue;
      }
      existing.params = mergeParams(existing.params, params);
      existing.dryRun = globalDryRun || (existing.dryRun && playbook.dryRun);
      if (!existing.playbooks.includes(playbook.name)) existing.playbooks.push(playbook.name);
      if (playbook.safety) existing.safety = { ...playbook.safety, ...existing.safety };
    }
    if (!playbook.continue) break;
  }
  return { matched, actions: [...planned.values()] };
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

/** One validated command per planned action, ready to publish to the action's topic. */
export function buildCommands(
  alert: FalcoAlert,
  decision: RoutingDecision,
  issuedAt: Date,
): { topic: string; command: Command }[] {
  const summary = summarizeAlert(alert);
  return decision.actions.map((planned) => {
    const { kind, topic } = ACTION_KINDS[planned.action];
    const input = {
      v: 1,
      kind,
      incident: alert.incidentKey,
      alert: summary,
      target: alert.target,
      params: planned.params,
      dryRun: planned.dryRun,
      playbooks: planned.playbooks,
      ...(planned.safety ? { safety: { ...planned.safety } } : {}),
      issuedAt: issuedAt.toISOString(),
    } as CommandInput;
    // Parsing fills in param defaults and guarantees the router never publishes a command an
    // actioner would reject; a failure here is a bug, not bad input.
    return { topic, command: Command.parse(input) };
  });
}
