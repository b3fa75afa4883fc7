// createApp: the router's push endpoint. Parse the alert, decide, publish one command per action —
// except the actions a playbook holds for approval, whose commands the ledger keeps until a person (or
// the deadline) decides.
// falco-events carries alerts from falcosidekick, from Falco itself, or in Cloud Logging LogEntries
// from a log sink; a sink also forwards Falco's other log lines, which are acked and counted only.
import {
  type AwaitingApproval,
  type FalcoAlert,
  type FalcoMessageResult,
  messageAttributes,
  parseFalcoMessage,
  summarizeAlert,
  type TargetMessage,
} from "@riposte/contracts";
import {
  type ClaimResult,
  type Ledger,
  LedgerUnavailableError,
  type RoutingDecisionRecord,
} from "@riposte/ledger";
import {
  createPushApp,
  incidentSpanAttributes,
  type Logger,
  type Publisher,
  type PushAppOptions,
  pushRoute,
  RetryableError,
  retryableOn,
  withSpan,
} from "@riposte/service-kit";
import type { Hono } from "hono";
import { buildCommands, decide, type RoutingDecision } from "./decide.js";
import { type ApprovalRequest, splitHeld, withAwaiting } from "./hold.js";
import type { CompiledPlaybook } from "./playbooks/match.js";

/** What the router asks of the incident ledger: its dedup claims, shared by every instance, and its holds. */
export type RouterLedger = Pick<Ledger, "claimIncident" | "markRouted" | "releaseClaim" | "requestApprovals">;
type Claimed = Extract<ClaimResult, { outcome: "claimed" }>;

export interface RouterDeps {
  push: Omit<PushAppOptions, "routes">;
  publisher: Publisher;
  ledger: RouterLedger;
  playbooks: readonly CompiledPlaybook[];
  /** After an incident is routed, its duplicates are acked for this long, by every instance. */
  dedupWindowSeconds: number;
  clusterField: string;
  dryRun: boolean;
  /** The commands' clock; the ledger's claims run on the ledger's own clock. */
  now?: () => Date;
}

export interface RouterStats {
  routed: number;
  duplicates: number;
  unmatched: number;
  /** Falco log lines that are not alerts (start-up messages a log sink forwards): acked, never routed. */
  notAlerts: number;
  /** Actions held for approval (their commands left to the ledger), a redelivered alert's again. */
  held: number;
}

type FalcoMessage = Extract<FalcoMessageResult, { ok: true }>;

/** Logs the 1st, 10th, 100th, … such line at info (the rest at debug): a count, not a line each. */
function isPowerOfTen(count: number): boolean {
  return /^10*$/.test(String(count));
}

export function createApp(deps: RouterDeps): Hono & { stats: RouterStats } {
  const router: RouterState = {
    deps,
    now: deps.now ?? (() => new Date()),
    dedupWindowMs: deps.dedupWindowSeconds * 1000,
    stats: { routed: 0, duplicates: 0, unmatched: 0, notAlerts: 0, held: 0 },
    inFlight: new Map(),
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
            ? route(router, message.alert, context.messageId, context.logger)
            : countNotAlert(router.stats, message.reason, context.logger),
        // One incident, one trace: the alert's trace id is its incident key.
        { traceIdOf: (message) => (message.kind === "alert" ? message.alert.incidentKey : undefined) },
      ),
    ],
  });
  return Object.assign(app, { stats: router.stats });
}

/** One router instance: what it was given, and what it counts and holds while it runs. */
interface RouterState {
  deps: RouterDeps;
  now: () => Date;
  dedupWindowMs: number;
  stats: RouterStats;
  /**
   * Incidents this instance is routing right now: a concurrent duplicate waits for the first instead
   * of racing it to the ledger (the ledger settles races between instances).
   */
  inFlight: Map<string, Promise<void>>;
}

