// Quarantine leases: an isolation with a ttl is lifted when its lease expires, unless an operator
// renewed it (`riposte quarantine extend`). One lease per quarantined pod — per cluster, namespace and
// pod uid, so a pod replaced under the same name is never released by its predecessor's lease:
//
//   quarantineLeases/<hash of cluster, namespace, pod uid>
//     held       quarantined until expiresAt — or, once a person asked for its release from where there
//                is no cluster access (the console), due now with who asked, why and when
//     releasing  claimed by one isolator instance's scheduled call until claimedUntil: nobody else
//                releases it meanwhile; a claim whose holder vanished is taken again after that
//     released   lifted (by the scheduled call or an operator): who, why and when; never claimed again
//
// `dueAt` is the one field the scheduled call queries (a single-field range, no composite index): the
// expiry while held, the end of the claim while releasing, absent once released.
import { createHash, randomUUID } from "node:crypto";
import { type DocumentReference, FieldValue, Timestamp } from "@google-cloud/firestore";
import { isClusterName, isNamespaceName, isPodName, isPodUid } from "@riposte/contracts";
import { z } from "zod";
import { guarded, type LedgerContext, timestampAt } from "./context.js";
import { IncidentKey, REASON_MAX_LENGTH } from "./incident.js";

export const QUARANTINE_LEASES = "quarantineLeases";
/** Longer than one release takes (a pod patch, two policy deletes, an Event, an outcome). */
export const DEFAULT_RELEASE_CLAIM_MS = 120_000;

/** The pod a lease is on: its uid tells it from a pod that replaced it under the same name. */
export const QuarantinedPod = z.object({
  cluster: z.string().refine(isClusterName, { error: "expected a cluster name (DNS-1123 label)" }),
  namespace: z.string().refine(isNamespaceName, { error: "expected a namespace name" }),
  pod: z.string().refine(isPodName, { error: "expected a pod name" }),
  podUid: z.string().refine(isPodUid, { error: "expected a pod uid" }),
});
export type QuarantinedPod = z.infer<typeof QuarantinedPod>;

export const QuarantineLeaseInput = QuarantinedPod.extend({
  incident: IncidentKey,
  expiresAt: z.date(),
});
export type QuarantineLeaseInput = z.infer<typeof QuarantineLeaseInput>;

/** Who lifted a quarantine and why (an operator's checked --reason, or the lease's expiry). */
export const ReleaseAudit = z.object({
  by: z.string().min(1).max(128),
  reason: z
    .string()
    .min(1)
    .transform((reason) => reason.slice(0, REASON_MAX_LENGTH)),
});
export type ReleaseAudit = z.input<typeof ReleaseAudit>;

export type QuarantineLeaseState = "held" | "releasing" | "released";

/** A person's request that the isolator lift a quarantine now (from the console, which has no cluster access). */
export const ReleaseRequestAudit = ReleaseAudit.extend({ via: z.enum(["console", "cli"]).optional() });
export type ReleaseRequestAudit = z.input<typeof ReleaseRequestAudit>;

export interface QuarantineLease extends QuarantineLeaseInput {
  id: string;
  state: QuarantineLeaseState;
  released?: { by: string; reason: string; at: Date };
  /** Who asked for the release and why: the scheduled release lifts it in their name, not the expiry's. */
  releaseRequest?: { by: string; reason: string; at: Date; via?: "console" | "cli" };
}

/** A lease this caller claimed to release: only `claimId` may finish it. */
export interface QuarantineLeaseClaim extends QuarantineLease {
  claimId: string;
}

export type ReleaseRequest =
  | { outcome: "requested"; lease: QuarantineLease }
  /** No lease on that pod: it was isolated without a ttl, or not by Riposte (`riposte release` lifts it). */
  | { outcome: "none" }
  /** Already being released or released, or a release already requested (lease.releaseRequest says by whom). */
  | { outcome: "releasing" | "released" | "already-requested"; lease: QuarantineLease };

export type LeaseExtension =
  | { outcome: "extended"; lease: QuarantineLease }
  /** No lease on that pod: it was isolated without a ttl, or not by Riposte. */
  | { outcome: "none" }
  /** Being released or released: too late to extend (isolate it again). */
  | { outcome: "releasing" | "released"; lease: QuarantineLease };

function leaseRef(ctx: LedgerContext, pod: QuarantinedPod): DocumentReference {
  const { cluster, namespace, podUid } = QuarantinedPod.parse(pod);
  const id = createHash("sha256")
    .update(JSON.stringify([cluster, namespace, podUid]), "utf8")
    .digest("hex")
    .slice(0, 40);
  return ctx.db.collection(QUARANTINE_LEASES).doc(id);
}

