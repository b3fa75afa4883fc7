// What the notifier does with each message, over injected destinations, deliverer and publisher:
// - a Notify command is announced once per destination (remembered per incident and destination, so a
//   redelivery sends nothing new), subject to storm control, and reported as one ActionOutcome;
// - an ActionOutcome from another service becomes a short follow-up to the destinations that got the
//   announcement; where storm control held it back, a destructive outcome announces the incident in
//   full and any other stays with it in the window's summary. It never produces an outcome of its own.
// Outcomes may arrive before the command: they are remembered and listed in the announcement, and a
// follow-up waits briefly (outcome grace) for an announcement in progress on this instance.
import {
  type ActionOutcome,
  type AlertSummary,
  isAtLeast,
  type NotifyCommand,
  type OutcomeResult,
  type TargetMessage,
} from "@riposte/falco-event";
import {
  currentTraceIds,
  errorMessage,
  type Logger,
  type Publisher,
  type PushContext,
  RetryableError,
  reportOutcome,
} from "@riposte/service-kit";
import type { Deliverer, DeliveryRequest } from "./delivery.js";
import type { Destination, DestinationSet, WebhookDestination } from "./destinations.js";
import { actionLabel, isDestructiveOutcome, priorityOfRank, priorityRank } from "./escalation.js";
import { ExpiringMap } from "./expiring-map.js";
import { type LinkSettings, linksFor, traceIdOfMessage } from "./links.js";
import {
  buildAlertMessage,
  buildFollowUpMessage,
  buildStormSummaryMessage,
  type SlackMessage,
} from "./slack-message.js";
import { StormControl, type StormWindow } from "./storm.js";
import {
  signedWebhookRequest,
  type WebhookBody,
  webhookAlert,
  webhookEventId,
  webhookLinks,
  webhookOutcome,
  webhookTarget,
} from "./webhook.js";

export interface NotifierSettings {
  /** Similar events within this window are collapsed into one message and a summary; 0 = off. */
  stormWindowMs: number;
  /** How long a follow-up waits for the announcement of its incident to finish on this instance. */
  outcomeGraceMs: number;
  /** How long deliveries and incidents are remembered (redeliveries later than this send again). */
  memoryTtlMs: number;
  /** Incidents remembered at most (oldest forgotten first). */
  maxIncidents: number;
  /** `action:result` pairs that get no follow-up (e.g. a successful SCC export: the link is already there). */
  quietOutcomes: ReadonlySet<string>;
  /** Time a storm summary, sent outside any request, may take. */
  summaryBudgetMs: number;
}

export const DEFAULT_NOTIFIER_SETTINGS: NotifierSettings = {
  // The "N more similar alerts in 5 min".
  stormWindowMs: 5 * 60_000,
  // The router publishes the Notify and the actioners' commands together; an action's outcome
  // usually arrives after the announcement, and a few seconds covers the rest without holding pushes long.
  outcomeGraceMs: 5_000,
  // Pub/Sub redelivers within minutes; a day also covers a dead-letter replay the same day.
  memoryTtlMs: 24 * 60 * 60_000,
  maxIncidents: 10_000,
  quietOutcomes: new Set(["export-finding:done", "export-finding:already-done"]),
  // Shutdown has ~2 s before Cloud Run kills the instance; a timer-driven summary has more.
  summaryBudgetMs: 20_000,
};

export interface NotifierOptions {
  /** This service's name: outcomes it published itself are ignored. */
  service: string;
  destinations: DestinationSet;
  deliverer: Deliverer;
  publisher: Publisher;
  links: LinkSettings;
  logger: Logger;
  /** Time a push handler may spend before answering (below the push deadline). */
  handlerBudgetMs: number;
  settings?: Partial<NotifierSettings>;
  now?: () => number;
}

export interface Notifier {
  announce(command: NotifyCommand, context: PushContext): Promise<void>;
  followUp(outcome: ActionOutcome, context: PushContext): Promise<void>;
  /** Destinations that got (or held back) the incident's announcement on this instance. */
  incidentDestinations(incident: string): string[];
  /**
   * Announces the incident in full to `destination` when storm control held it back there (a failed
   * action about to be reported must not name an incident that destination never saw); undefined when
   * it was not held back there. Throws RetryableError when the destination cannot be reached yet.
   */
  announceWhereHeldBack(
    incident: string,
    destination: string,
    context: PushContext,
    deadlineAt: number,
  ): Promise<DestinationStatus | undefined>;
  /** Sends the summaries of every open storm window now and waits for them (shutdown). */
  flush(budgetMs?: number): Promise<void>;
  /** Stops timers without sending anything (tests). */
  dispose(): void;
}

