// The ledger's settings, as environment variables a service's config schema includes (the service
// reads the environment; this package never does).
import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, DEFAULT_TTL_DAYS } from "./context.js";

export const LedgerEnv = {
  /** Days an incident is kept after its last write (the Firestore TTL policy deletes it after). */
  LEDGER_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(DEFAULT_TTL_DAYS),
  /** Longest wait for Firestore before a call fails (LedgerUnavailableError: fail closed, 503). */
  LEDGER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(DEFAULT_TIMEOUT_MS),
  /** The Firestore database holding the ledger. */
  LEDGER_DATABASE: z.string().min(1).default("(default)"),
};
