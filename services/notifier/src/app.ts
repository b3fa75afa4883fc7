// createApp: the notifier's three push endpoints — Notify commands on `/`, action outcomes on
// `/outcomes`, dead-lettered commands on `/dead-letters` — and the scheduled call closing storm
// windows (`/scheduled/close-windows`), over injected destinations, publisher, ledger and HTTP client.
// No I/O happens here until a request arrives.
import { ActionOutcome, NotifyCommand } from "@riposte/contracts";
import type { Ledger } from "@riposte/ledger";
import {
  createPushApp,
  DEFAULT_PUSH_OPTIONS,
  jsonMessageDecoder,
  type Publisher,
  type PushAppOptions,
  pushRoute,
} from "@riposte/service-kit";
import type { Hono } from "hono";
import { createDeadLetterAnnouncer, deadLetterDecoder } from "./dead-letters.js";
import { createDeliverer, DEFAULT_DELIVERY_OPTIONS, type DelivererOptions } from "./delivery.js";
import type { DestinationSet } from "./destinations.js";
import type { LinkSettings } from "./links.js";
import {
  createNotifier,
  DEFAULT_NOTIFIER_SETTINGS,
  type Notifier,
  type NotifierSettings,
} from "./notifier.js";
import { addScheduledRoutes } from "./scheduled.js";

export interface NotifierDeps {
  push: Omit<PushAppOptions, "routes">;
  publisher: Publisher;
  destinations: DestinationSet;
  /** Delivery memory and storm windows, shared by every instance. */
  ledger: Ledger;
  links: LinkSettings;
  settings?: Partial<NotifierSettings>;
  delivery?: Partial<DelivererOptions>;
  now?: () => number;
  /** How long a dead letter's announcement is retried before it is given up (default: DEAD_LETTER_GIVE_UP_MS). */
  deadLetterGiveUpMs?: number;
}

/** Time kept between the handler's own deadline and the push deadline for answering. */
const HANDLER_MARGIN_MS = 1_000;

export function createApp(deps: NotifierDeps): Hono & { notifier: Notifier } {
  const handlerTimeoutMs = deps.push.handlerTimeoutMs ?? DEFAULT_PUSH_OPTIONS.handlerTimeoutMs;
  const deliverer = createDeliverer({
    ...DEFAULT_DELIVERY_OPTIONS,
    ...deps.delivery,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const notifier = createNotifier({
    service: deps.push.service,
    destinations: deps.destinations,
    deliverer,
    publisher: deps.publisher,
    ledger: deps.ledger,
    links: deps.links,
    logger: deps.push.logger,
    handlerBudgetMs: Math.max(1_000, handlerTimeoutMs - HANDLER_MARGIN_MS),
    ...(deps.settings ? { settings: deps.settings } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const settings = { ...DEFAULT_NOTIFIER_SETTINGS, ...deps.settings };
  const announceDeadLetter = createDeadLetterAnnouncer({
    destinations: deps.destinations,
    deliverer,
    ledger: deps.ledger,
    links: deps.links,
    logger: deps.push.logger,
    incidentDestinations: (incident) => notifier.incidentDestinations(incident),
    announceWhereHeldBack: (incident, destination, context, deadlineAt) =>
      notifier.announceWhereHeldBack(incident, destination, context, deadlineAt),
    handlerBudgetMs: Math.max(1_000, handlerTimeoutMs - HANDLER_MARGIN_MS),
    memoryTtlMs: settings.memoryTtlMs,
    maxIncidents: settings.maxIncidents,
    ...(deps.deadLetterGiveUpMs === undefined ? {} : { giveUpAfterMs: deps.deadLetterGiveUpMs }),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const app = createPushApp({
    ...deps.push,
    routes: [
      pushRoute("/", jsonMessageDecoder(NotifyCommand), (command, context) =>
        notifier.announce(command, context),
      ),
      pushRoute("/outcomes", jsonMessageDecoder(ActionOutcome), (outcome, context) =>
        notifier.followUp(outcome, context),
      ),
      pushRoute("/dead-letters", deadLetterDecoder, announceDeadLetter),
    ],
  });
  addScheduledRoutes(app, notifier, deps.push);
  return Object.assign(app, { notifier });
}
