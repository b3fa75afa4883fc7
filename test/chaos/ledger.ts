// The chaos test's accounting, pure over what was collected: every expected (incident, action) pair is
// put in exactly one terminal state — an outcome result or dead-lettered — or counted unaccounted;
// pairs a dead-letter queue holds are also counted on their own, outcome or not (a dead-lettered
// command is a lost action however its pair ended); and the simulated cluster's request log is
// checked for destructive actions that happened twice.
import { type ActionName, OUTCOME_RESULTS, type OutcomeResult } from "@riposte/contracts";
import type { KubeObject, RequestRecord } from "@riposte/k8s-sim";

export const TERMINAL_STATES = [...OUTCOME_RESULTS, "dead-lettered"] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export interface PairKey {
  incident: string;
  action: string;
}

export interface ObservedOutcome extends PairKey {
  result: OutcomeResult;
  service: string;
  /** The outcome's own `at` (ISO time). */
  at: string;
  messageId: string;
}

export interface ObservedDeadLetter {
  /** The subscription that gave up on the message, e.g. `pod-killer` or `router`. */
  subscription: string;
  incident: string;
  /** The action of a dead-lettered command; absent for a dead-lettered alert (all its actions). */
  action?: string;
  messageId: string;
}

export interface PairAccount extends PairKey {
  /** Undefined: unaccounted. */
  state: TerminalState | undefined;
  outcomes: ObservedOutcome[];
  deadLetters: ObservedDeadLetter[];
}

export interface ActionRow {
  action: string;
  expected: number;
  /** Pairs whose command was seen on its topic (undefined when commands were not collected). */
  published: number | undefined;
  /** Pairs with at least one outcome, whatever else happened to them. */
  withOutcome: number;
  /** Pairs a dead-letter queue holds (their command, or their alert at the router), outcome or not. */
  deadLettered: number;
  states: Record<TerminalState, number>;
  unaccounted: number;
  /** Pairs reported by more than one outcome message (at-least-once delivery made visible). */
  redelivered: number;
  /** Pairs whose outcomes disagree beyond "done, then already-done on a redelivery". */
  changed: number;
  /** Pairs with an outcome that were also dead-lettered somewhere. */
  alsoDeadLettered: number;
  /**
   * Destructive actions (pod deletions, taints) that happened more than once, filled in from the
   * cluster's request log; undefined for actions that destroy nothing.
   */
  doubled: number | undefined;
}

export interface Ledger {
  rows: ActionRow[];
  total: ActionRow;
  pairs: PairAccount[];
  unaccounted: PairAccount[];
  /** Outcomes for pairs nobody expected (the router sent an action its playbooks do not ask for). */
  unexpectedOutcomes: ObservedOutcome[];
  /** Dead letters naming an incident/action nobody expected. */
  unexpectedDeadLetters: ObservedDeadLetter[];
}

const pairKey = (pair: PairKey) => `${pair.incident}|${pair.action}`;

function emptyRow(action: string, commandsCollected: boolean): ActionRow {
  return {
    action,
    expected: 0,
    published: commandsCollected ? 0 : undefined,
    withOutcome: 0,
    deadLettered: 0,
    states: Object.fromEntries(TERMINAL_STATES.map((state) => [state, 0])) as Record<TerminalState, number>,
    unaccounted: 0,
    redelivered: 0,
    changed: 0,
    alsoDeadLettered: 0,
    doubled: undefined,
  };
}

/**
 * The one terminal state of a pair. An action that was done stays done whatever a redelivery said
 * afterwards (already-done, or refused by a fresh instance's empty blast-radius window); otherwise the
 * latest outcome is the final word; a pair without any outcome is dead-lettered if a dead-letter
 * topic holds it.
 */
