// Blast-radius slots, counted cluster-wide: at most `max` actions per limit per window, whichever
// instance runs them. Windows are fixed (aligned to the epoch), so each is counted on its own documents.
//
// Layout, for limit L (hashed to an id) in window W:
//   limitSlots/<L>-<W>-<k>            k = 0 … max-1: slot k, holding one (incident, action)
//   limitSlotHolders/<L>-<W>-<holder> the slot an (incident, action) took: a redelivery reuses it while
//                                     it is less than a window old (so also just after a boundary)
// No transaction, no counter: a slot is taken by creating its document and the holder's together in
// one batch, which fails as a whole with ALREADY_EXISTS when either exists. Contended transactions on
// one document cost seconds each (lock waits and retries; ≈ 3 s per collision on the emulator, ≈ 40 ms
// without), while a create that loses fails at once and the taker moves on to the next free slot.
//
// Slots are never given back: a slot is taken right before its action runs, and a timeout or an error
// does not prove the action did not land. So the documents only ever fill up within a window, and a
// plain read that shows the holder present, or every slot taken, is final — refusals in a storm cost
// one read and no transaction.
import { createHash, randomInt } from "node:crypto";
import type { DocumentReference, DocumentSnapshot, Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { guarded, type LedgerContext, timestampAt } from "./context.js";
import { ALREADY_EXISTS, grpcCodeOf } from "./errors.js";
import { FieldName, IncidentKey } from "./incident.js";

export const SLOTS = "limitSlots";
export const SLOT_HOLDERS = "limitSlotHolders";
/** Slot documents outlive their window by a day (for a lagging clock, and to read back). */
const KEEP_AFTER_WINDOW_MS = 24 * 60 * 60 * 1000;

export const LimitSchema = z.object({
  /** What is limited and where, e.g. "pod kills per namespace|prod-1|shop"; stored, never a path. */
  limit: z.string().min(1).max(1024),
  windowMs: z.int().min(1000),
  max: z.int().min(1).max(500),
});
export type Limit = z.infer<typeof LimitSchema>;

export const SlotHolderSchema = z.object({ incident: IncidentKey, action: FieldName });
export type SlotHolder = z.infer<typeof SlotHolderSchema>;

export type SlotDecision =
  | { granted: true; slot: number; reused: boolean; windowStart: Date }
  | { granted: false; limit: string; max: number; windowStart: Date; reason: string };

export async function takeSlot(ctx: LedgerContext, limit: Limit, holder: SlotHolder): Promise<SlotDecision> {
  const { limit: name, windowMs, max } = LimitSchema.parse(limit);
  const { incident, action } = SlotHolderSchema.parse(holder);
  const at = ctx.now();
  const windowIndex = Math.floor(at.getTime() / windowMs);
  const windowStart = new Date(windowIndex * windowMs);
  const limitId = idOf(name);
  const holderId = idOf(JSON.stringify([incident, action]));
  const holderIn = (index: number) => ctx.db.collection(SLOT_HOLDERS).doc(`${limitId}-${index}-${holderId}`);
  // A redelivery just after a window boundary finds its slot in the window before.
  const holderRefs: HolderRefs = [holderIn(windowIndex), holderIn(windowIndex - 1)];
  const slotRefs = Array.from({ length: max }, (_, slot) =>
    ctx.db.collection(SLOTS).doc(`${limitId}-${windowIndex}-${slot}`),
  );
  const heldSince = (snapshots: DocumentSnapshot[]) => heldSlot(snapshots, at, windowMs);
  const record = {
    limit: name,
    incident,
    action,
    windowStart: timestampAt(windowStart),
    takenAt: timestampAt(at),
    expireAt: timestampAt(new Date(windowStart.getTime() + windowMs + KEEP_AFTER_WINDOW_MS)),
  };

  return guarded(ctx, "take blast-radius slot", async () => {
    const [current, earlier, ...slotSnapshots] = await ctx.db.getAll(...holderRefs, ...slotRefs);
    const held = heldSince([current, earlier] as DocumentSnapshot[]);
    if (held) return held;
    const free = slotSnapshots.flatMap((snapshot, slot) => (snapshot.exists ? [] : [slot]));
    // Random order: concurrent takers mostly try different slots instead of colliding on the first.
    for (const slot of shuffled(free)) {
      const slotRef = slotRefs[slot] as DocumentReference;
      try {
        // Both or neither: a slot is never taken without its holder, nor a holder given a second slot.
        await ctx.db
          .batch()
          .create(slotRef, { ...record, slot })
          .create(holderRefs[0], { ...record, slot })
          .commit();
        return { granted: true, slot, reused: false, windowStart };
      } catch (error) {
        if (grpcCodeOf(error) !== ALREADY_EXISTS) throw error;
      }
      // Taken meanwhile: the slot by another action, or the holder by a concurrent delivery of this one.
      const held = heldSince([await holderRefs[0].get()]);
      if (held) return held;
    }
    return {
      granted: false,
      limit: name,
      max,
      windowStart,
      reason: `blast-radius limit reached: ${name} (${max} per ${windowMs / 1000} s)`,
    };
  });
}

type HolderRefs = [current: DocumentReference, earlier: DocumentReference];

/** The slot a holder document records, while it still counts (less than a window old). */
function heldSlot(snapshots: DocumentSnapshot[], at: Date, windowMs: number): SlotDecision | undefined {
  for (const snapshot of snapshots) {
    if (!snapshot.exists) continue;
    const takenAt = (snapshot.get("takenAt") as Timestamp).toDate();
    if (at.getTime() - takenAt.getTime() >= windowMs) continue;
    const windowStart = (snapshot.get("windowStart") as Timestamp).toDate();
    return { granted: true, slot: snapshot.get("slot") as number, reused: true, windowStart };
  }
  return undefined;
}

/** Document ids from caller text: a fixed-length hash, so no text ever becomes part of a path. */
function idOf(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