/** Kept after it expires or is released, for the incident's audit trail, as long as incidents are. */
function expireAtAfter(ctx: LedgerContext, at: Date): Timestamp {
  return timestampAt(new Date(at.getTime() + ctx.ttlMs));
}

function leaseOf(id: string, data: Record<string, unknown>): QuarantineLease | undefined {
  const { cluster, namespace, pod, podUid, incident, expiresAt, state } = data;
  if (
    typeof cluster !== "string" ||
    typeof namespace !== "string" ||
    typeof pod !== "string" ||
    typeof podUid !== "string" ||
    typeof incident !== "string" ||
    !(expiresAt instanceof Timestamp) ||
    (state !== "held" && state !== "releasing" && state !== "released")
  )
    return undefined;
  const lease: QuarantineLease = {
    id,
    cluster,
    namespace,
    pod,
    podUid,
    incident,
    expiresAt: expiresAt.toDate(),
    state,
  };
  const { releasedBy, releaseReason, releasedAt } = data;
  if (typeof releasedBy === "string" && typeof releaseReason === "string" && releasedAt instanceof Timestamp)
    lease.released = { by: releasedBy, reason: releaseReason, at: releasedAt.toDate() };
  const { releaseRequestedBy, releaseRequestReason, releaseRequestedAt, releaseRequestVia } = data;
  if (
    typeof releaseRequestedBy === "string" &&
    typeof releaseRequestReason === "string" &&
    releaseRequestedAt instanceof Timestamp
  )
    lease.releaseRequest = {
      by: releaseRequestedBy,
      reason: releaseRequestReason,
      at: releaseRequestedAt.toDate(),
      ...(releaseRequestVia === "console" || releaseRequestVia === "cli" ? { via: releaseRequestVia } : {}),
    };
  return lease;
}

/**
 * The isolator quarantined a pod with a ttl. A redelivery of the same incident's command leaves the
 * lease as it is (an extension is not undone); a lease released before is replaced by the new one.
 */
export async function recordQuarantineLease(ctx: LedgerContext, input: QuarantineLeaseInput): Promise<void> {
  const lease = QuarantineLeaseInput.parse(input);
  const ref = leaseRef(ctx, lease);
  return guarded(ctx, "record quarantine lease", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const state = snapshot.get("state") as string | undefined;
      if (snapshot.exists && state !== "released" && snapshot.get("incident") === lease.incident) return;
      const at = ctx.now();
      transaction.set(ref, {
        ...lease,
        expiresAt: timestampAt(lease.expiresAt),
        state: "held",
        dueAt: timestampAt(lease.expiresAt),
        createdAt: timestampAt(at),
        expireAt: expireAtAfter(ctx, lease.expiresAt),
      });
    }),
  );
}

/** The lease on `pod` (any state), or undefined. */
export async function readQuarantineLease(
  ctx: LedgerContext,
  pod: QuarantinedPod,
): Promise<QuarantineLease | undefined> {
  const ref = leaseRef(ctx, pod);
  const snapshot = await guarded(ctx, "read quarantine lease", () => ref.get());
  return snapshot.exists ? leaseOf(ref.id, snapshot.data() ?? {}) : undefined;
}

/**
 * The leases on the pod with this uid, in any cluster: a uid is unique, and the CLI does not know the
 * name the isolator gives the cluster (its CLUSTERS key). A single-field equality: no index to deploy.
 */
export async function quarantineLeasesOfPod(ctx: LedgerContext, podUid: string): Promise<QuarantineLease[]> {
  const uid = QuarantinedPod.shape.podUid.parse(podUid);
  const query = ctx.db.collection(QUARANTINE_LEASES).where("podUid", "==", uid).limit(20);
  const snapshot = await guarded(ctx, "find quarantine leases", () => query.get());
  return snapshot.docs.flatMap((doc) => leaseOf(doc.id, doc.data()) ?? []);
}

/** The most leases one listing returns (the console's quarantines page). */
export const QUARANTINE_LIST_MAX = 500;

/**
 * The leases not yet released (held or being released), soonest expiry first, at most `limit`
 * (default 200): what is quarantined with a ttl now. A single-field `in` query: no index to deploy.
 */
export async function listQuarantineLeases(
  ctx: LedgerContext,
  limit = 200,
): Promise<{ leases: QuarantineLease[]; truncated: boolean }> {
  const count = z.int().min(1).max(QUARANTINE_LIST_MAX).parse(limit);
  const query = ctx.db
    .collection(QUARANTINE_LEASES)
    .where("state", "in", ["held", "releasing"])
    .limit(count + 1);
  const snapshot = await guarded(ctx, "list quarantine leases", () => query.get());
  const leases = snapshot.docs
    .flatMap((doc) => leaseOf(doc.id, doc.data()) ?? [])
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || a.id.localeCompare(b.id));
  return { leases: leases.slice(0, count), truncated: snapshot.size > count };
}

