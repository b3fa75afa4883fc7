// createApp: the router's push endpoint. Parse the alert, decide, publish one command per action.
// falco-events carries alerts from falcosidekick, from Falco itself, or in Cloud Logging LogEntries
// from a log sink; a sink also forwards Falco's other log lines, which are acked and counted only.
import {
  type FalcoAlert,
  type FalcoMessageResult,
  messageAttributes,
  parseFalcoMessage,
} from "@riposte/falco-event";
import {
  createPushApp,
  incidentSpanAttributes,
  type Logger,
  type Publisher,
  type PushAppOptions,
  pushRoute,
  RetryableError,
  withSpan,
} from "@riposte/service-kit";
import type { Hono } from "hono";
import { buildCommands, decide, type RoutingDecision } from "./decide.js";
import { createIncidentDedup } from "./dedup.js";
import type { CompiledPlaybook } from "./playbooks/match.js";

export interface RouterDeps {
  push: Omit<PushAppOptions, "routes">;
  publisher: Publisher;
  playbooks: readonly CompiledPlaybook[];
  dedupWindowSeconds: number;
  clusterField: string;
  dryRun: boolean;
  now?: () => Date;
}

export interface RouterStats {
  routed: number;
  duplicates: number;
  unmatched: number;
  /** Falco log lines that are not alerts (start-up messages a log sink forwards): acked, never routed. */
  notAlerts: number;
}

type FalcoMessage = Extract<FalcoMessageResult, { ok: true }>;

/** Logs the 1st, 10th, 100th, … such line at info (the rest at debug): a count, not a line each. */
function isPowerOfTen(count: number): boolean {
  return /^10*$/.test(String(count));
}

export function createApp(deps: RouterDeps): Hono & { stats: RouterStats } {
  const now = deps.now ?? (() => new Date());
  const dedup = createIncidentDedup({ windowMs: deps.dedupWindowSeconds * 1000, now: () => now().getTime() });
  const stats: RouterStats = { routed: 0, duplicates: 0, unmatched: 0, notAlerts: 0 };

  // Incidents being routed right now: a concurrent duplicate waits for the first instead of racing it.
  const inFlight = new Map<string, Promise<void>>();

  const route = async (alert: FalcoAlert, logger: Logger): Promise<void> => {
    const incident = alert.incidentKey;
    // Wait until nobody routes this incident; several waiters must not all proceed after a failure.
    for (let pending = inFlight.get(incident); pending; pending = inFlight.get(incident)) {
      await pending.catch(() => undefined);
    }
    if (dedup.seen(incident)) {
      stats.duplicates += 1;
      logger.info(
        { incident, rule: alert.rule, duplicates: stats.duplicates },
        "duplicate alert within the dedup window: not routed again",
      );
      return;
    }
    const routing = publishCommands(alert, logger);
    inFlight.set(incident, routing);
    try {
      await routing;
    } finally {
      if (inFlight.get(incident) === routing) inFlight.delete(incident);
    }
  };

  const publishCommands = (alert: FalcoAlert, logger: Logger): Promise<void> =>
    withSpan(
      "router decide",
      { attributes: incidentSpanAttributes(alert.incidentKey, alert.rule, alert.priority, alert.target) },
      async (span) => {
        const decision = decide(alert, deps.playbooks, deps.dryRun);
        span.setAttributes({
          "riposte.playbooks": decision.matched,
          "riposte.actions": decision.actions.map((action) =>
            action.dryRun ? `${action.action} (dry-run)` : action.action,
          ),
        });
        await publishDecision(alert, decision, logger);
      },
    );

  const publishDecision = async (
    alert: FalcoAlert,
    decision: RoutingDecision,
    logger: Logger,
  ): Promise<void> => {
    const incident = alert.incidentKey;
    const commands = buildCommands(alert, decision, now());
    const results = await Promise.allSettled(
      commands.map(({ topic, command }) =>
        deps.publisher.publish(topic, command, messageAttributes(command)),
      ),
    );
    const failed = results.filter((result) => result.status === "rejected");
    if (failed.length > 0) {
      // Nothing is remembered, so the redelivery routes the alert again; actions are idempotent.
      throw new RetryableError(
        `${failed.length} of ${commands.length} command(s) could not be published for incident ${incident}`,
        {
          cause: (failed[0] as PromiseRejectedResult).reason,
        },
      );
    }
    dedup.remember(incident);
    if (commands.length === 0) stats.unmatched += 1;
    else stats.routed += 1;
    logger.info(
      {
        incident,
        rule: alert.rule,
        priority: alert.priority,
        target: alert.target,
        playbooks: decision.matched,
        actions: decision.actions.map((action) =>
          action.dryRun ? `${action.action} (dry-run)` : action.action,
        ),
      },
      commands.length > 0
        ? `routed ${alert.priority} alert to ${decision.actions.map((action) => action.action).join(", ")}`
        : `no playbook matched ${alert.priority} alert`,
    );
  };

  const countNotAlert = (reason: string, logger: Logger): void => {
    stats.notAlerts += 1;
    const level = isPowerOfTen(stats.notAlerts) ? "info" : "debug";
    logger[level](
      { notAlerts: stats.notAlerts, reason },
      "Falco log line that is not an alert: acked, not routed (notAlerts counts them)",
    );
  };

  const app = createPushApp({
    ...deps.push,
    routes: [
      pushRoute(
        "/",
        (data) => {
          const parsed = parseFalcoMessage(data, { clusterField: deps.clusterField });
          return parsed.ok ? { ok: true, value: parsed as FalcoMessage } : parsed;
        },
        async (message: FalcoMessage, context) =>
          message.kind === "alert"
            ? route(message.alert, context.logger)
            : countNotAlert(message.reason, context.logger),
        // One incident, one trace: the alert's trace id is its incident key.
        { traceIdOf: (message) => (message.kind === "alert" ? message.alert.incidentKey : undefined) },
      ),
    ],
  });
  return Object.assign(app, { stats });
}
