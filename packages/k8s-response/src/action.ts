// A Kubernetes action describes itself (name, command, params, the exact permissions it needs, an
// example) and plans what it would do; this runner does everything else once, for all of them:
// cluster selection, safety overrides, dry-run, blast-radius limits, error classification, the
// Kubernetes Event and the ActionOutcome.
import type { ActionName, Command, OutcomeResult } from "@riposte/falco-event";
import {
  annotateActiveSpan,
  incidentSpanAttributes,
  type KubernetesPermission,
  type Logger,
  type Publisher,
  type PushContext,
  RetryableError,
  reportOutcome,
  withSpan,
} from "@riposte/service-kit";
import type { z } from "zod";
import { type ClusterClients, type ClusterRegistry, UnknownClusterError } from "./cluster.js";
import { classifyKubernetesError, missingPermission } from "./errors.js";
import { type InvolvedObject, recordEvent } from "./events.js";
import type { BlastRadiusLimiter, LimitRule } from "./limits.js";
import { effectivePolicy, type SafetyPolicy } from "./policy.js";

export interface ActionContext {
  /** Bound to this delivery's deadline: a call still in flight when it passes is aborted. */
  clients: ClusterClients;
  policy: SafetyPolicy;
  logger: Logger;
  now: Date;
}

/** A decision reached while planning: nothing will be changed. */
export interface FinalResult {
  result: Extract<OutcomeResult, "already-done" | "stale" | "refused">;
  reason: string;
  details?: Record<string, unknown>;
}

export interface ExecutionResult {
  result: Extract<OutcomeResult, "done" | "already-done" | "stale">;
  reason: string;
  details?: Record<string, unknown>;
}

/** What the action would do, ready to run. */
export interface ActionPlan {
  /** Exactly what will be done, e.g. `delete pod shop/web-1 (uid …) with gracePeriodSeconds 0`. */
  description: string;
  /** The object touched: where the Event goes, and what the limits count. */
  object: InvolvedObject;
  details?: Record<string, unknown>;
  execute(): Promise<ExecutionResult>;
}

export interface KubernetesAction<C extends Command = Command> {
  name: ActionName;
  kind: C["kind"];
  description: string;
  /** The command's params schema, with defaults (from falco-event). */
  params: z.ZodType;
  /** Exactly the RBAC rules `plan` and `execute` (and the Event) need; RBAC manifests come from this. */
  permissions: readonly KubernetesPermission[];
  /** Limits counted for each executed action. */
  limits: readonly LimitRule[];
  /** Reason of the Kubernetes Event, e.g. RiposteKillPod. */
  eventReason: string;
  example: C;
  plan(command: C, context: ActionContext): Promise<ActionPlan | FinalResult>;
}

/** Every action writes Events; the permission is part of each action's list. */
export const EVENT_PERMISSION: KubernetesPermission = {
  apiGroups: [""],
  resources: ["events"],
  verbs: ["create"],
  reason: "record what Riposte did on the object it touched",
};

export interface ActionRunnerDeps {
  service: string;
  registry: ClusterRegistry;
  basePolicy: SafetyPolicy;
  limiter: BlastRadiusLimiter;
  /** DRY_RUN for the whole service: every command is planned, nothing is changed. */
  dryRun: boolean;
  publisher: Publisher;
  /**
   * Cap on each step's Kubernetes calls (cluster, plan, execute, Event). All steps also share the push
   * deadline (`PushContext.signal`): whichever passes first aborts the calls still in flight.
   */
  callTimeoutMs?: number;
  now?: () => Date;
}

function isPlan(value: ActionPlan | FinalResult): value is ActionPlan {
  return "execute" in value;
}

/**
 * One delivery's Kubernetes calls share one AbortController: it aborts when the push deadline passes
 * (the push was answered 503) or when one step overruns its own cap. Either way the handler gives up,
 * so every call still in flight is cancelled rather than left to land unseen.
 */
function deliveryCalls(pushSignal: AbortSignal) {
  const controller = new AbortController();
  const onPushDeadline = () => controller.abort(new RetryableError("push handler deadline exceeded"));
  if (pushSignal.aborted) onPushDeadline();
  else pushSignal.addEventListener("abort", onPushDeadline, { once: true });
  return {
    signal: controller.signal,
    /** `work` within `capMs` and the push deadline; past either, its calls are aborted. */
    async step<T>(work: Promise<T>, capMs: number, what: string): Promise<T> {
      const { signal } = controller;
      let stop = () => {};
      const gaveUp = new Promise<never>((_, reject) => {
        stop = () => reject(new RetryableError(`${what}: ${errorText(signal.reason)}`));
      });
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
      const timer = setTimeout(
        () => controller.abort(new RetryableError(`timed out after ${capMs} ms`)),
        capMs,
      );
      try {
        return await Promise.race([work, gaveUp]);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", stop);
      }
    },
    done: () => pushSignal.removeEventListener("abort", onPushDeadline),
  };
}