/** Renews a held lease to `expiresAt` (checked in one transaction against a release claiming it). */
export async function extendQuarantineLease(
  ctx: LedgerContext,
  pod: QuarantinedPod,
  expiresAt: Date,
  audit: ReleaseAudit,
): Promise<LeaseExtension> {
  const ref = leaseRef(ctx, pod);
  const { by, reason } = ReleaseAudit.parse(audit);
  return guarded(ctx, "extend quarantine lease", () =>
    ctx.db.runTransaction<LeaseExtension>(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const lease = snapshot.exists ? leaseOf(ref.id, snapshot.data() ?? {}) : undefined;
      if (!lease) return { outcome: "none" };
      if (lease.state !== "held") return { outcome: lease.state, lease };
      // A person asked for its release (due now): pushing dueAt back would silently undo their request.
      if (lease.releaseRequest) return { outcome: "releasing", lease };
      const at = ctx.now();
      transaction.update(ref, {
        expiresAt: timestampAt(expiresAt),
        dueAt: timestampAt(expiresAt),
        extendedBy: by,
        extendReason: reason,
        extendedAt: timestampAt(at),
        expireAt: expireAtAfter(ctx, expiresAt),
      });
      return { outcome: "extended", lease: { ...lease, expiresAt } };
    }),
  );
}

/**
 * A later incident isolated the leased pod (the quarantine stays the first incident's): the lease runs
 * until `until` when that is later, and never ends by itself when the later incident gave no ttl
 * (`until` undefined: no `dueAt`, so only an operator lifts it). `releasing`: too late, a release is
 * under way (the caller retries, and quarantines the pod again once it is released); `none`: no lease.
 */
export async function keepQuarantineLease(
  ctx: LedgerContext,
  pod: QuarantinedPod,
  until: Date | undefined,
  incident: string,
): Promise<"kept" | "releasing" | "none"> {
  const ref = leaseRef(ctx, pod);
  const by = IncidentKey.parse(incident);
  return guarded(ctx, "keep quarantine lease", () =>
    ctx.db.runTransaction<"kept" | "releasing" | "none">(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const lease = snapshot.exists ? leaseOf(ref.id, snapshot.data() ?? {}) : undefined;
      if (lease?.state === "releasing") return "releasing";
      if (lease?.state !== "held") return "none";
      // A later incident isolated the pod after a person asked for its release: the new incident's
      // quarantine wins and the request is dropped (else its dueAt, now, would lift the pod at once, or
      // the expiry's release would name that person), kept as supersededRequest*; the lease is due
      // again when it was before the request (none: only an operator lifts it).
      const request = lease.releaseRequest
        ? {
            ...REQUEST_FIELDS_DELETED,
            releaseRequestDueBefore: FieldValue.delete(),
            supersededRequestBy: lease.releaseRequest.by,
            supersededRequestAt: timestampAt(lease.releaseRequest.at),
            dueAt: snapshot.get("releaseRequestDueBefore") ?? FieldValue.delete(),
          }
        : {};
      const dueBefore = lease.releaseRequest
        ? snapshot.get("releaseRequestDueBefore")
        : snapshot.get("dueAt");
      const kept = { keptBy: by, keptAt: timestampAt(ctx.now()) };
      if (until === undefined) {
        transaction.update(ref, { ...request, dueAt: FieldValue.delete(), ...kept });
      } else if (until > lease.expiresAt && dueBefore != null) {
        transaction.update(ref, {
          ...request,
          expiresAt: timestampAt(until),
          dueAt: timestampAt(until),
          ...kept,
          expireAt: expireAtAfter(ctx, until),
        });
      } else if (lease.releaseRequest) {
        transaction.update(ref, { ...request, ...kept });
      }
      return "kept";
    }),
  );
}

const REQUEST_FIELDS_DELETED = {
  releaseRequestedBy: FieldValue.delete(),
  releaseRequestReason: FieldValue.delete(),
  releaseRequestedAt: FieldValue.delete(),
  releaseRequestVia: FieldValue.delete(),
};

/**
 * A person asks that the quarantine be lifted now (the console: it has no cluster access, the isolator
 * has). In one transaction the request (who, why, when) is recorded on a held lease and the lease made
 * due now, so the isolator's next scheduled release (within a minute) claims it and releases the pod in
 * that person's name. Refused — nothing written — when there is no lease, when it is being released or
 * released, or when a release was already requested (the first request's audit stands).
 */
