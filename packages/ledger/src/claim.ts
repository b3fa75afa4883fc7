// Router dedup across instances and restarts: the first router to claim an incident routes it; the
// others answer `duplicate` and ack. A claim is `routing` until the router has published its commands
// (`markRouted`), then `routed`:
//   - routed: a duplicate for the dedup window after routing, claimable again after it;
//   - routing: a duplicate for the lease, so a router that vanished mid-routing (SIGKILL, scale-in)
//     does not lose the alert — its redelivery claims again once the lease is over;
//   - released (publishing failed): claimable at once, so the redelivery routes again.
// A claim is a create-if-absent (create() fails with ALREADY_EXISTS when the incident exists); only when
// the incident already exists does a transaction decide, so two routers can never both win.
import { randomUUID } from "node:crypto";
import { FieldValue, type Timestamp, type Transaction } from "@google-cloud/firestore";
import { AlertSummary } from "@riposte/contracts";
import { z } from "zod";
import { expireAtFrom, guarded, type LedgerContext, timestampAt } from "./context.js";
import { ALREADY_EXISTS, FAILED_PRECONDITION, grpcCodeOf } from "./errors.js";
import { incidentRef, RouterRecord, RoutingDecisionRecord } from "./incident.js";

export const DEFAULT_CLAIM_LEASE_MS = 60_000;
/** Above this the alert is stored without its output fields (a document holds at most 1 MiB). */
const ALERT_MAX_CHARS = 200_000;

export interface ClaimOptions {
  dedupWindowMs: number;
  /** How long a `routing` claim keeps others out (default 60 s): longer than publishing takes. */
  leaseMs?: number;
  /** Who claims, e.g. the Pub/Sub message id: a redelivery of that message gets its claim back. */
  claimant?: string;
  alert?: z.input<typeof AlertSummary>;
}

/**
 * When the claim's create was written: `markRouted` then updates only if nobody wrote the incident
 * since — one precondition write instead of a transaction's begin, read and commit.
 */
export type ClaimVersion = Timestamp;

export type ClaimResult =
  | { outcome: "claimed"; claimId: string; version?: ClaimVersion }
  | { outcome: "duplicate"; state: RouterRecord["state"]; claimedAt: Date };

const ClaimOptionsSchema = z.object({
  dedupWindowMs: z.int().min(0),
  leaseMs: z.int().min(1).default(DEFAULT_CLAIM_LEASE_MS),
  claimant: z.string().min(1).max(256).optional(),
  alert: AlertSummary.optional(),
});

export async function claimIncident(
  ctx: LedgerContext,
  key: string,
  decision: RoutingDecisionRecord,
  options: ClaimOptions,
): Promise<ClaimResult> {
  const ref = incidentRef(ctx, key);
  const { dedupWindowMs, leaseMs, claimant, alert } = ClaimOptionsSchema.parse(options);
  const at = ctx.now();
  const claimId = randomUUID();
  const fields = {
    incident: ref.id,
    router: {
      claimId,
      ...(claimant === undefined ? {} : { claimant }),
      state: "routing",
      claimedAt: timestampAt(at),
      decision: RoutingDecisionRecord.parse(decision),
    },
    ...(alert === undefined ? {} : { alert: alertText(alert) }),
    expireAt: expireAtFrom(ctx, at),
  };
  const claimed: ClaimResult = { outcome: "claimed", claimId };

  return guarded(ctx, "claim incident", async () => {
    try {
      const written = await ref.create(fields);
      return { ...claimed, version: written.writeTime };
    } catch (error) {
      if (grpcCodeOf(error) !== ALREADY_EXISTS) throw error;
    }
    // The incident exists: claimed by another router, or only written by other services so far.
    return ctx.db.runTransaction<ClaimResult>(async (transaction) => {
      const current = await routerRecordIn(transaction, ref);
      if (current && holds(current, at, dedupWindowMs, leaseMs)) {
        const ours = claimant !== undefined && current.claimant === claimant && current.state === "routing";
        return ours
          ? { outcome: "claimed", claimId: current.claimId }
          : { outcome: "duplicate", state: current.state, claimedAt: current.claimedAt };
      }
      // mergeFields: the router's fields are replaced whole, everyone else's are left alone.
      transaction.set(ref, fields, { mergeFields: Object.keys(fields) });
      return claimed;
    });
  });
}

/**
 * The claim `claimId` published its commands: duplicates are refused for the dedup window from now.
 * With the claim's `version` and nobody having written the incident since, the claim is still ours
 * and one preconditioned update does it; otherwise (another service or router wrote it) a
 * transaction reads whose claim stands.
 */
export async function markRouted(
  ctx: LedgerContext,
  key: string,
  claimId: string,
  version?: ClaimVersion,
): Promise<boolean> {
  const ref = incidentRef(ctx, key);
  const at = ctx.now();
  const routed = {
    "router.state": "routed",
    "router.routedAt": timestampAt(at),
    expireAt: expireAtFrom(ctx, at),
  };
  return guarded(ctx, "mark incident routed", async () => {
    if (version) {
      try {
        await ref.update(routed, { lastUpdateTime: version });
        return true;
      } catch (error) {
        if (grpcCodeOf(error) !== FAILED_PRECONDITION) throw error;
      }
    }
    return ctx.db.runTransaction(async (transaction) => {
      const current = await routerRecordIn(transaction, ref);
      // Lost to a router that took over after the lease: its claim stands.
      if (current?.claimId !== claimId) return false;
      transaction.update(ref, routed);
      return true;
    });
  });
}

/** Publishing failed: the claim `claimId` is withdrawn so the redelivery routes the alert again. */
export async function releaseClaim(ctx: LedgerContext, key: string, claimId: string): Promise<boolean> {
  const ref = incidentRef(ctx, key);
  return guarded(ctx, "release incident claim", () =>
    ctx.db.runTransaction(async (transaction) => {
      const current = await routerRecordIn(transaction, ref);
      if (current?.claimId !== claimId) return false;
      transaction.update(ref, { router: FieldValue.delete() });
      return true;
    }),
  );
}

async function routerRecordIn(
  transaction: Transaction,
  ref: ReturnType<typeof incidentRef>,
): Promise<RouterRecord | undefined> {
  const snapshot = await transaction.get(ref);
  const parsed = RouterRecord.safeParse(snapshot.get("router"));
  return parsed.success ? parsed.data : undefined;
}

function holds(claim: RouterRecord, at: Date, dedupWindowMs: number, leaseMs: number): boolean {
  if (claim.state === "routed")
    return at.getTime() - (claim.routedAt ?? claim.claimedAt).getTime() < dedupWindowMs;
  return at.getTime() - claim.claimedAt.getTime() < leaseMs;
}

function alertText(alert: AlertSummary): string {
  const text = JSON.stringify(alert);
  return text.length <= ALERT_MAX_CHARS ? text : JSON.stringify({ ...alert, outputFields: {} });
}
