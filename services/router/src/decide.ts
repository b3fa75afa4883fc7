// The routing decision: which playbooks match an alert, and the one command per action they ask for.
//
// Precedence when several matching playbooks ask for the same action (documented in the README):
// - playbooks are evaluated in file order; `continue: false` stops evaluation after that playbook;
// - a trial (dry-run) playbook never changes what happens for real: its `continue: false` stops only
//   later trial playbooks, and its params do not reach a live action;
// - dry run: the action runs for real if any requesting playbook is not dry-run (a playbook being
//   trialled in dry-run must not disarm an established one); the global DRY_RUN forces dry-run;
// - params: taken from the live playbooks that asked for the action (from the trial ones only when
//   none is live): the earliest playbook that sets a param wins; later ones only fill in params left
//   unset; notify `destinations` are the union, in order (so a trial playbook's destinations never get
//   a real message). The command still names every playbook that asked, and the trial ones that did
//   not shape it (`trialPlaybooks`);
// - safety overrides: the strictest wins, trial playbooks included (they can only add protection).
//   Protected namespaces are the union (a playbook's `namespaces.exclude` counts as protection for its
//   actions); DaemonSet and mirror pods are allowed only if every requesting playbook allows them;
// - order (`after`, `wait`): from the playbooks that shape the action, like params. It waits for every
//   earlier action they name (each is in the decision: its playbook matched), at most the shortest
//   wait among them — so evidence is kept if any playbook asks, and a kill is never held back longer
//   than the least patient playbook allows. A trial playbook's order never holds a live action back.
// - approval: from the playbooks that shape the action, like params: held if any holds it (hold.ts).
import {
  ACTION_KINDS,
  type ActionName,
  type ApprovalPolicy,
  type Command,
  commandSchemaFor,
  type FalcoAlert,
  KillPodCommand,
  summarizeAlert,
} from "@riposte/contracts";
import { z } from "zod";
import { mergeApproval, type PlannedApproval } from "./hold.js";
import type { CompiledPlaybook, FailedCondition, SafetyOverrides } from "./playbooks/match.js";

export interface PlannedAction {
  action: ActionName;
  params: Record<string, unknown>;
  dryRun: boolean;
  /** Every playbook that asked for this action, in file order. */
  playbooks: string[];
  /** Dry-run playbooks among `playbooks` whose params were left out because a live playbook asked too. */
  trialPlaybooks?: string[];
  safety?: SafetyOverrides;
  /** Per param in `params`: the playbook that set it (for notify `destinations`, each that added some). */
  paramsFrom: Record<string, string[]>;
  /** Earlier actions of the decision this one runs after, for at most `waitMs` from the command's issue. */
  order?: { after: ActionName[]; waitMs: number };
  /** Held until a person approves it: its command goes to the ledger, not to its topic. */
  approval?: PlannedApproval;
}

/** What became of one playbook for one alert, in file order (see `decide`'s `observe`). */
export type PlaybookOutcome =
  | { playbook: string; matched: true }
  | { playbook: string; matched: false; failed: FailedCondition }
  | { playbook: string; matched: false; stoppedBy: string };

export interface RoutingDecision {
  matched: string[];
  actions: PlannedAction[];
}

/** One matching playbook's request for one action. */
interface ActionRequest {
  playbook: CompiledPlaybook;
  params: Record<string, unknown>;
  after?: ActionName;
  waitMs?: number;
  approval?: ApprovalPolicy;
}

/**
 * `observe`, when given, hears what became of every playbook (for `riposte playbook explain`): the
 * same loop decides and reports, so the explanation cannot drift from the decision.
 */
