// The ledger's settings: the environment variables every service that opens the ledger spreads into
// its env schema, described once here (the service reads the environment; this package never does),
// and the one way to open the ledger from them.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { createLedgerFirestore } from "./client.js";
import { DEFAULT_TIMEOUT_MS, DEFAULT_TTL_DAYS } from "./context.js";

/** A Google Cloud project id. */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** An emulator address: host:port, nothing else (no scheme, no path). */
const HOST_PORT = /^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/;

export const LedgerEnv = {
  LEDGER_PROJECT: z
    .string()
    .regex(PROJECT_ID, { error: "expected a Google Cloud project id" })
    .optional()
    .describe(
      "Google Cloud project of the incident ledger's Firestore database (default: the service's own)",
    ),
  LEDGER_DATABASE: z
    .string()
    .min(1)
    .default("(default)")
    .describe("Firestore database holding the incident ledger"),
  LEDGER_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(DEFAULT_TIMEOUT_MS)
    .describe(
      "Longest wait for the ledger (Firestore); past it the request fails closed: 503, Pub/Sub redelivers",
    ),
  LEDGER_TTL_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(DEFAULT_TTL_DAYS)
    .describe(
      "Days the ledger keeps an incident after its last write (then the Firestore TTL policy deletes it)",
    ),
  FIRESTORE_EMULATOR_HOST: z
    .string()
    .regex(HOST_PORT, { error: "expected host:port" })
    .optional()
    .describe(
      "local runs and tests only: host:port of a Firestore emulator holding the ledger (no credentials sent); unset on Cloud Run",
    ),
};

/** The ledger's settings as a service's config holds them, once its env schema has parsed them. */
export type LedgerConfig = z.output<z.ZodObject<typeof LedgerEnv>>;

/** What createLedger (and the ledgers built on it) take: the client and its settings. */
export interface LedgerConnection {
  firestore: Firestore;
  timeoutMs: number;
  ttlDays: number;
}

/** The ledger's client and settings from the service's config; the caller terminates the client. */
export function ledgerFromConfig(config: LedgerConfig): LedgerConnection {
  const firestore = createLedgerFirestore({
    databaseId: config.LEDGER_DATABASE,
    ...(config.LEDGER_PROJECT === undefined ? {} : { projectId: config.LEDGER_PROJECT }),
    ...(config.FIRESTORE_EMULATOR_HOST === undefined ? {} : { emulatorHost: config.FIRESTORE_EMULATOR_HOST }),
  });
  return { firestore, timeoutMs: config.LEDGER_TIMEOUT_MS, ttlDays: config.LEDGER_TTL_DAYS };
}

/** What a starting service gives openLedger: its shutdown hooks and its log. */
export interface LedgerOpening {
  onShutdown(hook: () => Promise<void>): void;
  logger: { warn(fields: Record<string, unknown>, message: string): void };
  /** What answers 503 while the ledger is out of reach, for the log line, e.g. "alerts". */
  requests: string;
}

/**
 * A service's ledger at start: the client from its config, closed at shutdown, and a first call made
 * now, since it sets up the channel (seconds) — before the first request, not during it. Out of reach
 * is not fatal: every request answers 503 until the ledger is back (fail closed), so it is logged.
 */
export async function openLedger<T extends { warmUp(): Promise<void> }>(
  config: LedgerConfig,
  open: (connection: LedgerConnection) => T,
  { onShutdown, logger, requests }: LedgerOpening,
): Promise<T> {
  const connection = ledgerFromConfig(config);
  const ledger = open(connection);
  onShutdown(() => connection.firestore.terminate());
  await ledger
    .warmUp()
    .catch((error: unknown) =>
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        `the ledger is out of reach: ${requests} answer 503 until it is back`,
      ),
    );
  return ledger;
}
