// Storm groups and their summaries: which alerts and outcomes are "the same thing again" for storm
// control, and the one message per closed window saying how many of them were held back.
import type { ActionOutcome, AlertSummary, OutcomeResult, TargetMessage } from "@riposte/contracts";
import type { StormSummaryRecord } from "@riposte/ledger";
import { errorMessage } from "@riposte/service-kit";
import { priorityOfRank } from "./escalation.js";
import { type DestinationStatus, type NotifierState, sentAt } from "./notifier-state.js";
import type { StormWindow } from "./storm.js";

/** What a window's summary says about its group, from the first event. */
export interface StormContext {
  about: "alerts" | "outcomes";
  rule: string;
  target?: TargetMessage;
  action?: string;
  result?: OutcomeResult;
}

/** Longest rule a storm window keeps for its summary: the window is one ledger document (≤ 1 MiB). */
const SUMMARY_RULE_MAX_CHARS = 16_384;

/** The rule as a window keeps it: Falco rules are short; an attacker's may be any length. */
export function ruleForSummary(rule: string): string {
  return rule.length <= SUMMARY_RULE_MAX_CHARS ? rule : `${rule.slice(0, SUMMARY_RULE_MAX_CHARS)}…`;
}

/** Groups alerts that are "the same thing again": rule and target (pod, or node when no pod). */
export function similarityKey(rule: string, target: TargetMessage | undefined): string {
  return JSON.stringify([
    rule,
    target?.cluster ?? null,
    target?.namespace ?? null,
    target?.pod ?? null,
    target?.pod ? null : (target?.node ?? null),
  ]);
}

/** The storm group of an alert's announcement. */
export function alertStormKey(rule: string, target: TargetMessage | undefined): string {
  return `alert\n${similarityKey(rule, target)}`;
}

/** The storm group of a follow-up: the same outcome of the same action for similar alerts. */
export function outcomeStormKey(
  outcome: ActionOutcome,
  alert: AlertSummary | undefined,
  target: TargetMessage | undefined,
): string {
  const similar = alert ? similarityKey(alert.rule, target) : outcome.incident;
  return `outcome\n${outcome.action}\n${outcome.result}\n${similar}`;
}

/**
 * Sends the summaries waiting in the ledger's outbox (windows closed by any instance); never throws (no
 * push stands behind a summary: what is not sent now stays for the next scheduled call). Returns how
 * many were sent.
 */
export async function sendPendingSummaries(state: NotifierState): Promise<number> {
  let pending: StormSummaryRecord[];
  try {
    pending = await state.ledger.pendingStormSummaries();
  } catch (error) {
    state.logger.error({ err: errorMessage(error) }, `storm summaries not read: ${errorMessage(error)}`);
    return 0;
  }
  const sent = await Promise.all(pending.map((record) => sendStormSummary(state, record)));
  return sent.filter(Boolean).length;
}

/** Sends one closed window's summary to its destination, once across instances (claimed in the ledger). */
async function sendStormSummary(state: NotifierState, record: StormSummaryRecord): Promise<boolean> {
  const { logger, settings } = state;
  const window = JSON.parse(record.summary) as StormWindow<StormContext>;
  const destination = state.destinations.byName(window.destination);
  const done = () => state.ledger.removeStormSummary(record.id);
  if (!destination) {
    // Its destination was removed from the config: nobody is left to tell.
    await done().catch(() => undefined);
    return false;
  }
  const subject = `storm:${record.id}`;
  const { context, firstIncident, incidents, actions, startedAt, endsAt } = window;
  const rank = window.highestHeldBackRank;
  const highestPriority = rank === undefined ? undefined : priorityOfRank(rank);
  const notice = {
    ...context,
    count: window.suppressed,
    firstIncident,
    incidents,
    actions,
    startedAt,
    endsAt,
  };
  try {
    const status = await state.deliveries.deliverOnce(
      { incident: firstIncident, destination: destination.name, subject },
      async (): Promise<DestinationStatus> => {
        const request = destination.format.stormSummary(
          { ...notice, ...(highestPriority ? { highestPriority } : {}), subject, sentAt: sentAt(state) },
          destination,
        );
        const result = await state.deliverer.deliver(destination, request, {
          deadlineAt: state.now() + settings.summaryBudgetMs,
        });
        return result.delivered
          ? { status: "delivered", attempts: result.attempts }
          : { status: "failed", reason: result.reason };
      },
    );
    if (status.status === "failed") {
      logger.error(
        { destination: destination.name, reason: status.reason, count: window.suppressed },
        `storm summary refused by ${destination.name}: ${status.reason}`,
      );
    } else if (status.status === "delivered") {
      logger.info(
        { destination: destination.name, count: window.suppressed, rule: context.rule },
        `storm summary sent to ${destination.name}: ${window.suppressed} more similar ${context.about}`,
      );
    }
    // Sent, sent before, or refused for good: out of the outbox.
    await done();
    return status.status === "delivered";
  } catch (error) {
    // Not sent yet (destination or ledger unreachable, or another instance sending it): it stays in the
    // outbox for the next scheduled call.
    logger.warn(
      { destination: destination.name, err: errorMessage(error), count: window.suppressed },
      `storm summary for ${destination.name} not sent yet: ${errorMessage(error)}`,
    );
    return false;
  }
}
