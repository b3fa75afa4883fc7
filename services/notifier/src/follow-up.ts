// Following up on an ActionOutcome from another service: a short message to the destinations that got
// the announcement (or, when it is not known here, the defaults). Where storm control held the
// announcement back, a destructive outcome announces the incident in full and any other stays with it
// in the window's summary. Where the announcement went is read from the ledger (any instance may have
// made it); when it is known nowhere yet, a follow-up waits briefly (outcome grace) for it. It never
// produces an outcome of its own.
import { type ActionOutcome, isAtLeast } from "@riposte/contracts";
import { errorMessage, type PushContext, RetryableError } from "@riposte/service-kit";
import { announceTo } from "./announce.js";
import { type Announced, announcedIn } from "./announced.js";
import { ledgerCall } from "./delivery-ledger.js";
import type { Destination } from "./destinations.js";
import { actionLabel, isDecisionOutcome, isDestructiveOutcome } from "./escalation.js";
import { type IncidentRecord, outcomeSubject, reachedBy, traceIdOf } from "./incidents.js";
import { linksFor } from "./links.js";
import { type DestinationStatus, handlerDeadline, type NotifierState, sentAt } from "./notifier-state.js";
import type { StormAdmission } from "./storm.js";
import { alertStormKey, outcomeStormKey, ruleForSummary } from "./storm-summary.js";

export async function followUp(
  state: NotifierState,
  outcome: ActionOutcome,
  context: PushContext,
): Promise<void> {
  const { settings, incidents } = state;
  if (outcome.service === state.service) return;
  const deadlineAt = handlerDeadline(state);
  let record = incidents.record(outcome.incident);
  incidents.rememberOutcome(record, outcome);
  record.traceId ??= traceIdOf(context);
  if (outcome.result === "dry-run" || settings.quietOutcomes.has(`${outcome.action}:${outcome.result}`)) {
    context.logger.debug(
      { incident: outcome.incident, action: outcome.action },
      "outcome needs no follow-up",
    );
    return;
  }
  let known = record.settled ? undefined : await announcedIn(state, outcome.incident);
  if (!record.settled && !known?.settled) {
    // Neither here nor in the ledger yet: the announcement may be under way (here or elsewhere).
    await incidents.waitForAnnouncement(
      outcome.incident,
      Math.min(settings.outcomeGraceMs, deadlineAt - state.now()),
    );
    record = incidents.record(outcome.incident);
    known = undefined;
  }
  known ??= await announcedIn(state, outcome.incident);
  const targets = followUpDestinations(state, record, known, outcome);
  if (targets.length === 0) {
    context.logger.info(
      { incident: outcome.incident, action: outcome.action, result: outcome.result },
      "no destination to follow up on (the announcement went nowhere)",
    );
    return;
  }
  const results = await Promise.allSettled(
    targets.map((destination) => followUpAt(state, destination, outcome, record, known, context, deadlineAt)),
  );
  const transient = results.flatMap((r) => (r.status === "rejected" ? [errorMessage(r.reason)] : []));
  if (transient.length > 0) {
    throw new RetryableError(`follow-up for incident ${outcome.incident}: ${transient.join("; ")}`);
  }
}

/** Who hears about an outcome: where the announcement went (or was held back), else the defaults. */
function followUpDestinations(
  state: NotifierState,
  record: IncidentRecord,
  known: Announced,
  outcome: ActionOutcome,
): Destination[] {
  const { destinations } = state;
  if (known.settled || record.settled) {
    const names = new Set([...known.reached, ...reachedBy(record)]);
    return [...names].flatMap((name) => destinations.byName(name) ?? []);
  }
  // The announcement is known nowhere (it never came, or not yet): tell the default destinations that
  // take the alert's priority, so that no outcome goes unreported.
  const priority = outcome.alert?.priority ?? record.alert?.priority;
  return destinations.defaults.filter((d) => priority === undefined || isAtLeast(priority, d.minPriority));
}

