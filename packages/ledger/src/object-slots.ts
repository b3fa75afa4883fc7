// Blast-radius slots for an object changed under several limits at once (e.g. pod kills per namespace
// and per cluster): one slot in every limit, or none. At most `max` objects per limit in ANY span of
// the window's length (a sliding window): fixed calendar windows would allow `max` just before a
// boundary and `max` more just after it — twice the limit within a second.
//
// Layout, for limit L (hashed to an id):
//   limitSlots/<L>-<k>             k = 0 … max-1: slot k, with the time it was last taken; free again
//                                  once that is a window's length ago
//   limitSlotHolders/<set>         the object's claim on one slot in each of its limits, for the
//                                  shortest of their windows: past it, the slot in the shortest
//                                  limit may be another object's, so the object takes new slots
// The holder is the object changed (action, kind, namespace, name, uid), not a delivery: a redelivery,
// a concurrent duplicate or another incident changing the same object again re-uses the slots it took
// instead of being refused by them.
//
// No transaction, no counter: the holder and one slot per limit are written in one batch whose every
// write carries a precondition — create where the document is absent, update-if-unchanged
// (`lastUpdateTime` as read) where it is an expired one being reused. The batch fails as a whole when
// any other taker wrote one of its documents first, and the taker reads again. Contended transactions
// on one document cost seconds each on the emulator (lock waits); a precondition that loses fails at
// once. Slots are never given back: a timeout or an error does not prove the action did not land.
import { createHash, randomInt } from "node:crypto";
import type { DocumentSnapshot, Firestore, Timestamp, WriteBatch } from "@google-cloud/firestore";
import { z } from "zod";
import { contextOf, guarded, type LedgerContext, timestampAt } from "./context.js";
import { ALREADY_EXISTS, FAILED_PRECONDITION, grpcCodeOf, NOT_FOUND } from "./errors.js";
import { FieldName, IncidentKey } from "./incident.js";
import { LimitSchema, SLOT_HOLDERS, SLOTS } from "./slots.js";

/** Slot documents outlive their window by a day (to read back who took them); TTL removes them. */
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
  const perLimit = limits.map((limit) => {
    const limitId = idOf(limit.limit);
    const slots = Array.from({ length: limit.max }, (_, k) =>
      ctx.db.collection(SLOTS).doc(`${limitId}-${k}`),
    );
    return { limit, slots };
  });
  // The shortest, not the longest: once a short window's slot expired another object may hold it, and
  // re-using the claim would change this object again beside that one (two in one window of max 1).
  const holderWindowMs = Math.min(...limits.map((limit) => limit.windowMs));
  const holderRef = ctx.db
    .collection(SLOT_HOLDERS)
    .doc(idOf(JSON.stringify([limits.map((limit) => limit.limit), holder])));
  const allSlotRefs = perLimit.flatMap(({ slots }) => slots);
  const common = { holder, incident, action, takenAt: timestampAt(at) };

  return guarded(ctx, "take blast-radius slots", async () => {
    // Each lost race means another taker got a slot (or this holder its set): the rounds are bounded.
    const rounds = allSlotRefs.length + 2;
    for (let round = 0; round < rounds; round += 1) {
      const [holderSnapshot, ...slotSnapshots] = (await ctx.db.getAll(
        holderRef,
        ...allSlotRefs,
      )) as DocumentSnapshot[];
      if (takenWithin(holderSnapshot as DocumentSnapshot, at, holderWindowMs))
        return { granted: true, reused: true };
      const batch = ctx.db.batch();
      let offset = 0;
      const picked: string[] = [];
      for (const [index, { limit, slots }] of perLimit.entries()) {
        const snapshots = slotSnapshots.slice(offset, offset + slots.length);
        offset += slots.length;
        const free = snapshots.filter((snapshot) => !takenWithin(snapshot, at, limit.windowMs));
        // Random choice: concurrent takers mostly try different slots instead of colliding.
        const snapshot = free[randomInt(Math.max(free.length, 1))];
        if (snapshot === undefined)
          return {
            granted: false,
            refusedBy: index,
            limit: limit.limit,
            max: limit.max,
            windowMs: limit.windowMs,
          };
        picked.push(snapshot.ref.id);
        writeIfUnchanged(batch, snapshot, {
          ...common,
          limit: limit.limit,
          slot: slots.findIndex((ref) => ref.id === snapshot.ref.id),
          expireAt: timestampAt(new Date(at.getTime() + limit.windowMs + KEEP_AFTER_WINDOW_MS)),
        });
      }
      writeIfUnchanged(batch, holderSnapshot as DocumentSnapshot, {
        ...common,
        slots: picked,
        expireAt: timestampAt(new Date(at.getTime() + holderWindowMs + KEEP_AFTER_WINDOW_MS)),
      });
      try {
        await batch.commit();
        return { granted: true, reused: false };
      } catch (error) {
        if (!LOST_RACE.has(grpcCodeOf(error) ?? -1)) throw error;
      }
    }
    throw new Error(`slots for ${limits.map((limit) => limit.limit).join(", ")} still contended`);
  });
}

/**
 * What a batch that lost to another taker fails with: a create that found the document, an update that
 * found it changed since it was read (or removed by the TTL meanwhile).
 */
const LOST_RACE = new Set([ALREADY_EXISTS, FAILED_PRECONDITION, NOT_FOUND]);

/** Writes `data` over the document `snapshot` read, only if nobody has written it since. */
function writeIfUnchanged(
  batch: WriteBatch,
  snapshot: DocumentSnapshot,
  data: Record<string, unknown>,
): void {
  if (!snapshot.exists) batch.create(snapshot.ref, data);
  else batch.update(snapshot.ref, data, { lastUpdateTime: snapshot.updateTime as Timestamp });
}

/** Whether a slot or holder document still counts: taken less than `windowMs` ago. */
function takenWithin(snapshot: DocumentSnapshot, at: Date, windowMs: number): boolean {
  if (!snapshot.exists) return false;
  const takenAt = (snapshot.get("takenAt") as Timestamp).toDate();
  return at.getTime() - takenAt.getTime() < windowMs;
}

/** Document ids from caller text: a fixed-length hash, so no text ever becomes part of a path. */
function idOf(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);
}
