// Storm groups and their summaries: which alerts and outcomes are "the same thing again" for storm
// control, and the one message per closed window saying how many of them were held back.
import type { ActionOutcome, AlertSummary, OutcomeResult, TargetMessage } from "@riposte/falco-event";
import { errorMessage } from "@riposte/service-kit";
import { deliveryKey } from "./delivery-ledger.js";
import { priorityOfRank } from "./escalation.js";
import { type NotifierState, sentAt } from "./notifier-state.js";
import type { StormWindow } from "./storm.js";

/** What a window's summary says about its group, from the first event. */
export interface StormContext {
  about: "alerts" | "outcomes";
  rule: string;
  target?: TargetMessage;
  action?: string;
  result?: OutcomeResult;
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

/** Sends a closed window's summary to its destination; never throws (no push stands behind it). */
export async function sendStormSummary(
  state: NotifierState,
  window: StormWindow<StormContext>,
): Promise<void> {
  const { logger, settings } = state;
  const destination = state.destinations.byName(window.destination);
  if (!destination) return;
  const subject = `storm:${window.context.about}:${window.startedAt}:${window.key}`;
  const key = deliveryKey(window.firstIncident, destination.name, subject);
  if (state.ledger.has(key)) return;
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
  const request = destination.format.stormSummary(
    { ...notice, ...(highestPriority ? { highestPriority } : {}), subject, sentAt: sentAt(state) },
    destination,
  );
  try {
    const result = await state.deliverer.deliver(destination, request, {
      deadlineAt: state.now() + settings.summaryBudgetMs,
    });
    if (result.delivered) {
      state.ledger.markDelivered(key);
      logger.info(
        { destination: destination.name, count: window.suppressed, rule: context.rule },
        `storm summary sent to ${destination.name}: ${window.suppressed} more similar ${context.about}`,
      );
    } else {
      logger.error(
        { destination: destination.name, reason: result.reason, count: window.suppressed },
        `storm summary refused by ${destination.name}: ${result.reason}`,
      );
    }
  } catch (error) {
    // No Pub/Sub message stands behind a summary: it cannot be redelivered, only reported.
    logger.error(
      { destination: destination.name, err: errorMessage(error), count: window.suppressed },
      `storm summary for ${destination.name} lost: ${errorMessage(error)}`,
    );
  }
}