/** The follow-up, or what replaces it where storm control held the announcement back. */
async function followUpAt(
  state: NotifierState,
  destination: Destination,
  outcome: ActionOutcome,
  record: IncidentRecord,
  known: Announced,
  context: PushContext,
  deadlineAt: number,
): Promise<DestinationStatus> {
  const heldBack = record.heldBackAt.has(destination.name) || known.heldBack.has(destination.name);
  const command = record.command ?? known.heldBack.get(destination.name);
  if (!heldBack || !command) {
    return followUpTo(state, destination, outcome, record, context, deadlineAt);
  }
  // Held back by storm control: something destructive was done (or a person decided on a held
  // action), so the incident is announced in full (listing this outcome).
  if (isDestructiveOutcome(outcome) || isDecisionOutcome(outcome))
    return announceTo(state, destination, command, record, context, deadlineAt);
  // Anything else (a failed export too) stays with the incident in the window's summary
  // ("`export-finding` failed ×1"): a follow-up would be about an incident this destination never saw.
  const noted = await ledgerCall("storm control", () =>
    state.storm.noteAction(
      destination.name,
      alertStormKey(command.alert.rule, command.target),
      outcome.incident,
      actionLabel(outcome),
    ),
  );
  if (noted) return { status: "held-back" };
  // The window has closed (its summary counted the incident): a follow-up is all that is left.
  return followUpTo(state, destination, outcome, record, context, deadlineAt);
}

function followUpTo(
  state: NotifierState,
  destination: Destination,
  outcome: ActionOutcome,
  record: IncidentRecord,
  context: PushContext,
  deadlineAt: number,
): Promise<DestinationStatus> {
  const { incident } = outcome;
  const subject = outcomeSubject(outcome);
  const alert = outcome.alert ?? record.alert;
  const target = outcome.target ?? record.target;
  // Admitted now, before any await, in the order outcomes came (see announceTo).
  const admission = destination.stormControl
    ? ledgerCall("storm control", () =>
        state.storm.admit({
          destination: destination.name,
          key: outcomeStormKey(outcome, alert, target),
          eventId: `${incident}:${subject}`,
          incident,
          // What was done (or failed to be done) to the cluster, and a person's decision on a held
          // action, are followed up at once, never summarised.
          escalate: isDestructiveOutcome(outcome) || isDecisionOutcome(outcome),
          context: {
            about: "outcomes",
            rule: ruleForSummary(alert?.rule ?? "(unknown rule)"),
            ...(target ? { target } : {}),
            action: outcome.action,
            result: outcome.result,
          },
        }),
      )
    : Promise.resolve<StormAdmission>("send");
  admission.catch(() => undefined);
  const delivery = { incident, destination: destination.name, subject };
  return state.deliveries.deliverOnce(delivery, async (): Promise<DestinationStatus> => {
    if ((await admission) === "suppressed") {
      context.logger.info(
        { incident, destination: destination.name, action: outcome.action },
        `follow-up held back for ${destination.name}: the same outcome of a similar alert was sent within the storm window`,
      );
      return { status: "held-back" };
    }
    const links = linksFor(state.links, incident, record.traceId);
    const known = { ...(alert ? { alert } : {}), ...(target ? { target } : {}) };
    const notice = { incident, outcome, ...known, links, subject, sentAt: sentAt(state) };
    const request = destination.format.followUp(notice, destination);
    const result = await state.deliverer.deliver(destination, request, {
      deadlineAt,
      signal: context.signal,
    });
    if (!result.delivered) {
      context.logger.warn(
        { incident, destination: destination.name, reason: result.reason },
        `destination ${destination.name} refused a follow-up for good: ${result.reason}`,
      );
      return { status: "failed", reason: result.reason };
    }
    context.logger.info(
      { incident, destination: destination.name, action: outcome.action },
      `follow-up sent to ${destination.name}: ${outcome.action} ${outcome.result}`,
    );
    return { status: "delivered", attempts: result.attempts };
  });
}
