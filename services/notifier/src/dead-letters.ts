// Dead-lettered commands: Pub/Sub gave up on a command after its last delivery attempt and forwarded
// it, data and attributes intact, to its dead-letter topic; the topology pushes every command
// dead-letter topic to `/dead-letters` (descriptor.deadLetterInput). Each one is announced as a FAILED
// action of its incident, once per destination, to where the incident was announced plus the default
// destinations that take its priority (a failure must reach someone even when the announcement did not).
// Where storm control held the incident back, the incident is announced in full first: the FAILED line
// never names an incident its reader was not shown.
//
// No loop: those push subscriptions have no dead-letter policy of their own, so an announcement that
// keeps failing is never dead-lettered into something announced again. Retries (503) last as long as
// the notifier's own redelivery span; after that, or when a destination refuses for good, the dead
// letter is acknowledged HERE ONLY and logged at ERROR: it still waits in its pull subscription for
// `riposte dlq`, where the deploy plan's alert policy on undelivered messages pages someone.
import {
  actionNameOf,
  type Command,
  Command as CommandSchema,
  deadLetterTopicOf,
  isAtLeast,
  parseMessage,
} from "@riposte/contracts";
import type { Ledger } from "@riposte/ledger";
import {
  errorMessage,
  type Logger,
  type MessageDecoder,
  type PushContext,
  RetryableError,
  redeliverySpanSeconds,
} from "@riposte/service-kit";
import type { Deliverer } from "./delivery.js";
import { DeliveryLedger, ledgerCall } from "./delivery-ledger.js";
import { notifierDescriptor } from "./descriptor.js";
import type { Destination, DestinationSet } from "./destinations.js";
import { ExpiringMap } from "./expiring-map.js";
import { type LinkSettings, linksFor } from "./links.js";
import type { DestinationStatus } from "./notifier.js";

/** Attributes Pub/Sub adds when it forwards a message to a dead-letter topic (measured on the emulator). */
export const DEAD_LETTER_ATTRIBUTES = {
  sourceSubscription: "CloudPubSubDeadLetterSourceSubscription",
  deliveryCount: "CloudPubSubDeadLetterSourceDeliveryCount",
} as const;

/**
 * How long a dead letter's announcement is retried before it is given up (logged at ERROR): as long
 * as the notifier's own redelivery span, so a Slack outage of minutes is outlasted here too.
 */
export const DEAD_LETTER_GIVE_UP_MS = redeliverySpanSeconds(notifierDescriptor.runtime.redelivery) * 1000;

export interface DeadLetter {
  command: Command;
  /** The subscription that gave up on the command. */
  sourceSubscription: string;
  /** Its delivery attempts, as Pub/Sub counted them (best effort). */
  deliveryAttempts?: number;
}

/** The original command, and Pub/Sub's dead-letter attributes (a message without them is not a dead letter). */
export const deadLetterDecoder: MessageDecoder<DeadLetter> = (data, attributes) => {
  const sourceSubscription = attributes[DEAD_LETTER_ATTRIBUTES.sourceSubscription];
  if (!sourceSubscription) {
    return {
      ok: false,
      error: {
        path: `attributes.${DEAD_LETTER_ATTRIBUTES.sourceSubscription}`,
        message: "missing: not a message Pub/Sub forwarded to a dead-letter topic",
      },
    };
  }
  const parsed = parseMessage(CommandSchema, data);
  if (!parsed.ok) return parsed;
  const count = Number(attributes[DEAD_LETTER_ATTRIBUTES.deliveryCount]);
  return {
    ok: true,
    value: {
      command: parsed.value,
      sourceSubscription,
      ...(Number.isInteger(count) && count > 0 ? { deliveryAttempts: count } : {}),
    },
  };
};

export interface DeadLetterAnnouncerOptions {
  destinations: DestinationSet;
  deliverer: Deliverer;
  /** Which dead letters each destination has had, shared by every instance. */
  ledger: Ledger;
  links: LinkSettings;
  logger: Logger;
  /** Destinations that got the incident's announcement (the ledger). */
  incidentDestinations(incident: string): Promise<readonly string[]>;
  /** Announces the incident in full to `destination` if storm control held it back there (Notifier). */
  announceWhereHeldBack(
    incident: string,
    destination: string,
    context: PushContext,
    deadlineAt: number,
  ): Promise<DestinationStatus | undefined>;
  /** Time a push handler may spend (below the push deadline). */
  handlerBudgetMs: number;
  giveUpAfterMs?: number;
  memoryTtlMs: number;
  maxIncidents: number;
  now?: () => number;
}

/** Time kept back from the handler budget for answering. */
const ANSWER_MARGIN_MS = 1_000;