export function terminalStateOf(
  outcomes: readonly ObservedOutcome[],
  deadLettered: boolean,
): TerminalState | undefined {
  if (outcomes.some((outcome) => outcome.result === "done")) return "done";
  const latest = [...outcomes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  if (latest) return latest.result;
  return deadLettered ? "dead-lettered" : undefined;
}

function changedOutcomes(outcomes: readonly ObservedOutcome[]): boolean {
  const results = new Set(outcomes.map((outcome) => outcome.result));
  if (results.size <= 1) return false;
  return ![...results].every((result) => result === "done" || result === "already-done");
}

export interface AccountingOptions {
  /** Rows in this order first (others follow as met). */
  actionOrder?: readonly string[];
  /** Every incident sent, including those no playbook acts on (their dead-lettered alerts are expected). */
  incidents?: ReadonlySet<string>;
  /** The commands seen on the actioners' topics, when collected: fills each row's `published`. */
  commands?: readonly PairKey[];
}

export function accountPairs(
  expected: readonly PairKey[],
  outcomes: readonly ObservedOutcome[],
  deadLetters: readonly ObservedDeadLetter[],
  options: AccountingOptions = {},
): Ledger {
  const pairs = new Map<string, PairAccount>();
  const actionsOfIncident = new Map<string, string[]>();
  for (const pair of expected) {
    const key = pairKey(pair);
    if (pairs.has(key)) continue;
    pairs.set(key, {
      incident: pair.incident,
      action: pair.action,
      state: undefined,
      outcomes: [],
      deadLetters: [],
    });
    actionsOfIncident.set(pair.incident, [...(actionsOfIncident.get(pair.incident) ?? []), pair.action]);
  }

  const unexpectedOutcomes: ObservedOutcome[] = [];
  for (const outcome of outcomes) {
    const account = pairs.get(pairKey(outcome));
    if (account) account.outcomes.push(outcome);
    else unexpectedOutcomes.push(outcome);
  }
  const unexpectedDeadLetters: ObservedDeadLetter[] = [];
  for (const letter of deadLetters) {
    const actions =
      letter.action === undefined ? (actionsOfIncident.get(letter.incident) ?? []) : [letter.action];
    const accounts = actions.flatMap((action) => {
      const account = pairs.get(pairKey({ incident: letter.incident, action }));
      return account ? [account] : [];
    });
    // A dead-lettered alert that asked for no action is nobody's pair, but still not unexpected.
    const knownAlert =
      letter.action === undefined &&
      (actionsOfIncident.has(letter.incident) || options.incidents?.has(letter.incident) === true);
    if (accounts.length === 0 && !knownAlert) {
      unexpectedDeadLetters.push(letter);
    }
    for (const account of accounts) account.deadLetters.push(letter);
  }

  const published = options.commands ? new Set(options.commands.map(pairKey)) : undefined;
  const rows = new Map<string, ActionRow>();
  for (const action of options.actionOrder ?? []) rows.set(action, emptyRow(action, Boolean(published)));
  const total = emptyRow("total", Boolean(published));
  for (const account of pairs.values()) {
    account.state = terminalStateOf(account.outcomes, account.deadLetters.length > 0);
    let row = rows.get(account.action);
    if (!row) {
      row = emptyRow(account.action, Boolean(published));
      rows.set(account.action, row);
    }
    for (const target of [row, total]) {
      target.expected += 1;
      if (published?.has(pairKey(account)) && target.published !== undefined) target.published += 1;
      if (account.outcomes.length > 0) target.withOutcome += 1;
      if (account.deadLetters.length > 0) target.deadLettered += 1;
      if (account.state === undefined) target.unaccounted += 1;
      else target.states[account.state] += 1;
      if (account.outcomes.length > 1) target.redelivered += 1;
      if (changedOutcomes(account.outcomes)) target.changed += 1;
      if (account.outcomes.length > 0 && account.deadLetters.length > 0) target.alsoDeadLettered += 1;
    }
  }
  const all = [...pairs.values()];
  return {
    rows: [...rows.values()],
    total,
    pairs: all,
    unaccounted: all.filter((account) => account.state === undefined),
    unexpectedOutcomes,
    unexpectedDeadLetters,
  };
}

// ---------------------------------------------------------------------------------------------------
// Destructive actions that happened twice, from the simulated cluster's request log

export interface DoubledActions {
  /** `namespace/name` of pods deleted successfully more than once, with the count. */
  podsDeletedTwice: Record<string, number>;
  /** Nodes whose taints were successfully patched more than once. */
  nodesPatchedTwice: Record<string, number>;
  /** Nodes carrying Riposte's taint more than once right now. */
  nodesTaintedTwice: Record<string, number>;
  /** Pods whose quarantine label was successfully patched more than once (not destructive: reported). */
  podsLabelledTwice: Record<string, number>;
  deletedPods: number;
  taintedNodes: number;
  labelledPods: number;
  /**
   * When each pod was first deleted, and first labelled (ms since the epoch, sorted): what the
   * blast-radius limits bound, as the cluster saw it.
   */
  firstChangeAtMs: { deletes: number[]; labels: number[] };
  /** False when the ring buffer overflowed: the counts could then miss requests. */
  requestLogComplete: boolean;
  /** The successful requests behind every doubled entry, to tell what happened. */
  evidence: RequestRecord[];
}

const succeeded = (request: RequestRecord) => request.status >= 200 && request.status < 300;

const objectKey = (request: RequestRecord) =>
  request.namespace ? `${request.namespace}/${request.name}` : (request.name ?? "");

function countBy(requests: readonly RequestRecord[], keep: (request: RequestRecord) => boolean) {
  const counts = new Map<string, number>();
  for (const request of requests) {
    if (!keep(request) || !succeeded(request)) continue;
    counts.set(objectKey(request), (counts.get(objectKey(request)) ?? 0) + 1);
  }
  return counts;
}

/** When each object was first changed successfully by a matching request (ms since the epoch, sorted). */
function firstChanges(
  requests: readonly RequestRecord[],
  keep: (request: RequestRecord) => boolean,
): number[] {
  const first = new Map<string, number>();
  for (const request of requests) {
    if (!keep(request) || !succeeded(request) || first.has(objectKey(request))) continue;
    first.set(objectKey(request), Date.parse(request.time));
  }
  return [...first.values()].sort((a, b) => a - b);
}

const moreThanOnce = (counts: Map<string, number>) =>
  Object.fromEntries([...counts].filter(([, count]) => count > 1));

export function findDoubledActions(
  requests: readonly RequestRecord[],
  nodes: readonly KubeObject[],
  taintKey = "riposte.dev/compromised",
): DoubledActions {
  const isPodDelete = (r: RequestRecord) =>
    r.method === "DELETE" && r.resource === "pods" && !r.subresource && Boolean(r.name);
  const isNodePatch = (r: RequestRecord) => r.verb === "patch" && r.resource === "nodes" && !r.subresource;
  const isPodPatch = (r: RequestRecord) => r.verb === "patch" && r.resource === "pods" && !r.subresource;
  const deletes = countBy(requests, isPodDelete);
  const nodePatches = countBy(requests, isNodePatch);
  const labels = countBy(requests, isPodPatch);
  const twice = (counts: Map<string, number>, request: RequestRecord) =>
    (counts.get(objectKey(request)) ?? 0) > 1;
  const taintsPerNode = new Map<string, number>();
  for (const node of nodes) {
    const taints = ((node.spec as { taints?: { key?: string }[] } | undefined)?.taints ?? []).filter(
      (taint) => taint.key === taintKey,
    );
    if (taints.length > 0)
      taintsPerNode.set(String((node.metadata as { name?: string } | undefined)?.name), taints.length);
  }
  return {
    podsDeletedTwice: moreThanOnce(deletes),
    nodesPatchedTwice: moreThanOnce(nodePatches),
    nodesTaintedTwice: moreThanOnce(taintsPerNode),
    podsLabelledTwice: moreThanOnce(labels),
    deletedPods: deletes.size,
    taintedNodes: taintsPerNode.size,
    labelledPods: labels.size,
    firstChangeAtMs: {
      deletes: firstChanges(requests, isPodDelete),
      labels: firstChanges(requests, isPodPatch),
    },
    requestLogComplete: requests.length === 0 || requests[0]?.seq === 1,
    evidence: requests.filter(
      (r) =>
        succeeded(r) &&
        ((isPodDelete(r) && twice(deletes, r)) ||
          (isNodePatch(r) && twice(nodePatches, r)) ||
          (isPodPatch(r) && twice(labels, r))),
    ),
  };
}

/**
 * The doubled count the table shows for each destructive action. A second quarantine label on a
 * pod destroys nothing (it is reported in DoubledActions.podsLabelledTwice, not here).
 */
export function doubledPerAction(doubled: DoubledActions): Partial<Record<ActionName, number>> {
  return {
    "kill-pod": Object.keys(doubled.podsDeletedTwice).length,
    "taint-node": new Set([
      ...Object.keys(doubled.nodesPatchedTwice),
      ...Object.keys(doubled.nodesTaintedTwice),
    ]).size,
  };
}
