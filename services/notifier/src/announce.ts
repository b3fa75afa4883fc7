// Announcing a Notify command: once per chosen destination (remembered per incident and destination,
// so a redelivery sends nothing new), subject to storm control, then reported as ONE ActionOutcome. A
// destination that cannot be reached yet makes the whole push retryable, and nothing is reported until
// the redelivery has sent what was missing.
import { isAtLeast, type NotifyCommand, type OutcomeResult } from "@riposte/contracts";
import { errorMessage, type PushContext, RetryableError, reportOutcome } from "@riposte/service-kit";
import { ledgerCall } from "./delivery-ledger.js";
import type { Destination } from "./destinations.js";
import { asksForDecision, isDestructiveOutcome, priorityRank } from "./escalation.js";
import { type IncidentRecord, outcomeSubject, traceIdOf } from "./incidents.js";
import { linksFor } from "./links.js";
import { type DestinationStatus, handlerDeadline, type NotifierState, sentAt } from "./notifier-state.js";
import type { StormAdmission } from "./storm.js";
import { alertStormKey, ruleForSummary } from "./storm-summary.js";

/** Announces the incident to one destination, unless it has it already or storm control holds it back. */
export function announceTo(
  state: NotifierState,
  destination: Destination,
  command: NotifyCommand,
  record: IncidentRecord,
  context: PushContext,
  deadlineAt: number,
  /** Something that must be seen happened to this incident (e.g. its command was dead-lettered). */
  mustBeSeen = false,
): Promise<DestinationStatus> {
  const { incident, alert, target } = command;
  // Announced by this instance: no ledger call needed.
  if (record.announcedTo.has(destination.name)) return Promise.resolve({ status: "already-delivered" });
  // Admitted now, before any await: every destination's window sees this instance's alerts in the order
  // they came, so one alert opens all of them. Never held back: a higher priority than announced in the
  // window, a destructive action done, a decision asked of a person (held actions wait for it, and a
  // summary has no buttons), or anything else that must be seen.
  const admission = destination.stormControl
    ? ledgerCall("storm control", () =>
        state.storm.admit({
          destination: destination.name,
          key: alertStormKey(alert.rule, target),
          eventId: `alert:${incident}`,
          incident,
          context: { about: "alerts", rule: ruleForSummary(alert.rule), target },
          rank: priorityRank(alert.priority),
          escalate: mustBeSeen || asksForDecision(command) || record.outcomes.some(isDestructiveOutcome),
        }),
      )
    : Promise.resolve<StormAdmission>("send");
  // Awaited under the claim below; a failed claim must not leave it unhandled.
  admission.catch(() => undefined);
  const delivery = { incident, destination: destination.name, subject: "alert" };
  /** Subjects of the outcomes the announcement listed. */
  const listed: string[] = [];
  const send = async (): Promise<DestinationStatus> => {
    if ((await admission) === "suppressed") {
      record.heldBackAt.add(destination.name);
      // With the command: any instance can announce it in full if something destructive follows.
      await recordNotification(state, incident, destination.name, {
        status: "held-back",
        command: JSON.stringify(command),
      });
      return { status: "held-back" };
    }
    const outcomes = [...record.outcomes];
    const links = linksFor(state.links, incident, record.traceId);
    const notice = {
      incident,
      alert,
      target,
      playbooks: command.playbooks,
      outcomes,
      awaitingApproval: command.awaitingApproval ?? [],
      links,
    };
    const request = destination.format.alert(
      { ...notice, subject: "alert", sentAt: sentAt(state) },
      destination,
    );
    const result = await state.deliverer.deliver(destination, request, {
      deadlineAt,
      signal: context.signal,
    });
    if (!result.delivered) {
      context.logger.warn(
        { incident, destination: destination.name, status: result.status, reason: result.reason },
        `destination ${destination.name} refused the announcement for good: ${result.reason}`,
      );
      await recordNotification(state, incident, destination.name, {
        status: "failed",
        reason: result.reason,
      });
      return { status: "failed", reason: result.reason };
    }
    record.announcedTo.add(destination.name);
    record.heldBackAt.delete(destination.name);
    context.logger.info(
      { incident, destination: destination.name, attempts: result.attempts, rule: alert.rule },
      `announced ${alert.priority} alert to ${destination.name}`,
    );
    // The outcomes listed in the announcement need no follow-up of their own.
    for (const outcome of outcomes) listed.push(outcomeSubject(outcome));
    return { status: "delivered", attempts: result.attempts };
  };
  return state.deliveries.deliverOnce(delivery, send).then(async (status) => {
    // Written once the delivery is marked sent (so a failure here never sends it again), and again by
    // each redelivery until it lands: where it was announced, for follow-ups from any instance.
    if (status.status === "delivered" || status.status === "already-delivered") {
      await recordNotification(state, incident, destination.name, { status: "sent" });
    }
    for (const subject of listed) {
      await state.deliveries.markDelivered({ incident, destination: destination.name, subject });
    }
    return status;
  });
}

/** Writes the destination's notification on the incident document (the ledger's merge). */
function recordNotification(
  state: NotifierState,
  incident: string,
  destination: string,
  notification: Parameters<NotifierState["ledger"]["recordNotification"]>[2],
): Promise<void> {
  return ledgerCall("recording the notification in the ledger", () =>
    state.ledger.recordNotification(incident, destination, notification),
  );
}