async function route(
  router: RouterState,
  alert: FalcoAlert,
  messageId: string,
  logger: Logger,
): Promise<void> {
  const { inFlight } = router;
  const incident = alert.incidentKey;
  // Wait until nobody here routes this incident; several waiters must not all proceed after a failure.
  for (let pending = inFlight.get(incident); pending; pending = inFlight.get(incident)) {
    await pending.catch(() => undefined);
  }
  const routing = decideAndRoute(router, alert, messageId, logger);
  inFlight.set(incident, routing);
  try {
    await routing;
  } finally {
    if (inFlight.get(incident) === routing) inFlight.delete(incident);
  }
}

function decideAndRoute(
  router: RouterState,
  alert: FalcoAlert,
  messageId: string,
  logger: Logger,
): Promise<void> {
  const { deps, stats } = router;
  return withSpan(
    "router decide",
    { attributes: incidentSpanAttributes(alert.incidentKey, alert.rule, alert.priority, alert.target) },
    async (span) => {
      const decision = decide(alert, deps.playbooks, deps.dryRun);
      span.setAttributes({
        "riposte.playbooks": decision.matched,
        "riposte.actions": actionLabels(decision),
      });
      // The ledger out of reach: a 503, so Pub/Sub redelivers once it is back — never routed unclaimed.
      const claim = await retryableOn(
        LedgerUnavailableError,
        "could not claim the incident in the ledger",
        () =>
          deps.ledger.claimIncident(alert.incidentKey, decisionRecord(decision, alert.target), {
            dedupWindowMs: router.dedupWindowMs,
            // A redelivery of this message gets its claim back (a router that died mid-routing).
            claimant: messageId,
            alert: summarizeAlert(alert),
          }),
      );
      if (claim.outcome === "duplicate") {
        stats.duplicates += 1;
        logger.info(
          {
            incident: alert.incidentKey,
            rule: alert.rule,
            duplicates: stats.duplicates,
            claim: claim.state,
          },
          "duplicate alert within the dedup window: not routed again",
        );
        return;
      }
      await publishDecision(router, alert, decision, claim, logger);
    },
  );
}

async function publishDecision(
  router: RouterState,
  alert: FalcoAlert,
  decision: RoutingDecision,
  claim: Claimed,
  logger: Logger,
): Promise<void> {
  const { deps, stats } = router;
  const incident = alert.incidentKey;
  const { claimId } = claim;
  const issuedAt = router.now();
  const split = splitHeld(decision.actions, buildCommands(alert, decision, issuedAt), issuedAt);
  const { commands, awaiting } =
    split.held.length > 0
      ? await holdForApproval(router, incident, split, claimId, logger)
      : { commands: split.publish, awaiting: [] };
  const results = await Promise.allSettled(
    commands.map(({ topic, command }) => deps.publisher.publish(topic, command, messageAttributes(command))),
  );
  const failed = results.filter((result) => result.status === "rejected");
  if (failed.length > 0) {
    // The claim is given back, so the redelivery (to any instance) routes the alert again; the
    // commands that did go out are harmless twice: actions are idempotent.
    await releaseClaim(deps.ledger, incident, claimId, logger);
    throw new RetryableError(
      `${failed.length} of ${commands.length} command(s) could not be published for incident ${incident}`,
      {
        cause: (failed[0] as PromiseRejectedResult).reason,
      },
    );
  }
  await markRouted(deps.ledger, incident, claim, logger);
  if (decision.actions.length === 0) stats.unmatched += 1;
  else stats.routed += 1;
  const now = decision.actions.filter((action) => !action.approval).map((action) => action.action);
  const held = awaiting.map((item) => `${item.action} until ${item.deadline}`);
  logger.info(
    {
      incident,
      rule: alert.rule,
      priority: alert.priority,
      target: alert.target,
      playbooks: decision.matched,
      actions: actionLabels(decision),
    },
    decision.actions.length > 0
      ? `routed ${alert.priority} alert to ${now.join(", ") || "no action now"}${held.length > 0 ? `; held for approval: ${held.join(", ")}` : ""}`
      : `no playbook matched ${alert.priority} alert`,
  );
}

