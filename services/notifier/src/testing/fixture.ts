// Test fixture for the notifier tests that deliver to the real webhook stand-in: one receiver per test
// file, and the app wired to it with a memory publisher and a ledger on the run's real Firestore
// emulator, in a project of its own per test file (tests sharing the emulator never see each other's).
import { randomBytes } from "node:crypto";
import { type ActionOutcome, messageAttributes, type NotifyCommand } from "@riposte/contracts";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { createSilentLogger, type Logger, type PushAuthenticator } from "@riposte/service-kit";
import { createMemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeEach, inject, onTestFinished } from "vitest";
import { createApp, type NotifierDeps } from "../app.js";
import { loadDestinations } from "../destinations.js";
import type { FormatRegistry } from "../formats/index.js";

export const SLACK = "/services/T1/B1/notifier";
export const SOAR = "/soar";
export const SECRET = "soar-secret-for-tests-0001";

/** This test file's ledger project: module state, so one per file. */
const projectId = `notifier-test-${randomBytes(4).toString("hex")}`;
let fileLedger: Ledger | undefined;

/**
 * A ledger with a Firestore client of its own (its own channel), as a notifier instance has, on this
 * file's project; closed after the file. A generous deadline unless given: a worker's first call sets
 * up the client (seconds on a loaded machine).
 */
export function ledgerClient(options: { host?: string; timeoutMs?: number } = {}): Ledger {
  const firestore = createLedgerFirestore({
    projectId,
    emulatorHost: options.host ?? inject("firestoreEmulatorHost"),
  });
  afterAll(() => firestore.terminate());
  const ledger = createLedger({ firestore, timeoutMs: options.timeoutMs ?? 30_000 });
  // Warming up sets up the channel (seconds): never under a short deadline a test chose.
  const generous = createLedger({ firestore, timeoutMs: 30_000 });
  return { ...ledger, warmUp: () => generous.warmUp() };
}

/** Empties this file's ledger project: storm windows are per rule and target, the same in every test. */
async function clearLedger(): Promise<void> {
  const host = inject("firestoreEmulatorHost");
  const response = await fetch(
    `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
    { method: "DELETE" },
  );
  if (!response.ok) throw new Error(`clearing the ledger: HTTP ${response.status}`);
}

/** The file's shared ledger (the default of notifierApp). */
export function sharedLedger(): Ledger {
  fileLedger ??= ledgerClient();
  return fileLedger;
}

/**
 * Starts the file's webhook stand-in, emptied before each test and closed after the file. Call it with
 * top-level await, so tests hold the receiver itself rather than a variable set later.
 */
export async function useWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver();
  afterAll(() => receiver.close());
  beforeEach(async () => {
    receiver.reset();
    await clearLedger();
  });
  return receiver;
}

export interface NotifierAppOptions
  extends Partial<Omit<NotifierDeps, "push" | "publisher" | "destinations">> {
  /** Push auth of the app's endpoints (default: none, as `riposte dev`). */
  authenticator?: PushAuthenticator;
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
    authenticator,
    ledger = sharedLedger(),
    ...deps
  } = options;
  const publisher = createMemoryPublisher();
  const app = createApp({
    push: {
      service: "notifier",
      publisher,
      logger,
      handlerTimeoutMs: 10_000,
      ...(authenticator ? { authenticator } : {}),
    },
    publisher,
    ledger,
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
  // Its timers would outlive the test, and a summary it is sending would land in the next one.
  onTestFinished(() => app.notifier.dispose());
  const notify = (command: NotifyCommand, attributes: Record<string, string> = {}) =>
    app.request("/", pushRequest(command, { ...messageAttributes(command), ...attributes }));
  const report = (outcome: ActionOutcome) =>
    app.request("/outcomes", pushRequest(outcome, messageAttributes(outcome)));
  /** What Cloud Scheduler (and `riposte dev`) calls: closes due storm windows, sends their summaries. */
  const closeWindows = () => app.request("/scheduled/close-windows", { method: "POST" });
  return { app, publisher, notify, report, closeWindows };
}
