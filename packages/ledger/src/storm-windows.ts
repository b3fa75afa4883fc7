// The notifier's storm windows, shared by every notifier instance: per destination and group of similar
// events, the open window (who was sent, who is held back and counted) and the summaries of closed
// windows still to be sent. A window's state is the notifier's own JSON text (event ids and incident
// keys come from alerts: stored as text, never as field paths); the ledger keeps it consistent:
//
//   stormWindows/<hash of destination, key>           the open window: state, startedAt, endsAt
//   stormSummaries/<window id>-<startedAt ms>          a closed window's summary, until it is sent
//
// Every change of a window is one transaction (the notifier batches its instance's events into one),
// and closing a window moves its summary into the outbox in that same transaction: a summary is never
// lost with the instance that opened the window, and whoever sends it claims its delivery first
// (deliveries.ts), so two instances closing windows at the same moment send it once.
import { createHash } from "node:crypto";
import { type DocumentReference, Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { guarded, type LedgerContext, timestampAt } from "./context.js";
import { FieldName } from "./incident.js";

export const STORM_WINDOWS = "stormWindows";
export const STORM_SUMMARIES = "stormSummaries";
/** A window or summary nobody touched for this long is deleted by the TTL policy. */
const KEEP_MS = 7 * 24 * 60 * 60 * 1000;
/** A window's state is bounded by the notifier; this is the ledger's own guard (a document ≤ 1 MiB). */
const MAX_STATE_CHARS = 600_000;

export const StormWindowId = z.object({ destination: FieldName, key: z.string().min(1).max(4096) });
export type StormWindowId = z.infer<typeof StormWindowId>;

export interface StoredStormWindow {
  /** The notifier's window state, JSON text. */
  state: string;
  startedAt: Date;
  endsAt: Date;
}

export interface StormSummaryRecord {
  id: string;
  destination: string;
  /** The notifier's summary, JSON text. */
  summary: string;
}

export interface StormWindowChange<T> {
  /** The window's new state; `null` removes it; absent leaves it as it is. */
  window?: StoredStormWindow | null;
  /** Summaries of windows closed by this change, moved to the outbox with it. */
  summaries?: { startedAt: Date; summary: string }[];
  result: T;
}

function windowRef(ctx: LedgerContext, id: StormWindowId): DocumentReference {
  const { destination, key } = StormWindowId.parse(id);
  const hash = createHash("sha256")
    .update(JSON.stringify([destination, key]), "utf8")
    .digest("hex");
  return ctx.db.collection(STORM_WINDOWS).doc(hash.slice(0, 40));
}

/**
 * Reads the window, applies `change` and writes its result, in one transaction. `change` may run more
 * than once (a transaction that collided is retried): it must only compute.
 */
export async function updateStormWindow<T>(
  ctx: LedgerContext,
  id: StormWindowId,
  change: (current: StoredStormWindow | undefined, now: Date) => StormWindowChange<T>,
): Promise<T> {
  const ref = windowRef(ctx, id);
  const { destination, key } = StormWindowId.parse(id);
  return guarded(ctx, "update storm window", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const current = snapshot.exists ? storedWindowOf(snapshot.data() ?? {}) : undefined;
      const at = ctx.now();
      const outcome = change(current, at);
      for (const closed of outcome.summaries ?? []) {
        const summaryRef = ctx.db.collection(STORM_SUMMARIES).doc(`${ref.id}-${closed.startedAt.getTime()}`);
        transaction.set(summaryRef, {
          destination,
          summary: closed.summary,
          createdAt: timestampAt(at),
          expireAt: timestampAt(new Date(at.getTime() + KEEP_MS)),
        });
      }
      if (outcome.window === null) transaction.delete(ref);
      else if (outcome.window) {
        if (outcome.window.state.length > MAX_STATE_CHARS) {
          throw new RangeError(
            `storm window state of ${outcome.window.state.length} characters is too large`,
          );
        }
        transaction.set(ref, {
          destination,
          key,
          state: outcome.window.state,
          startedAt: timestampAt(outcome.window.startedAt),
          endsAt: timestampAt(outcome.window.endsAt),
          expireAt: timestampAt(new Date(outcome.window.endsAt.getTime() + KEEP_MS)),
        });
      }
      return outcome.result;
    }),
  );
}

/** Windows whose time is up at `now` (closed by the scheduled call, whichever instance opened them). */
export async function dueStormWindows(ctx: LedgerContext, now: Date, limit = 500): Promise<StormWindowId[]> {
  const query = ctx.db
    .collection(STORM_WINDOWS)
    .where("endsAt", "<=", timestampAt(now))
    .orderBy("endsAt")
    .limit(limit);
  const snapshot = await guarded(ctx, "list due storm windows", () => query.get());
  return snapshot.docs.map((doc) => ({
    destination: doc.get("destination") as string,
    key: doc.get("key") as string,
  }));
}

/** Summaries of closed windows not sent yet, oldest first. */
export async function pendingStormSummaries(ctx: LedgerContext, limit = 500): Promise<StormSummaryRecord[]> {
  const query = ctx.db.collection(STORM_SUMMARIES).orderBy("createdAt").limit(limit);
  const snapshot = await guarded(ctx, "list storm summaries", () => query.get());
  return snapshot.docs.map((doc) => ({
    id: doc.id,
    destination: doc.get("destination") as string,
    summary: doc.get("summary") as string,
  }));
}

/** The summary was sent (or can never be): out of the outbox. */
export async function removeStormSummary(ctx: LedgerContext, id: string): Promise<void> {
  const ref = ctx.db.collection(STORM_SUMMARIES).doc(
    z
      .string()
      .regex(/^[0-9a-f]{40}-\d+$/)
      .parse(id),
  );
  return guarded(ctx, "remove storm summary", async () => {
    await ref.delete();
  });
}

function storedWindowOf(data: Record<string, unknown>): StoredStormWindow | undefined {
  const { state, startedAt, endsAt } = data;
  if (typeof state !== "string" || !(startedAt instanceof Timestamp) || !(endsAt instanceof Timestamp)) {
    return undefined;
  }
  return { state, startedAt: startedAt.toDate(), endsAt: endsAt.toDate() };
}
