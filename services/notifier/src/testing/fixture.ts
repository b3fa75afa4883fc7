// Test fixture for the notifier tests that deliver to the real webhook stand-in: one receiver per test
// file, and the app wired to it with a memory publisher.
import { type ActionOutcome, messageAttributes, type NotifyCommand } from "@riposte/falco-event";
import { createSilentLogger, type Logger } from "@riposte/service-kit";
import { createMemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeEach, onTestFinished } from "vitest";
import { createApp, type NotifierDeps } from "../app.js";
import { loadDestinations } from "../destinations.js";
import type { FormatRegistry } from "../formats/index.js";

export const SLACK = "/services/T1/B1/notifier";
export const SOAR = "/soar";
export const SECRET = "soar-secret-for-tests-0001";

/**
 * Starts the file's webhook stand-in, emptied before each test and closed after the file. Call it with
 * top-level await, so tests hold the receiver itself rather than a variable set later.
 */
export async function useWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver();
  afterAll(() => receiver.close());
  beforeEach(() => receiver.reset());
  return receiver;
}

export interface NotifierAppOptions
  extends Partial<Omit<NotifierDeps, "push" | "publisher" | "destinations">> {
  /** As in the destinations config; default Slack at SLACK and a signed SOAR webhook at SOAR. */
  destinations?: unknown[];
  /** The destination types the config accepts (default: the built-in ones). */
  formats?: FormatRegistry;
  minIntervalMs?: number;
  logger?: Logger;
}

/**
 * The notifier app delivering to `receiver`, disposed when the test ends (its timers would outlive it).
 * `settings` are added to the defaults; any other option replaces its default.
 */
export function notifierApp(receiver: WebhookReceiver, options: NotifierAppOptions = {}) {
  const {
    destinations = [
      { name: "slack", type: "slack", url: receiver.url(SLACK) },
      { name: "soar", type: "webhook", url: receiver.url(SOAR), secret: SECRET },
    ],
    formats,
    minIntervalMs = 20,
    logger = createSilentLogger(),
    settings,
    ...deps
  } = options;
  const publisher = createMemoryPublisher();
  const app = createApp({
    push: { service: "notifier", publisher, logger, handlerTimeoutMs: 10_000 },
    publisher,
    destinations: loadDestinations({
      destinationsJson: JSON.stringify(destinations),
      minIntervalMs,
      env: {},
      ...(formats ? { formats } : {}),
    }),
    links: {},
    settings: { stormWindowMs: 0, outcomeGraceMs: 300, ...settings },
    delivery: { maxAttempts: 3, attemptTimeoutMs: 2_000, backoff: { initialMs: 20, maxMs: 100 } },
    ...deps,
  });
  onTestFinished(() => app.notifier.dispose());
  const notify = (command: NotifyCommand, attributes: Record<string, string> = {}) =>
    app.request("/", pushRequest(command, { ...messageAttributes(command), ...attributes }));
  const report = (outcome: ActionOutcome) =>
    app.request("/outcomes", pushRequest(outcome, messageAttributes(outcome)));
  return { app, publisher, notify, report };
}