/** What happened per destination, as reported in the outcome's details. */
export type DestinationStatus =
  | { status: "delivered"; attempts: number }
  | { status: "already-delivered" }
  | { status: "held-back" }
  | { status: "failed"; reason: string };

interface IncidentRecord {
  /** The Notify command, once it arrived: an escalation announces it later to where it was held back. */
  command?: NotifyCommand;
  alert?: AlertSummary;
  target?: TargetMessage;
  traceId?: string;
  /** An announcement has been attempted on this instance (whatever its result). */
  settled: boolean;
  /** Destinations that received the announcement. */
  announcedTo: Set<string>;
  /** Destinations where storm control held the announcement back. */
  heldBackAt: Set<string>;
  /** Outcomes seen for this incident, one per service/action/result. */
  outcomes: ActionOutcome[];
}

interface StormContext {
  about: "alerts" | "outcomes";
  rule: string;
  target?: TargetMessage;
  action?: string;
  result?: OutcomeResult;
}

const MAX_OUTCOMES_PER_INCIDENT = 20;
/** Time kept back from the handler budget for publishing the outcome and answering. */
const ANSWER_MARGIN_MS = 1_000;

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
function alertStormKey(rule: string, target: TargetMessage | undefined): string {
  return `alert\n${similarityKey(rule, target)}`;
}

/** The trace this message belongs to (one incident, one trace), when it is sampled. */
function traceIdOf(context: PushContext): string | undefined {
  const active = currentTraceIds();
  if (active?.sampled) return active.traceId;
  return traceIdOfMessage(context.attributes);
}

