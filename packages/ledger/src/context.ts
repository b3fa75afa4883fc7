// What every ledger operation needs: the client, its clock, its deadline and the incidents' TTL.
import { type Firestore, Timestamp } from "@google-cloud/firestore";
import { withinDeadline } from "./errors.js";

export const DEFAULT_TTL_DAYS = 90;
export const DEFAULT_TIMEOUT_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface LedgerContext {
  db: Firestore;
  now: () => Date;
  ttlMs: number;
  timeoutMs: number;
}

export function contextOf(options: {
  firestore: Firestore;
  ttlDays?: number | undefined;
  timeoutMs?: number | undefined;
  now?: (() => Date) | undefined;
}): LedgerContext {
  const ttlDays = options.ttlDays ?? DEFAULT_TTL_DAYS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(ttlDays > 0)) throw new RangeError(`ledger: ttlDays must be positive, got ${ttlDays}`);
  if (!(timeoutMs > 0)) throw new RangeError(`ledger: timeoutMs must be positive, got ${timeoutMs}`);
  return {
    db: options.firestore,
    now: options.now ?? (() => new Date()),
    ttlMs: ttlDays * DAY_MS,
    timeoutMs,
  };
}

export function timestampAt(date: Date): Timestamp {
  return Timestamp.fromDate(date);
}

/** The incident's TTL field: every write pushes it to `ttl` after that write. */
export function expireAtFrom(ctx: LedgerContext, at: Date): Timestamp {
  return timestampAt(new Date(at.getTime() + ctx.ttlMs));
}

export function guarded<T>(ctx: LedgerContext, operation: string, run: () => Promise<T>): Promise<T> {
  return withinDeadline(operation, ctx.timeoutMs, run);
}