/** The destinations the command names (or the defaults), and why any of them is skipped. */
function selectDestinations(state: NotifierState, command: NotifyCommand) {
  const requested =
    command.params.destinations.length > 0
      ? [...new Set(command.params.destinations)]
      : state.destinations.defaults.map((d) => d.name);
  const chosen: Destination[] = [];
  const skipped: Record<string, string> = {};
  for (const name of requested) {
    const destination = state.destinations.byName(name);
    if (!destination) skipped[name] = "unknown destination";
    else if (!isAtLeast(command.alert.priority, destination.minPriority)) {
      skipped[name] = `below min_priority ${destination.minPriority}`;
    } else chosen.push(destination);
  }
  return { chosen, skipped };
}

async function publishOutcome(
  state: NotifierState,
  command: NotifyCommand,
  context: PushContext,
  result: OutcomeResult,
  reason: string,
  details: Record<string, unknown>,
): Promise<void> {
  await reportOutcome(state.publisher, command, {
    service: state.service,
    result,
    reason,
    details,
    at: new Date(state.now()),
  });
  // One line per command handled, whatever happened (held back and already-sent included).
  context.logger.info(
    { incident: command.incident, rule: command.alert.rule, result, destinations: details.destinations },
    `notify ${result}: ${reason}`,
  );
}

export async function announce(
  state: NotifierState,
  command: NotifyCommand,
  context: PushContext,
): Promise<void> {
  const deadlineAt = handlerDeadline(state);
  const record = state.incidents.record(command.incident);
  record.command = command;
  record.alert = command.alert;
  record.target = command.target;
  record.traceId ??= traceIdOf(context);
  const { chosen, skipped } = selectDestinations(state, command);

  if (command.dryRun) {
    // A dry-run announcement goes nowhere, and so do follow-ups about its incident.
    state.incidents.settle(command.incident, record);
    const wouldSend = Object.fromEntries(chosen.map((d) => [d.name, "would send"]));
    const reason =
      chosen.length > 0
        ? `would notify ${chosen.map((d) => d.name).join(", ")}`
        : "no destination would be notified";
    await publishOutcome(state, command, context, "dry-run", reason, {
      destinations: { ...wouldSend, ...skipped },
    });
    return;
  }

  let settledResults: PromiseSettledResult<DestinationStatus>[];
  try {
    settledResults = await Promise.allSettled(
      chosen.map((destination) => announceTo(state, destination, command, record, context, deadlineAt)),
    );
  } finally {
    state.incidents.settle(command.incident, record);
  }

  const transient = settledResults.flatMap((r) => (r.status === "rejected" ? [errorMessage(r.reason)] : []));
  if (transient.length > 0) {
    // Nothing is reported yet: the redelivery sends only what is missing, then reports once.
    throw new RetryableError(`incident ${command.incident}: ${transient.join("; ")}`, {
      cause: settledResults.find((r) => r.status === "rejected")?.reason,
    });
  }
  const statuses = settledResults.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const { result, reason } = announcementOutcome(command, chosen, skipped, statuses);
  const details = { destinations: { ...statusLines(chosen, statuses), ...skipped } };
  await publishOutcome(state, command, context, result, reason, details);
}

/** The one outcome of an announcement, from each chosen destination's status. */
function announcementOutcome(
  command: NotifyCommand,
  chosen: readonly Destination[],
  skipped: Readonly<Record<string, string>>,
  statuses: readonly DestinationStatus[],
): { result: OutcomeResult; reason: string } {
  const unknown = Object.keys(skipped).filter((name) => skipped[name] === "unknown destination");
  const namesWith = (status: DestinationStatus["status"]) =>
    chosen.filter((_, index) => statuses[index]?.status === status).map((d) => d.name);
  const ignoredNote = unknown.length > 0 ? `; unknown destination(s) ignored: ${unknown.join(", ")}` : "";
  if (chosen.length === 0) {
    const why =
      unknown.length > 0
        ? `unknown destination(s): ${unknown.join(", ")}`
        : `no destination takes ${command.alert.priority} alerts (min_priority)`;
    return { result: "refused", reason: why };
  }
  const failed = namesWith("failed");
  if (failed.length > 0) return { result: "failed", reason: `refused by ${failed.join(", ")}${ignoredNote}` };
  if (statuses.every((s) => s.status !== "delivered")) {
    const allHeld = statuses.every((s) => s.status === "held-back");
    const reason = allHeld
      ? "a similar alert was announced within the storm window; counted for its summary"
      : "already announced";
    return { result: "already-done", reason: reason + ignoredNote };
  }
  return { result: "done", reason: `announced to ${namesWith("delivered").join(", ")}${ignoredNote}` };
}

/** "delivered", "failed: HTTP 404 …", "held back (storm control)" per destination name. */
function statusLines(chosen: readonly Destination[], statuses: readonly DestinationStatus[]) {
  return Object.fromEntries(
    statuses.map((value, index) => [
      (chosen[index] as Destination).name,
      value.status === "failed"
        ? `failed: ${value.reason}`
        : value.status === "held-back"
          ? "held back (storm control)"
          : value.status,
    ]),
  );
}