function outcomeSubject(outcome: ActionOutcome): string {
  return `outcome:${outcome.service}:${outcome.action}:${outcome.result}`;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const settings: NotifierSettings = { ...DEFAULT_NOTIFIER_SETTINGS, ...options.settings };
  const now = options.now ?? Date.now;
  const { destinations, deliverer, logger } = options;

  const memory = { ttlMs: settings.memoryTtlMs, now };
  const incidents = new ExpiringMap<string, IncidentRecord>({ ...memory, maxEntries: settings.maxIncidents });
  /** `incident|destination|subject` of every message delivered. */
  const delivered = new ExpiringMap<string, true>({ ...memory, maxEntries: settings.maxIncidents * 8 });
  const inFlight = new Map<string, Promise<unknown>>();
  const announcementWaiters = new Map<string, Set<() => void>>();
  const pendingSummaries = new Set<Promise<void>>();

  const storm = new StormControl<StormContext>({
    windowMs: settings.stormWindowMs,
    now,
    onSummary: (window) => {
      const sending = sendSummary(window).finally(() => pendingSummaries.delete(sending));
      pendingSummaries.add(sending);
    },
  });

  const recordOf = (incident: string): IncidentRecord => {
    const record = incidents.get(incident) ?? {
      settled: false,
      announcedTo: new Set<string>(),
      heldBackAt: new Set<string>(),
      outcomes: [],
    };
    incidents.set(incident, record);
    return record;
  };

  const deliveryKey = (incident: string, destination: string, subject: string) =>
    `${incident}|${destination}|${subject}`;

  /** Runs `task` for `key` unless one is running; a concurrent duplicate waits, then runs (and sees the ledger). */
  const singleFlight = async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    for (let pending = inFlight.get(key); pending; pending = inFlight.get(key)) {
      await pending.catch(() => undefined);
    }
    const running = task();
    inFlight.set(key, running);
    try {
      return await running;
    } finally {
      if (inFlight.get(key) === running) inFlight.delete(key);
    }
  };

  const waitForAnnouncement = (incident: string, ms: number): Promise<void> => {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = announcementWaiters.get(incident) ?? new Set<() => void>();
      announcementWaiters.set(incident, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) announcementWaiters.delete(incident);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  };

  const wakeWaiters = (incident: string) => {
    for (const done of [...(announcementWaiters.get(incident) ?? [])]) done();
  };

  const slackRequest = (message: SlackMessage): DeliveryRequest => ({ body: JSON.stringify(message) });

  const webhookRequest = (destination: WebhookDestination, body: WebhookBody): DeliveryRequest =>
    signedWebhookRequest(destination.secret, body);

  const sentAt = () => new Date(now()).toISOString();

  // ---------------------------------------------------------------------------------------------
  // Announcements

  const announceTo = (
    destination: Destination,
    command: NotifyCommand,
    record: IncidentRecord,
    context: PushContext,
    deadlineAt: number,
    /** Something that must be seen happened to this incident (e.g. its command was dead-lettered). */
    mustBeSeen = false,
  ): Promise<DestinationStatus> => {
    const { incident, alert, target } = command;
    const key = deliveryKey(incident, destination.name, "alert");
    return singleFlight(key, async (): Promise<DestinationStatus> => {
      if (delivered.has(key)) return { status: "already-delivered" };
      if (destination.stormControl) {
        // Never held back: a higher priority than announced in the window, a destructive action done,
        // or anything else that must be seen.
        const admission = storm.admit({
          destination: destination.name,
          key: alertStormKey(alert.rule, target),
          eventId: `alert:${incident}`,
          incident,
          context: { about: "alerts", rule: alert.rule, target },
          rank: priorityRank(alert.priority),
          escalate: mustBeSeen || record.outcomes.some(isDestructiveOutcome),
        });
        if (admission === "suppressed") {
          record.heldBackAt.add(destination.name);
          return { status: "held-back" };
        }
      }
      const outcomes = [...record.outcomes];
      const links = linksFor(options.links, incident, record.traceId);
      const request =
        destination.type === "slack"
          ? slackRequest(
              buildAlertMessage({ incident, alert, target, playbooks: command.playbooks, outcomes, links }),
            )
          : webhookRequest(destination, {
              version: 1,
              type: "alert",
              event_id: webhookEventId(incident, "alert"),
              incident,
              alert: webhookAlert(alert),
              target: webhookTarget(target),
              playbooks: command.playbooks,
              outcomes: outcomes.map(webhookOutcome),
              links: webhookLinks(links),
              sent_at: sentAt(),
            });
      const result = await deliverer.deliver(destination, request, { deadlineAt, signal: context.signal });
      if (!result.delivered) {
        context.logger.warn(
          { incident, destination: destination.name, status: result.status, reason: result.reason },
          `destination ${destination.name} refused the announcement for good: ${result.reason}`,
        );
        return { status: "failed", reason: result.reason };
      }
      delivered.set(key, true);
      // The outcomes listed in the announcement need no follow-up of their own here.
      for (const outcome of outcomes) {
        delivered.set(deliveryKey(incident, destination.name, outcomeSubject(outcome)), true);
      }
      record.announcedTo.add(destination.name);
      record.heldBackAt.delete(destination.name);
      context.logger.info(
        { incident, destination: destination.name, attempts: result.attempts, rule: alert.rule },
        `announced ${alert.priority} alert to ${destination.name}`,
      );
      return { status: "delivered", attempts: result.attempts };
    });
  };

  const selectDestinations = (command: NotifyCommand) => {
    const requested =
      command.params.destinations.length > 0
        ? [...new Set(command.params.destinations)]
        : destinations.defaults.map((d) => d.name);
    const chosen: Destination[] = [];
    const skipped: Record<string, string> = {};
    for (const name of requested) {
      const destination = destinations.byName(name);
      if (!destination) skipped[name] = "unknown destination";
      else if (!isAtLeast(command.alert.priority, destination.minPriority)) {
        skipped[name] = `below min_priority ${destination.minPriority}`;
      } else chosen.push(destination);
    }
    return { chosen, skipped };
  };

  const publishOutcome = async (
    command: NotifyCommand,
    context: PushContext,
    result: OutcomeResult,
    reason: string,
    details: Record<string, unknown>,
  ): Promise<void> => {
    await reportOutcome(options.publisher, command, {
      service: options.service,
      result,
      reason,
      details,
      at: new Date(now()),
    });
    // One line per command handled, whatever happened (held back and already-sent included).
    context.logger.info(
      { incident: command.incident, rule: command.alert.rule, result, destinations: details.destinations },
      `notify ${result}: ${reason}`,
    );
  };

  const announce = async (command: NotifyCommand, context: PushContext): Promise<void> => {
    const deadlineAt = now() + options.handlerBudgetMs - ANSWER_MARGIN_MS;
    const record = recordOf(command.incident);
    record.command = command;
    record.alert = command.alert;
    record.target = command.target;
    record.traceId ??= traceIdOf(context);
    const { chosen, skipped } = selectDestinations(command);

    if (command.dryRun) {
      // A dry-run announcement goes nowhere, and so do follow-ups about its incident.
      record.settled = true;
      wakeWaiters(command.incident);
      const wouldSend = Object.fromEntries(chosen.map((d) => [d.name, "would send"]));
      await publishOutcome(
        command,
        context,
        "dry-run",
        chosen.length > 0
          ? `would notify ${chosen.map((d) => d.name).join(", ")}`
          : "no destination would be notified",
        { destinations: { ...wouldSend, ...skipped } },
      );
      return;
    }

    let settledResults: PromiseSettledResult<DestinationStatus>[];
    try {
      settledResults = await Promise.allSettled(
        chosen.map((destination) => announceTo(destination, command, record, context, deadlineAt)),
      );
    } finally {
      record.settled = true;
      wakeWaiters(command.incident);
    }

    const statuses: Record<string, string> = {};
    const transient: string[] = [];
    settledResults.forEach((settled, index) => {
      const name = (chosen[index] as Destination).name;
      if (settled.status === "rejected") {
        transient.push(errorMessage(settled.reason));
        statuses[name] = "retrying";
        return;
      }
      const value = settled.value;
      statuses[name] =
        value.status === "failed"
          ? `failed: ${value.reason}`
          : value.status === "held-back"
            ? "held back (storm control)"
            : value.status;
    });
    if (transient.length > 0) {
      // Nothing is reported yet: the redelivery sends only what is missing, then reports once.
      throw new RetryableError(`incident ${command.incident}: ${transient.join("; ")}`, {
        cause: settledResults.find((r) => r.status === "rejected")?.reason,
      });
    }

    const values = settledResults.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const details = { destinations: { ...statuses, ...skipped } };
    const unknown = Object.keys(skipped).filter((name) => skipped[name] === "unknown destination");
    const failed = chosen.filter((_, index) => values[index]?.status === "failed").map((d) => d.name);
    const ignoredNote = unknown.length > 0 ? `; unknown destination(s) ignored: ${unknown.join(", ")}` : "";
    if (chosen.length === 0) {
      const why =
        unknown.length > 0
          ? `unknown destination(s): ${unknown.join(", ")}`
          : `no destination takes ${command.alert.priority} alerts (min_priority)`;
      await publishOutcome(command, context, "refused", why, details);
    } else if (failed.length > 0) {
      await publishOutcome(
        command,
        context,
        "failed",
        `refused by ${failed.join(", ")}${ignoredNote}`,
        details,
      );
    } else if (values.every((v) => v.status !== "delivered")) {
      const allHeld = values.every((v) => v.status === "held-back");
      const reason = allHeld
        ? "a similar alert was announced within the storm window; counted for its summary"
        : "already announced";
      await publishOutcome(command, context, "already-done", reason + ignoredNote, details);
    } else {
      const sentTo = chosen.filter((_, index) => values[index]?.status === "delivered").map((d) => d.name);
      await publishOutcome(
        command,
        context,
        "done",
        `announced to ${sentTo.join(", ")}${ignoredNote}`,
        details,
      );
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Follow-ups

  const followUpTo = (
    destination: Destination,
    outcome: ActionOutcome,
    record: IncidentRecord,
    context: PushContext,
    deadlineAt: number,
  ): Promise<DestinationStatus> => {
    const subject = outcomeSubject(outcome);
    const key = deliveryKey(outcome.incident, destination.name, subject);
    return singleFlight(key, async (): Promise<DestinationStatus> => {
      if (delivered.has(key)) return { status: "already-delivered" };
      const alert = outcome.alert ?? record.alert;
      const target = outcome.target ?? record.target;
      if (destination.stormControl) {
        const admission = storm.admit({
          destination: destination.name,
          key: `outcome\n${outcome.action}\n${outcome.result}\n${alert ? similarityKey(alert.rule, target) : outcome.incident}`,
          eventId: `${outcome.incident}:${subject}`,
          incident: outcome.incident,
          // What was done (or failed to be done) to the cluster is followed up at once, never summarised.
          escalate: isDestructiveOutcome(outcome),
          context: {
            about: "outcomes",
            rule: alert?.rule ?? "(unknown rule)",
            ...(target ? { target } : {}),
            action: outcome.action,
            result: outcome.result,
          },
        });
        if (admission === "suppressed") {
          context.logger.info(
            { incident: outcome.incident, destination: destination.name, action: outcome.action },
            `follow-up held back for ${destination.name}: the same outcome of a similar alert was sent within the storm window`,
          );
          return { status: "held-back" };
        }
      }
      const links = linksFor(options.links, outcome.incident, record.traceId);
      const request =
        destination.type === "slack"
          ? slackRequest(
              buildFollowUpMessage({
                outcome,
                ...(alert ? { rule: alert.rule } : {}),
                ...(target ? { target } : {}),
                links,
              }),
            )
          : webhookRequest(destination, {
              version: 1,
              type: "outcome",
              event_id: webhookEventId(outcome.incident, subject),
              incident: outcome.incident,
              ...(alert ? { alert: webhookAlert(alert) } : {}),
              ...(target ? { target: webhookTarget(target) } : {}),
              outcome: webhookOutcome(outcome),
              links: webhookLinks(links),
              sent_at: sentAt(),
            });
      const result = await deliverer.deliver(destination, request, { deadlineAt, signal: context.signal });
      if (!result.delivered) {
        context.logger.warn(
          { incident: outcome.incident, destination: destination.name, reason: result.reason },
          `destination ${destination.name} refused a follow-up for good: ${result.reason}`,
        );
        return { status: "failed", reason: result.reason };
      }
      delivered.set(key, true);
      context.logger.info(
        { incident: outcome.incident, destination: destination.name, action: outcome.action },
        `follow-up sent to ${destination.name}: ${outcome.action} ${outcome.result}`,
      );
      return { status: "delivered", attempts: result.attempts };
    });
  };

  const rememberOutcome = (record: IncidentRecord, outcome: ActionOutcome) => {
    const subject = outcomeSubject(outcome);
    if (record.outcomes.some((known) => outcomeSubject(known) === subject)) return;
    if (record.outcomes.length < MAX_OUTCOMES_PER_INCIDENT) record.outcomes.push(outcome);
    if (!record.alert && outcome.alert) record.alert = outcome.alert;
    if (!record.target && outcome.target) record.target = outcome.target;
  };

  /** Who hears about an outcome: where the announcement went (or was held back), else the defaults. */
  const followUpDestinations = (record: IncidentRecord, outcome: ActionOutcome): Destination[] => {
    if (record.settled) {
      return [...new Set([...record.announcedTo, ...record.heldBackAt])].flatMap((name) => {
        const destination = destinations.byName(name);
        return destination ? [destination] : [];
      });
    }
    // The announcement is not known here (another instance has it, or it never came): tell the
    // default destinations that take the alert's priority, so that no outcome goes unreported.
    const priority = outcome.alert?.priority ?? record.alert?.priority;
    return destinations.defaults.filter((d) => priority === undefined || isAtLeast(priority, d.minPriority));
  };

  const followUp = async (outcome: ActionOutcome, context: PushContext): Promise<void> => {
    if (outcome.service === options.service) return;
    const deadlineAt = now() + options.handlerBudgetMs - ANSWER_MARGIN_MS;
    let record = recordOf(outcome.incident);
    rememberOutcome(record, outcome);
    record.traceId ??= traceIdOf(context);
    if (outcome.result === "dry-run" || settings.quietOutcomes.has(`${outcome.action}:${outcome.result}`)) {
      context.logger.debug(
        { incident: outcome.incident, action: outcome.action },
        "outcome needs no follow-up",
      );
      return;
    }
    if (!record.settled) {
      await waitForAnnouncement(outcome.incident, Math.min(settings.outcomeGraceMs, deadlineAt - now()));
      record = recordOf(outcome.incident);
    }
    const targets = followUpDestinations(record, outcome);
    if (targets.length === 0) {
      context.logger.info(
        { incident: outcome.incident, action: outcome.action, result: outcome.result },
        "no destination to follow up on (the announcement went nowhere)",
      );
      return;
    }
    const results = await Promise.allSettled(
      targets.map((destination) => {
        const { command } = record;
        if (!record.heldBackAt.has(destination.name) || !command) {
          return followUpTo(destination, outcome, record, context, deadlineAt);
        }
        // Held back by storm control: something destructive was done, so the incident is announced in
        // full (listing this outcome).
        if (isDestructiveOutcome(outcome))
          return announceTo(destination, command, record, context, deadlineAt);
        // Anything else (a failed export too) stays with the incident in the window's summary
        // ("`export-finding` failed ×1"): a follow-up would be about an incident this destination never saw.
        const noted = storm.noteAction(
          destination.name,
          alertStormKey(command.alert.rule, command.target),
          outcome.incident,
          actionLabel(outcome),
        );
        if (noted) return Promise.resolve<DestinationStatus>({ status: "held-back" });
        // The window has closed (its summary counted the incident): a follow-up is all that is left.
        return followUpTo(destination, outcome, record, context, deadlineAt);
      }),
    );
    const transient = results.flatMap((r) => (r.status === "rejected" ? [errorMessage(r.reason)] : []));
    if (transient.length > 0) {
      throw new RetryableError(`follow-up for incident ${outcome.incident}: ${transient.join("; ")}`);
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Storm summaries

  async function sendSummary(window: StormWindow<StormContext>): Promise<void> {
    const destination = destinations.byName(window.destination);
    if (!destination) return;
    const subject = `storm:${window.context.about}:${window.startedAt}:${window.key}`;
    const key = deliveryKey(window.firstIncident, destination.name, subject);
    if (delivered.has(key)) return;
    const { context } = window;
    const highestPriority =
      window.highestHeldBackRank === undefined ? undefined : priorityOfRank(window.highestHeldBackRank);
    const request =
      destination.type === "slack"
        ? slackRequest(
            buildStormSummaryMessage({
              about: context.about,
              count: window.suppressed,
              windowMs: window.endsAt - window.startedAt,
              rule: context.rule,
              ...(context.target ? { target: context.target } : {}),
              ...(context.action ? { action: context.action } : {}),
              ...(context.result ? { result: context.result } : {}),
              firstIncident: window.firstIncident,
              incidents: window.incidents,
              ...(highestPriority ? { highestPriority } : {}),
              actions: window.actions,
            }),
          )
        : webhookRequest(destination, {
            version: 1,
            type: "storm-summary",
            event_id: webhookEventId(window.firstIncident, subject),
            about: context.about,
            rule: context.rule,
            target: webhookTarget(context.target ?? { rejected: [] }),
            ...(context.action ? { action: context.action } : {}),
            ...(context.result ? { result: context.result } : {}),
            first_incident: window.firstIncident,
            count: window.suppressed,
            ...(highestPriority ? { highest_priority: highestPriority } : {}),
            actions: window.actions,
            incidents: window.incidents,
            window_start: new Date(window.startedAt).toISOString(),
            window_end: new Date(window.endsAt).toISOString(),
            links: {},
            sent_at: sentAt(),
          });
    try {
      const result = await deliverer.deliver(destination, request, {
        deadlineAt: now() + settings.summaryBudgetMs,
      });
      if (result.delivered) {
        delivered.set(key, true);
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

  return {
    announce,
    followUp,
    incidentDestinations(incident) {
      const record = incidents.get(incident);
      return record ? [...new Set([...record.announcedTo, ...record.heldBackAt])] : [];
    },
    async announceWhereHeldBack(incident, destinationName, context, deadlineAt) {
      const record = incidents.get(incident);
      const destination = destinations.byName(destinationName);
      if (!record?.command || !destination || !record.heldBackAt.has(destinationName)) return undefined;
      return announceTo(destination, record.command, record, context, deadlineAt, true);
    },
    async flush(budgetMs = settings.summaryBudgetMs) {
      storm.flush();
      const all = Promise.allSettled([...pendingSummaries]);
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, budgetMs).unref())]);
    },
    dispose() {
      storm.dispose();
    },
  };
}
