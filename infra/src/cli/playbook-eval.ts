// What `riposte playbook test|explain` and `riposte replay` share: the router's own loader and decision
// (imported, never copied), alerts parsed as the router parses them, and output that an alert cannot
// use to drive the operator's terminal.
import { readFileSync } from "node:fs";
import { type FalcoAlert, parseFalcoAlert } from "@riposte/contracts";
import {
  buildCommands,
  type CompiledPlaybook,
  camelToSnake,
  DEFAULT_PLAYBOOKS_YAML,
  decide,
  PlaybookError,
  type PlaybookOutcome,
  parsePlaybooks,
  type RoutingDecision,
} from "@riposte/router";
import { makeVisible } from "../dev/log-format.js";

/** The router's CLUSTER_FIELD default: the output field naming the cluster. */
export const DEFAULT_CLUSTER_FIELD = "cluster";

export interface DecisionOptions {
  clusterField: string;
  /** As the router's DRY_RUN=true: every command is dry-run. */
  dryRun: boolean;
}

/** One command the router would publish, params as playbooks spell them, defaults filled in. */
export interface EffectiveCommand {
  action: string;
  dryRun: boolean;
  params: Record<string, unknown>;
  /** Per param: the playbooks that set it, or empty for the action's default. */
  paramsFrom: Record<string, string[]>;
  playbooks: string[];
  trialPlaybooks: string[];
  /** Runs once these earlier actions have an outcome, or `waitSeconds` after the alert at the latest. */
  order?: { after: string[]; waitSeconds: number };
  /** Held until a person approves it (not published by the router): the merged policy and its playbooks. */
  approval?: { timeoutSeconds: number; onTimeout: string; approvers: string[]; playbooks: string[] };
}

export interface Evaluation {
  decision: RoutingDecision;
  outcomes: PlaybookOutcome[];
  commands: EffectiveCommand[];
}

/** Output lines with every control character made visible: alert text reaches them. */
export interface Lines {
  out(line: string): void;
  err(line: string): void;
}

export function safeLines(write: { out(text: string): void; err(text: string): void }): Lines {
  return {
    out: (line) => write.out(makeVisible(line)),
    err: (line) => write.err(makeVisible(line)),
  };
}

export class InputError extends Error {
  override readonly name = "InputError";
}

/** A playbook file through the router's loader; its problems as an InputError (one per line). */
export function readPlaybooks(path: string): CompiledPlaybook[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return parsePlaybooks(text, path);
  } catch (error) {
    if (error instanceof PlaybookError) throw new InputError(error.message);
    throw error;
  }
}

export function defaultPlaybooks(): CompiledPlaybook[] {
  return parsePlaybooks(DEFAULT_PLAYBOOKS_YAML, "the router's default playbooks");
}

/** An alert's JSON text parsed as the router parses a message; a refusal as an InputError. */
export function parseAlert(text: string, clusterField: string, source: string): FalcoAlert {
  const parsed = parseFalcoAlert(text, { clusterField });
  if (!parsed.ok)
    throw new InputError(`${source}: not an alert: ${parsed.error.path}: ${parsed.error.message}`);
  return parsed.alert;
}

export function readAlert(path: string, clusterField: string): FalcoAlert {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseAlert(text, clusterField, path);
}

/** The router's decision for one alert, every playbook's outcome, and the commands it would publish. */
export function evaluate(
  alert: FalcoAlert,
  playbooks: readonly CompiledPlaybook[],
  dryRun: boolean,
): Evaluation {
  const outcomes: PlaybookOutcome[] = [];
  const decision = decide(alert, playbooks, dryRun, (outcome) => outcomes.push(outcome));
  // buildCommands fills in param defaults exactly as the published command has them.
  const built = buildCommands(alert, decision, new Date(0));
  const commands = decision.actions.map((planned, index): EffectiveCommand => {
    const params = (built[index]?.command.params ?? {}) as Record<string, unknown>;
    return {
      action: planned.action,
      dryRun: planned.dryRun,
      params: Object.fromEntries(Object.entries(params).map(([key, value]) => [camelToSnake(key), value])),
      paramsFrom: Object.fromEntries(
        Object.keys(params).map((key) => [camelToSnake(key), planned.paramsFrom[key] ?? []]),
      ),
      playbooks: planned.playbooks,
      trialPlaybooks: planned.trialPlaybooks ?? [],
      ...(planned.order
        ? { order: { after: [...planned.order.after], waitSeconds: planned.order.waitMs / 1_000 } }
        : {}),
      ...(planned.approval
        ? {
            approval: {
              timeoutSeconds: planned.approval.timeoutSeconds,
              onTimeout: planned.approval.onTimeout,
              approvers: [...planned.approval.approvers],
              playbooks: [...planned.approval.playbooks],
            },
          }
        : {}),
    };
  });
  return { decision, outcomes, commands };
}

/** `900` → `15m`, `5400` → `90m`, `86400` → `24h`: as a playbook would write it. */
export function showDuration(seconds: number): string {
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A held action's policy in words: `held for approval: up to 15m, then proceed; approvers …`. */
export function describeApproval(approval: NonNullable<EffectiveCommand["approval"]>): string {
  const then = approval.onTimeout === "abandon" ? "then abandoned (never runs)" : "then runs (proceed)";
  return `held for approval (not published until decided): up to ${showDuration(approval.timeoutSeconds)}, ${then}; approvers ${approval.approvers.join(", ")}; from ${approval.playbooks.join(", ")}`;
}

/** A param value or list as a human reads it: `0`, `NoSchedule`, `[slack-sec, soar]`. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}: ${showValue(item)}`)
      .join(", ")}}`;
  }
  return String(value);
}

/** `Notice "Terminal shell in container" on shop/web-1 (node n1, cluster c1)` */
export function describeAlert(alert: FalcoAlert): string {
  const { cluster, node, namespace, pod, containerId } = alert.target;
  const workload = pod
    ? `${namespace ?? "?"}/${pod}`
    : containerId
      ? `container ${containerId}`
      : "no workload";
  const where = [node && `node ${node}`, cluster && `cluster ${cluster}`].filter(Boolean).join(", ");
  return `${alert.priority} ${JSON.stringify(alert.rule)} on ${workload}${where ? ` (${where})` : ""}`;
}

/** Why a playbook did not take part, in words, or undefined when it matched. */
export function outcomeReason(
  outcome: PlaybookOutcome,
  playbooks: readonly CompiledPlaybook[],
): string | undefined {
  if (outcome.matched) return undefined;
  if ("failed" in outcome) return outcome.failed.reason;
  const stopper = playbooks.find((playbook) => playbook.name === outcome.stoppedBy);
  return stopper?.dryRun
    ? `not evaluated: trial playbook ${outcome.stoppedBy} matched with continue: false (stops later trials)`
    : `not evaluated: ${outcome.stoppedBy} matched with continue: false`;
}