/**
 * The held commands go to the ledger before anything is published, so no command of the incident is out
 * while its held ones could still be lost; what the ledger stores (a redelivery: the first deadlines,
 * only those still awaiting) is what every published command tells. The ledger out of reach: the claim
 * is given back and the alert answered 503 — its redelivery holds and publishes, once.
 */
async function holdForApproval(
  router: RouterState,
  incident: string,
  split: { publish: ReturnType<typeof splitHeld>["publish"]; held: ApprovalRequest[] },
  claimId: string,
  logger: Logger,
): Promise<{ commands: ReturnType<typeof withAwaiting>; awaiting: AwaitingApproval[] }> {
  const { deps, stats } = router;
  try {
    const awaiting = await retryableOn(
      LedgerUnavailableError,
      "could not record the actions held for approval in the ledger",
      () => deps.ledger.requestApprovals(incident, split.held),
    );
    stats.held += split.held.length;
    const commands = withAwaiting(split.publish, awaiting);
    if (!commands.some(({ command }) => command.kind === "Notify"))
      logger.warn(
        { incident, held: split.held.map((request) => request.action) },
        "actions held for approval, and no notify in this decision: nobody is asked on Slack (riposte approvals list shows them)",
      );
    return { commands, awaiting };
  } catch (error) {
    await releaseClaim(deps.ledger, incident, claimId, logger);
    throw error;
  }
}

/** Each action of the decision as logs and spans show it, e.g. `kill-pod (dry-run)`, `kill-pod (held)`. */
function actionLabels(decision: RoutingDecision): string[] {
  return decision.actions.map((action) => {
    const marks = [action.dryRun && "dry-run", action.approval && "held"].filter(Boolean);
    return marks.length > 0 ? `${action.action} (${marks.join(", ")})` : action.action;
  });
}

/** Best effort: a claim not given back blocks duplicates only for its lease, then is claimable again. */
async function releaseClaim(
  ledger: RouterLedger,
  incident: string,
  claimId: string,
  logger: Logger,
): Promise<void> {
  try {
    await ledger.releaseClaim(incident, claimId);
  } catch (error) {
    logger.warn(
      { incident, error: (error as Error).message },
      "could not release the incident's claim: its redelivery routes it once the claim's lease is over",
    );
  }
}

/**
 * The commands are out, so the alert is acked even when the ledger cannot be told: a 503 would only
 * publish them again. The claim then stays `routing` and keeps duplicates out for its lease only.
 */
async function markRouted(
  ledger: RouterLedger,
  incident: string,
  claim: Claimed,
  logger: Logger,
): Promise<void> {
  try {
    if (!(await ledger.markRouted(incident, claim.claimId, claim.version)))
      logger.warn({ incident }, "the incident's claim was taken over by another router mid-routing");
  } catch (error) {
    logger.warn(
      { incident, error: (error as Error).message },
      "routed, but could not mark the incident routed in the ledger: duplicates are kept out for the claim's lease only",
    );
  }
}

function countNotAlert(stats: RouterStats, reason: string, logger: Logger): void {
  stats.notAlerts += 1;
  const level = isPowerOfTen(stats.notAlerts) ? "info" : "debug";
  logger[level](
    { notAlerts: stats.notAlerts, reason },
    "Falco log line that is not an alert: acked, not routed (notAlerts counts them)",
  );
}

/** The decision as the ledger stores it (no params: they are in the commands). */
function decisionRecord(decision: RoutingDecision, target: TargetMessage): RoutingDecisionRecord {
  return {
    playbooks: decision.matched,
    actions: decision.actions.map(({ action, dryRun, playbooks, order }) => ({
      action,
      dryRun,
      playbooks,
      ...(order ? { after: order.after, waitSeconds: Math.ceil(order.waitMs / 1_000) } : {}),
    })),
    target,
  };
}