function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** The push handler of an actioner: `pushRoute("/", jsonMessageDecoder(schema), createActionHandler(action, deps))`. */
export function createActionHandler<C extends Command>(action: KubernetesAction<C>, deps: ActionRunnerDeps) {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = deps.callTimeoutMs ?? 10_000;

  const publishOutcome = async (
    command: C,
    result: OutcomeResult,
    reason: string,
    details: Record<string, unknown>,
    logger: Logger,
  ) => {
    annotateActiveSpan({ "riposte.outcome": result, "riposte.outcome.reason": reason.slice(0, 500) });
    await reportOutcome(deps.publisher, command, {
      service: deps.service,
      result,
      reason,
      details,
      at: now(),
    });
    const level = result === "failed" ? "error" : result === "refused" ? "warn" : "info";
    logger[level](
      { incident: command.incident, action: action.name, result, details },
      `${action.name} ${result}: ${reason}`,
    );
  };

  /** Kubernetes errors that retrying cannot fix become a `failed` outcome; transient ones a 503. */
  const failure = (
    error: unknown,
    doing: string,
    cluster: string,
  ): { reason: string; details: Record<string, unknown> } => {
    const classified = classifyKubernetesError(error);
    if (classified.kind === "unauthorized") {
      deps.registry.invalidate(cluster);
      throw new RetryableError(
        `${doing}: credentials refused (${classified.message}); retrying with fresh ones`,
        { cause: error },
      );
    }
    if (classified.kind === "transient") {
      throw new RetryableError(`${doing}: ${classified.message}`, {
        ...(classified.retryAfterSeconds ? { retryAfterSeconds: classified.retryAfterSeconds } : {}),
        cause: error,
      });
    }
    if (classified.kind === "forbidden") {
      const permission = missingPermission(classified.message);
      return {
        reason: `${doing}: forbidden${permission ? `; missing permission: ${permission}` : ""}: ${classified.message}`,
        details: { status: 403, ...(permission ? { missingPermission: permission } : {}) },
      };
    }
    return {
      reason: `${doing}: ${classified.message}`,
      details: { status: classified.kind === "invalid" ? classified.code : classified.kind },
    };
  };

  // One span per command: the action, its Kubernetes calls beneath it, its outcome as an attribute.
  return (command: C, context: PushContext): Promise<void> =>
    withSpan(
      action.name,
      {
        attributes: {
          ...incidentSpanAttributes(
            command.incident,
            command.alert.rule,
            command.alert.priority,
            command.target,
          ),
          "riposte.action": action.name,
          "riposte.dry_run": deps.dryRun || command.dryRun,
        },
      },
      () => handle(command, context),
    );

  async function handle(command: C, context: PushContext): Promise<void> {
    const calls = deliveryCalls(context.signal);
    try {
      return await run(command, context, calls);
    } finally {
      calls.done();
    }
  }

  async function run(command: C, context: PushContext, calls: ReturnType<typeof deliveryCalls>) {
    const logger = context.logger.child({ incident: command.incident, action: action.name });
    // Past the push deadline the push was answered 503 and Pub/Sub redelivers: the redelivery reports.
    const report = (result: OutcomeResult, reason: string, details: Record<string, unknown>) => {
      if (context.signal.aborted)
        throw new RetryableError(
          `${action.name} ${result} after the push deadline; no outcome published, the redelivery reports`,
        );
      return publishOutcome(command, result, reason, details, logger);
    };

    let clients: ClusterClients;
    try {
      const registered = await calls.step(
        deps.registry.clientsFor(command.target.cluster, calls.signal),
        timeoutMs,
        "reaching the cluster",
      );
      clients = registered.withSignal(calls.signal);
    } catch (error) {
      if (error instanceof UnknownClusterError) return report("refused", error.message, {});
      throw new RetryableError(`cannot reach the cluster: ${(error as Error).message}`, { cause: error });
    }
    const actionContext: ActionContext = {
      clients,
      policy: effectivePolicy(deps.basePolicy, command.safety),
      logger,
      now: now(),
    };
    const base = { cluster: clients.name };

    let planned: ActionPlan | FinalResult;
    try {
      planned = await calls.step(action.plan(command, actionContext), timeoutMs, `planning ${action.name}`);
    } catch (error) {
      const { reason, details } = failure(error, `planning ${action.name}`, clients.name);
      return report("failed", reason, { ...base, ...details });
    }
    if (!isPlan(planned)) return report(planned.result, planned.reason, { ...base, ...planned.details });

    const details = { ...base, object: planned.object, plan: planned.description, ...planned.details };
    if (deps.dryRun || command.dryRun) {
      return report("dry-run", `would ${planned.description}`, details);
    }

    const { object } = planned;
    const slot = deps.limiter.reserve({
      cluster: clients.name,
      ...(object.namespace ? { namespace: object.namespace } : {}),
      holder: [command.incident, action.name, object.kind, object.namespace, object.name, object.uid].join(
        "|",
      ),
    });
    if (!slot.ok) return report("refused", slot.reason, details);

    let executed: ExecutionResult;
    try {
      executed = await calls.step(planned.execute(), timeoutMs, planned.description);
    } catch (error) {
      // Started and not proven harmless: the call may have landed, so the slot stays taken.
      slot.reservation.keep();
      const { reason, details: errorDetails } = failure(error, planned.description, clients.name);
      return report("failed", reason, { ...details, ...errorDetails });
    }
    if (executed.result !== "done") {
      slot.reservation.release();
      return report(executed.result, executed.reason, { ...details, ...executed.details });
    }
    slot.reservation.keep();

    // The action happened: an Event that cannot be written in time is reported, not retried.
    const eventError = await calls
      .step(
        recordEvent(clients.core, {
          object: planned.object,
          reason: action.eventReason,
          message: `Riposte ${action.name} for incident ${command.incident}: ${command.alert.rule} (${command.alert.priority})`,
          component: `riposte-${deps.service}`,
          incident: command.incident,
          action: action.name,
          now: now(),
        }),
        timeoutMs,
        "recording the Event",
      )
      .catch((error: unknown) => `event not recorded: ${(error as Error).message}`);
    if (eventError) logger.warn({ eventError }, eventError);
    return report("done", executed.reason, {
      ...details,
      ...executed.details,
      ...(eventError ? { eventError } : {}),
    });
  }
}