export function createDeadLetterAnnouncer(options: DeadLetterAnnouncerOptions) {
  const now = options.now ?? Date.now;
  const giveUpAfterMs = options.giveUpAfterMs ?? DEAD_LETTER_GIVE_UP_MS;
  const deliveries = new DeliveryLedger(options.ledger, options.logger);
  /** `incident|subject` of every dead letter seen → when this instance first saw it. */
  const firstSeen = new ExpiringMap<string, number>({
    ttlMs: options.memoryTtlMs,
    maxEntries: options.maxIncidents,
    now,
  });

  /**
   * How long the dead letter has waited for its announcement: since Pub/Sub published it or since this
   * instance first saw it, whichever is longer, so that a missing or unparseable publishTime (or a
   * restarted instance) cannot keep it retried forever.
   */
  const waitedMs = (seenKey: string, publishTime: string | undefined): number => {
    const published = publishTime ? Date.parse(publishTime) : Number.NaN;
    const since = Math.min(firstSeen.get(seenKey) ?? now(), Number.isFinite(published) ? published : now());
    return now() - since;
  };

  const destinationsFor = async (command: Command): Promise<Destination[]> => {
    const announcedTo = await ledgerCall("reading the incident from the ledger", () =>
      options.incidentDestinations(command.incident),
    );
    const names = new Set([
      ...announcedTo,
      ...options.destinations.defaults
        .filter((d) => isAtLeast(command.alert.priority, d.minPriority))
        .map((d) => d.name),
    ]);
    return [...names].flatMap((name) => options.destinations.byName(name) ?? []);
  };

  return async function announceDeadLetter(letter: DeadLetter, context: PushContext): Promise<void> {
    const { command, sourceSubscription, deliveryAttempts } = letter;
    const action = actionNameOf(command.kind);
    const deadLetterSubscription = deadLetterTopicOf(sourceSubscription);
    const facts = { incident: command.incident, action, subscription: sourceSubscription, deliveryAttempts };
    const what = `${action} for incident ${command.incident} was dead-lettered after ${deliveryAttempts ?? "its last"} attempts (subscription ${sourceSubscription})`;
    const subject = `dead-letter:${sourceSubscription}:${action}`;
    // Once per dead letter (its announcement may be redelivered): the line the issue found missing.
    const seenKey = `${command.incident}|${subject}`;
    if (!firstSeen.has(seenKey)) {
      firstSeen.set(seenKey, now());
      context.logger.error(facts, `FAILED: ${what}; announcing it`);
    }
    const deadlineAt = now() + options.handlerBudgetMs - ANSWER_MARGIN_MS;
    const links = linksFor(options.links, command.incident, undefined);
    const targets = await destinationsFor(command);
    if (targets.length === 0) {
      context.logger.error(
        facts,
        `FAILED and unannounced: ${what}; no destination takes ${command.alert.priority} alerts — it waits in ${deadLetterSubscription} (riposte dlq)`,
      );
      return;
    }
    const results = await Promise.allSettled(
      targets.map(async (destination) => {
        const delivery = { incident: command.incident, destination: destination.name, subject };
        // Once per destination, across instances and restarts (the ledger's delivery memory).
        const status = await deliveries.deliverOnce(delivery, async (): Promise<DestinationStatus> => {
          const heldBack = await options.announceWhereHeldBack(
            command.incident,
            destination.name,
            context,
            deadlineAt,
          );
          if (heldBack?.status === "failed") return heldBack;
          const request = destination.format.deadLetter(
            {
              incident: command.incident,
              alert: command.alert,
              target: command.target,
              action,
              dryRun: command.dryRun,
              subscription: sourceSubscription,
              ...(deliveryAttempts === undefined ? {} : { attempts: deliveryAttempts }),
              deadLetterSubscription,
              links,
              subject,
              sentAt: new Date(now()).toISOString(),
            },
            destination,
          );
          const result = await options.deliverer.deliver(destination, request, {
            deadlineAt,
            signal: context.signal,
          });
          return result.delivered
            ? { status: "delivered", attempts: result.attempts }
            : { status: "failed", reason: result.reason };
        });
        if (status.status === "failed") throw new RefusedForGood(destination.name, status.reason);
      }),
    );
    const refused = results.flatMap((r) =>
      r.status === "rejected" && r.reason instanceof RefusedForGood ? [r.reason.message] : [],
    );
    const transient = results.flatMap((r) =>
      r.status === "rejected" && !(r.reason instanceof RefusedForGood) ? [errorMessage(r.reason)] : [],
    );
    if (transient.length > 0 && waitedMs(seenKey, context.publishTime) < giveUpAfterMs) {
      throw new RetryableError(
        `announcing the dead letter of ${action} for ${command.incident}: ${transient.join("; ")}`,
      );
    }
    const lost = [...refused, ...transient];
    if (lost.length > 0) {
      // Given up here (never dead-lettered again: no loop); the dead letter itself stays for `riposte dlq`.
      context.logger.error(
        { ...facts, failures: lost },
        `FAILED and not announced everywhere: ${what}; ${lost.join("; ")} — it waits in ${deadLetterSubscription} (riposte dlq) and its alert policy fires`,
      );
      return;
    }
    context.logger.info(
      { ...facts, destinations: targets.map((d) => d.name) },
      `dead letter announced to ${targets.map((d) => d.name).join(", ")}`,
    );
  };
}

class RefusedForGood extends Error {
  constructor(destination: string, reason: string) {
    super(`${destination} refused: ${reason}`);
    this.name = "RefusedForGood";
  }
}