export function decide(
  alert: FalcoAlert,
  playbooks: readonly CompiledPlaybook[],
  globalDryRun = false,
  observe?: (outcome: PlaybookOutcome) => void,
): RoutingDecision {
  const matched: string[] = [];
  const requests = new Map<ActionName, ActionRequest[]>();
  let trialsStoppedBy: string | undefined;
  for (const [index, playbook] of playbooks.entries()) {
    if (playbook.dryRun && trialsStoppedBy !== undefined) {
      observe?.({ playbook: playbook.name, matched: false, stoppedBy: trialsStoppedBy });
      continue;
    }
    if (!playbook.matches(alert)) {
      const failed = observe && playbook.explain(alert);
      if (failed) observe({ playbook: playbook.name, matched: false, failed });
      continue;
    }
    observe?.({ playbook: playbook.name, matched: true });
    matched.push(playbook.name);
    for (const { action, ...request } of playbook.actions) {
      const list = requests.get(action) ?? [];
      list.push({ playbook, ...request });
      requests.set(action, list);
    }
    if (playbook.continue) continue;
    // A trial's `continue: false` stops the trials after it, never a live playbook.
    if (!playbook.dryRun) {
      for (const later of playbooks.slice(index + 1)) {
        observe?.({ playbook: later.name, matched: false, stoppedBy: playbook.name });
      }
      break;
    }
    trialsStoppedBy = playbook.name;
  }
  const actions = [...requests].map(([action, list]) => planAction(action, list, globalDryRun));
  return { matched, actions };
}

function planAction(
  action: ActionName,
  requests: readonly ActionRequest[],
  globalDryRun: boolean,
): PlannedAction {
  const live = requests.filter((request) => !request.playbook.dryRun);
  const shaping = live.length > 0 ? live : requests;
  const names = (list: readonly ActionRequest[]) => [
    ...new Set(list.map((request) => request.playbook.name)),
  ];
  const ignoredTrials = live.length > 0 ? names(requests.filter((request) => request.playbook.dryRun)) : [];
  const { params, paramsFrom } = mergeParams(shaping);
  const order = mergeOrder(shaping);
  const approval = mergeApproval(shaping);
  return {
    action,
    params,
    paramsFrom,
    ...(order ? { order } : {}),
    ...(approval ? { approval } : {}),
    dryRun: globalDryRun || live.length === 0,
    playbooks: names(requests),
    ...(ignoredTrials.length > 0 ? { trialPlaybooks: ignoredTrials } : {}),
    safety: requests.map((request) => ({ ...request.playbook.safety })).reduce(strictest),
  };
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

/** Every earlier action the requests name, for the shortest of their waits; none when none orders. */
function mergeOrder(requests: readonly ActionRequest[]): PlannedAction["order"] {
  const ordering = requests.filter((request) => request.after !== undefined);
  if (ordering.length === 0) return undefined;
  return {
    after: [...new Set(ordering.map((request) => request.after as ActionName))],
    waitMs: Math.min(...ordering.map((request) => request.waitMs ?? Number.POSITIVE_INFINITY)),
  };
}

/** The earliest request that sets a param wins; notify `destinations` are the union, in order. */
function mergeParams(requests: readonly ActionRequest[]): Pick<PlannedAction, "params" | "paramsFrom"> {
  const params: Record<string, unknown> = {};
  const paramsFrom: Record<string, string[]> = {};
  for (const { playbook, params: asked } of requests) {
    for (const [key, value] of Object.entries(asked)) {
      const earlier = params[key];
      if (!Object.hasOwn(params, key)) {
        params[key] = value;
        paramsFrom[key] = [playbook.name];
      } else if (key === "destinations" && Array.isArray(earlier) && Array.isArray(value)) {
        params[key] = [...new Set([...earlier, ...value])];
        paramsFrom[key] = [...new Set([...(paramsFrom[key] ?? []), playbook.name])];
      }
    }
  }
  return { params, paramsFrom };
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
      ...(planned.trialPlaybooks ? { trialPlaybooks: [...planned.trialPlaybooks] } : {}),
      ...(planned.safety ? { safety: { ...planned.safety } } : {}),
      issuedAt: shared.issuedAt,
      ...(planned.order
        ? {
            order: {
              after: [...planned.order.after],
              notAfter: new Date(issuedAt.getTime() + planned.order.waitMs).toISOString(),
            },
          }
        : {}),
    } as Command;
    return { topic, command };
  });
}

/**
 * The fields every command of one alert shares, with the very schemas the command schema uses (by
 * `shape`: a schema with refinements cannot be `pick`ed).
 */
const SharedCommandFields = z.object({
  incident: KillPodCommand.shape.incident,
  alert: KillPodCommand.shape.alert,
  target: KillPodCommand.shape.target,
  issuedAt: KillPodCommand.shape.issuedAt,
});
