// The notifier's delivery memory, shared by every notifier instance: which message (announcement,
// follow-up, storm summary, dead letter) went to which destination for which incident. A message is
// sent by whoever claims it first; a claim is a create-if-absent (`create()` fails with ALREADY_EXISTS),
// so of two instances sending the same message at the same moment exactly one sends.
//
//   notificationDeliveries/<hash of incident, destination, subject>
//     sending  claimed: its holder is sending; others wait (503) until it is sent or its lease is over
//     sent     delivered: never sent again (a redelivery reports already-done)
//
// A holder killed mid-send leaves `sending`: after the lease the message may be claimed again, so a
// crash can cost a second message, never a lost one. A send that failed releases its claim at once.
import { createHash, randomUUID } from "node:crypto";
import { type DocumentReference, Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { expireAtFrom, guarded, type LedgerContext, timestampAt } from "./context.js";
import { ALREADY_EXISTS, grpcCodeOf } from "./errors.js";
import { FieldName, IncidentKey } from "./incident.js";

export const DELIVERIES = "notificationDeliveries";
/** gRPC FAILED_PRECONDITION: a write's precondition (here: last update time) did not hold. */
const FAILED_PRECONDITION = 9;
/** Longer than one push handler may take (25 s) plus its answer. */
export const DEFAULT_DELIVERY_LEASE_MS = 60_000;

export const Delivery = z.object({
  incident: IncidentKey,
  destination: FieldName,
  /**
   * What the message is about within its incident, e.g. `alert` or `outcome:pod-killer:kill-pod:done`.
   * It may hold message text (a dead letter's subscription): any length is hashed into the id, and
   * only its start is stored.
   */
  subject: z.string().min(1),
});
export type Delivery = z.infer<typeof Delivery>;

export type DeliveryClaim =
  | { outcome: "claimed"; claimId: string }
  | { outcome: "sent"; sentAt: Date }
  /** Another holder is sending it: ask again after `until` (or once it is sent). */
  | { outcome: "in-flight"; until: Date };

/** Most of a subject stored (the document id is a hash of all of it). */
const SUBJECT_MAX_STORED = 1500;

/** The fields stored of a delivery: its subject cut to SUBJECT_MAX_STORED. */
function storedDelivery(delivery: Delivery) {
  const { incident, destination, subject } = Delivery.parse(delivery);
  return { incident, destination, subject: subject.slice(0, SUBJECT_MAX_STORED) };
}

function deliveryRef(ctx: LedgerContext, delivery: Delivery): DocumentReference {
  const { incident, destination, subject } = Delivery.parse(delivery);
  const id = createHash("sha256")
    .update(JSON.stringify([incident, destination, subject]), "utf8")
    .digest("hex")
    .slice(0, 40);
  return ctx.db.collection(DELIVERIES).doc(id);
}

export async function claimDelivery(
  ctx: LedgerContext,
  delivery: Delivery,
  leaseMs = DEFAULT_DELIVERY_LEASE_MS,
): Promise<DeliveryClaim> {
  const ref = deliveryRef(ctx, delivery);
  const at = ctx.now();
  const claimId = randomUUID();
  const fields = {
    ...storedDelivery(delivery),
    state: "sending",
    claimId,
    claimedAt: timestampAt(at),
    leaseUntil: timestampAt(new Date(at.getTime() + leaseMs)),
    expireAt: expireAtFrom(ctx, at),
  };
  return guarded(ctx, "claim notification delivery", async () => {
    try {
      const { writeTime } = await ref.create(fields);
      return { outcome: "claimed", claimId: `${claimId}@${writeTime.seconds}.${writeTime.nanoseconds}` };
    } catch (error) {
      if (grpcCodeOf(error) !== ALREADY_EXISTS) throw error;
    }
    // Claimed before: sent, being sent, or left by a holder that vanished (lease over: take it over).
    return ctx.db.runTransaction<DeliveryClaim>(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const state = snapshot.get("state") as string | undefined;
      if (state === "sent")
        return { outcome: "sent", sentAt: (snapshot.get("sentAt") as Timestamp).toDate() };
      const leaseUntil = (snapshot.get("leaseUntil") as Timestamp | undefined)?.toDate();
      if (state === "sending" && leaseUntil && leaseUntil.getTime() > at.getTime()) {
        return { outcome: "in-flight", until: leaseUntil };
      }
      transaction.set(ref, fields);
      return { outcome: "claimed", claimId };
    });
  });
}

/** The message was delivered: never sent again. Also for messages sent without a claim (listed in another). */
export async function markDelivered(ctx: LedgerContext, delivery: Delivery): Promise<void> {
  const ref = deliveryRef(ctx, delivery);
  const at = ctx.now();
  const fields = {
    ...storedDelivery(delivery),
    state: "sent",
    sentAt: timestampAt(at),
    expireAt: expireAtFrom(ctx, at),
  };
  return guarded(ctx, "mark notification delivered", async () => {
    await ref.set(fields, { merge: true });
  });
}

/**
 * Sending failed (or was held back): the claim `claimId` is withdrawn so that the next try sends at
 * once. A claim made by creating its document carries that write's time: it is deleted only if nothing
 * wrote it since (one call, no transaction — held-back alerts in a storm release one claim each).
 */
export async function releaseDelivery(
  ctx: LedgerContext,
  delivery: Delivery,
  claimId: string,
): Promise<void> {
  const ref = deliveryRef(ctx, delivery);
  const [id, written] = claimId.split("@") as [string, string | undefined];
  const [seconds, nanoseconds] = (written ?? "").split(".").map(Number) as [number, number];
  if (written !== undefined && Number.isInteger(seconds) && Number.isInteger(nanoseconds)) {
    return guarded(ctx, "release notification delivery", async () => {
      try {
        await ref.delete({ lastUpdateTime: new Timestamp(seconds, nanoseconds) });
      } catch (error) {
        // Written since (taken over after the lease, or marked sent): not ours to withdraw any more.
        if (grpcCodeOf(error) !== FAILED_PRECONDITION) throw error;
      }
    });
  }
  return guarded(ctx, "release notification delivery", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      if (snapshot.get("state") === "sending" && snapshot.get("claimId") === id) transaction.delete(ref);
    }),
  );
}
