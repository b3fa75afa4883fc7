// Blast-radius slots for an object changed under several limits at once (e.g. pod kills per namespace
// and per cluster): one slot in every limit, or none. The layout of each limit's slots is slots.ts's
// (`limitSlots/<L>-<W>-<k>`), so a limit is counted the same whichever function takes its slots.
//
// The holder is the object changed (action, kind, namespace, name, uid), not a delivery: a redelivery,
// a concurrent duplicate or another incident changing the same object again re-uses the slots it took
// instead of being refused by them. Its document, `limitSlotHolders/<set>-<W>`, lives in the longest
// limit's window and is created in the same batch as the slots: a batch that fails as a whole when any
// of its documents exists, so no slot is taken in one limit while another refuses, and no holder ever
// gets a second set. Slots are never given back (see slots.ts).
import { createHash, randomInt } from "node:crypto";
import type { DocumentReference, DocumentSnapshot, Firestore, Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { contextOf, guarded, type LedgerContext, timestampAt } from "./context.js";
import { ALREADY_EXISTS, grpcCodeOf } from "./errors.js";
import { FieldName, IncidentKey } from "./incident.js";
import { LimitSchema, SLOT_HOLDERS, SLOTS } from "./slots.js";

/** Slot documents outlive their window by a day (for a lagging clock, and to read back). */
const KEEP_AFTER_WINDOW_MS = 24 * 60 * 60 * 1000;

export const ObjectSlotRequest = z.object({
  /** Every limit the change counts against; at least one. */
  limits: z.array(LimitSchema).min(1).max(8),
  /** The object changed, e.g. `kill-pod|Pod|shop|web-1|<uid>`: stored as a field, hashed into ids. */
  holder: z.string().min(1).max(2048),
  /** Who takes the slots (recorded on them, to read back). */
  incident: IncidentKey,
  action: FieldName,
});
export type ObjectSlotRequest = z.input<typeof ObjectSlotRequest>;

export type ObjectSlotDecision =
  | { granted: true; reused: boolean }
  /** `refusedBy`: the index in `limits` of the limit that has no slot left in its window. */
  | { granted: false; refusedBy: number; limit: string; max: number; windowMs: number };

/** The actioners' slots over one Firestore client (warm it with the incident ledger's `warmUp`). */
export interface ObjectSlots {
  takeObjectSlots(request: ObjectSlotRequest): Promise<ObjectSlotDecision>;
}

export function createObjectSlots(options: {
  firestore: Firestore;
  timeoutMs?: number;
  now?: () => Date;
}): ObjectSlots {
  const ctx = contextOf(options);
  return { takeObjectSlots: (request) => takeObjectSlots(ctx, request) };
}

export async function takeObjectSlots(
  ctx: LedgerContext,
  request: ObjectSlotRequest,
): Promise<ObjectSlotDecision> {
  const { limits, holder, incident, action } = ObjectSlotRequest.parse(request);
  const at = ctx.now();
  const windows = limits.map((limit) => {
    const index = Math.floor(at.getTime() / limit.windowMs);
    const start = new Date(index * limit.windowMs);
    const limitId = idOf(limit.limit);
    const slots = Array.from({ length: limit.max }, (_, k) =>
      ctx.db.collection(SLOTS).doc(`${limitId}-${index}-${k}`),
    );
    return { limit, start, slots };
  });
  const holderWindowMs = Math.max(...limits.map((limit) => limit.windowMs));
  const holderIndex = Math.floor(at.getTime() / holderWindowMs);
  const setId = idOf(JSON.stringify([limits.map((limit) => limit.limit), holder]));
  const holderIn = (index: number) => ctx.db.collection(SLOT_HOLDERS).doc(`${setId}-${index}`);
  // A redelivery just after a window boundary finds its slots in the window before.
  const holderRefs = [holderIn(holderIndex), holderIn(holderIndex - 1)] as const;
  const allSlotRefs = windows.flatMap((window) => window.slots);
  const common = { holder, incident, action, takenAt: timestampAt(at) };

  return guarded(ctx, "take blast-radius slots", async () => {
    // Each lost race means another taker got a slot (or this holder its set): the rounds are bounded.
    const rounds = allSlotRefs.length + 2;
    for (let round = 0; round < rounds; round += 1) {
      const [current, earlier, ...slotSnapshots] = await ctx.db.getAll(...holderRefs, ...allSlotRefs);
      if (heldWithin([current, earlier] as DocumentSnapshot[], at, holderWindowMs))
        return { granted: true, reused: true };
      const picks: { ref: DocumentReference; data: Record<string, unknown> }[] = [];
      let offset = 0;
      for (const [index, { limit, start, slots }] of windows.entries()) {
        const free = slots.flatMap((_, k) => (slotSnapshots[offset + k]?.exists ? [] : [k]));
        offset += slots.length;
        // Random choice: concurrent takers mostly try different slots instead of colliding.
        const k = free[randomInt(Math.max(free.length, 1))];
        if (k === undefined)
          return {
            granted: false,
            refusedBy: index,
            limit: limit.limit,
            max: limit.max,
            windowMs: limit.windowMs,
          };
        picks.push({
          ref: slots[k] as DocumentReference,
          data: {
            ...common,
            limit: limit.limit,
            slot: k,
            windowStart: timestampAt(start),
            expireAt: timestampAt(new Date(start.getTime() + limit.windowMs + KEEP_AFTER_WINDOW_MS)),
          },
        });
      }
      const holderExpireAt = new Date((holderIndex + 1) * holderWindowMs + KEEP_AFTER_WINDOW_MS);
      const batch = ctx.db.batch().create(holderRefs[0], {
        ...common,
        slots: picks.map((pick) => pick.ref.id),
        expireAt: timestampAt(holderExpireAt),
      });
      for (const pick of picks) batch.create(pick.ref, pick.data);
      try {
        await batch.commit();
        return { granted: true, reused: false };
      } catch (error) {
        if (grpcCodeOf(error) !== ALREADY_EXISTS) throw error;
      }
    }
    throw new Error(`slots for ${limits.map((limit) => limit.limit).join(", ")} still contended`);
  });
}

/** Whether a holder document still counts: taken less than the longest window ago. */
function heldWithin(snapshots: DocumentSnapshot[], at: Date, windowMs: number): boolean {
  return snapshots.some((snapshot) => {
    if (!snapshot.exists) return false;
    const takenAt = (snapshot.get("takenAt") as Timestamp).toDate();
    return at.getTime() - takenAt.getTime() < windowMs;
  });
}

/** Document ids from caller text: a fixed-length hash, so no text ever becomes part of a path. */
function idOf(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);
}
