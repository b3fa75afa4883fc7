// createApp: the notifier's two push endpoints — Notify commands on `/`, action outcomes on
// `/outcomes` — over injected destinations, publisher and HTTP client. No I/O happens here until a
// message arrives.
import { ActionOutcome, NotifyCommand } from "@riposte/falco-event";
import {
  createPushApp,
  DEFAULT_PUSH_OPTIONS,
  jsonMessageDecoder,
  type Publisher,
  type PushAppOptions,
  pushRoute,
} from "@riposte/service-kit";
import type { Hono } from "hono";
import { createDeliverer, DEFAULT_DELIVERY_OPTIONS, type DelivererOptions } from "./delivery.js";
import type { DestinationSet } from "./destinations.js";
import type { LinkSettings } from "./links.js";
import { createNotifier, type Notifier, type NotifierSettings } from "./notifier.js";

export interface NotifierDeps {
  push: Omit<PushAppOptions, "routes">;
  publisher: Publisher;
  destinations: DestinationSet;
  links: LinkSettings;
  settings?: Partial<NotifierSettings>;
  delivery?: Partial<DelivererOptions>;
  now?: () => number;
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
    links: deps.links,
    logger: deps.push.logger,
    handlerBudgetMs: Math.max(1_000, handlerTimeoutMs - HANDLER_MARGIN_MS),
    ...(deps.settings ? { settings: deps.settings } : {}),
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
    ],
  });
  return Object.assign(app, { notifier });
}