export async function requestQuarantineRelease(
  ctx: LedgerContext,
  pod: QuarantinedPod,
  audit: ReleaseRequestAudit,
): Promise<ReleaseRequest> {
  const ref = leaseRef(ctx, pod);
  const { by, reason, via } = ReleaseRequestAudit.parse(audit);
  return guarded(ctx, "request quarantine release", () =>
    ctx.db.runTransaction<ReleaseRequest>(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const lease = snapshot.exists ? leaseOf(ref.id, snapshot.data() ?? {}) : undefined;
      if (!lease) return { outcome: "none" };
      if (lease.state !== "held") return { outcome: lease.state, lease };
      if (lease.releaseRequest) return { outcome: "already-requested", lease };
      const at = ctx.now();
      transaction.update(ref, {
        releaseRequestedBy: by,
        releaseRequestReason: reason,
        releaseRequestedAt: timestampAt(at),
        ...(via ? { releaseRequestVia: via } : {}),
        // A later incident's isolation (keepQuarantineLease) drops the request and restores this.
        releaseRequestDueBefore: snapshot.get("dueAt") ?? null,
        dueAt: timestampAt(at),
      });
      return {
        outcome: "requested",
        lease: { ...lease, releaseRequest: { by, reason, at, ...(via ? { via } : {}) } },
      };
    }),
  );
}

/**
 * Claims leases due at `now` — expired while held, or claimed by a holder that did not finish in
 * time — each in its own transaction, so that of two callers at the same moment exactly one gets each.
 */
export async function claimExpiredQuarantineLeases(
  ctx: LedgerContext,
  options: { limit?: number; claimMs?: number } = {},
): Promise<QuarantineLeaseClaim[]> {
  const { limit = 50, claimMs = DEFAULT_RELEASE_CLAIM_MS } = options;
  const now = ctx.now();
  const query = ctx.db
    .collection(QUARANTINE_LEASES)
    .where("dueAt", "<=", timestampAt(now))
    .orderBy("dueAt")
    .limit(limit);
  const due = await guarded(ctx, "list expired quarantine leases", () => query.get());
  const claims: QuarantineLeaseClaim[] = [];
  for (const doc of due.docs) {
    const claimId = randomUUID();
    const claimed = await guarded(ctx, "claim quarantine lease", () =>
      ctx.db.runTransaction(async (transaction) => {
        // Read again inside the transaction: an extension or another caller's claim since the query wins.
        const snapshot = await transaction.get(doc.ref);
        const dueAt = snapshot.get("dueAt") as Timestamp | undefined;
        const lease = leaseOf(doc.ref.id, snapshot.data() ?? {});
        if (!lease || lease.state === "released" || !dueAt || dueAt.toMillis() > now.getTime())
          return undefined;
        const claimedUntil = timestampAt(new Date(now.getTime() + claimMs));
        transaction.update(doc.ref, {
          state: "releasing",
          claimId,
          claimedAt: timestampAt(now),
          dueAt: claimedUntil,
        });
        return lease;
      }),
    );
    if (claimed) claims.push({ ...claimed, state: "releasing", claimId });
  }
  return claims;
}

/**
 * The claimed release is over (the pod released, or found gone, replaced or no longer this
 * incident's): the lease is released with who and why. False when the claim was no longer ours.
 */
export async function finishQuarantineRelease(
  ctx: LedgerContext,
  claim: Pick<QuarantineLeaseClaim, "id" | "claimId">,
  audit: ReleaseAudit,
): Promise<boolean> {
  const ref = ctx.db.collection(QUARANTINE_LEASES).doc(
    z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .parse(claim.id),
  );
  const released = ReleaseAudit.parse(audit);
  return guarded(ctx, "finish quarantine release", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      if (snapshot.get("state") !== "releasing" || snapshot.get("claimId") !== claim.claimId) return false;
      transaction.update(ref, releasedFields(ctx, released));
      return true;
    }),
  );
}

/** An operator lifted the quarantine (`riposte release`): its lease, if any, is released with who and why. */
export async function recordQuarantineRelease(
  ctx: LedgerContext,
  pod: QuarantinedPod,
  audit: ReleaseAudit,
): Promise<boolean> {
  const ref = leaseRef(ctx, pod);
  const released = ReleaseAudit.parse(audit);
  return guarded(ctx, "record quarantine release", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      if (!snapshot.exists || snapshot.get("state") === "released") return false;
      transaction.update(ref, releasedFields(ctx, released));
      return true;
    }),
  );
}

function releasedFields(ctx: LedgerContext, { by, reason }: { by: string; reason: string }) {
  const at = ctx.now();
  return {
    state: "released",
    releasedBy: by,
    releaseReason: reason,
    releasedAt: timestampAt(at),
    dueAt: FieldValue.delete(),
    claimId: FieldValue.delete(),
    expireAt: expireAtAfter(ctx, at),
  };
}
