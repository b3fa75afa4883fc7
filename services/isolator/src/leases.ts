// Quarantine leases: an isolation with a ttl records a lease in the incident ledger (action.ts); this
// scheduled call releases the expired ones. Cloud Scheduler posts to it every minute (`* * * * *`, the
// push account's OIDC token) and `riposte dev` locally on the same schedule. Each lease is claimed in
// the ledger before its pod is touched, so two instances calling at once release it once; a claim
// whose holder died is taken again after DEFAULT_RELEASE_CLAIM_MS. The ledger out of reach: 503,
// nothing released. A lease a person asked to release (the console's Release: it has no cluster access)
// is due at once and released here in that person's name and with their reason, not the expiry's.
import type { ActionerScheduledCall, ActionRunnerDeps } from "@riposte/actioner-kit";
import { classifyKubernetesError, UnknownClusterError } from "@riposte/actioner-kit";
import {
  type ActionOutcome,
  DeciderIdentity,
  messageAttributes,
  parseOperatorReason,
  Topics,
} from "@riposte/contracts";
import type { QuarantineLeaseClaim } from "@riposte/ledger";
import type { Logger } from "@riposte/service-kit";
import type { QuarantineLeases } from "./config.js";
import { RELEASE_ACTION, releaseQuarantine } from "./release.js";

export const RELEASE_EXPIRED_PATH = "/scheduled/release-expired";
/** A lease is lifted at most this late after it expires. */
export const RELEASE_EXPIRED_SCHEDULE = { cron: "* * * * *", everySeconds: 60 } as const;
/** Who the ledger and the Event name as having released an expired lease. */
export const LEASE_RELEASER = "riposte-isolator";

export interface ReleaseExpiredResult {
  released: number;
  /** Claimed, and found with nothing to release (gone, replaced, released by hand, another incident's). */
  ended: number;
  /** Left claimed: retried after the claim ends. */
  failed: number;
}

export function releaseExpiredCall(leases: QuarantineLeases, service = "isolator"): ActionerScheduledCall {
  return {
    path: RELEASE_EXPIRED_PATH,
    ...RELEASE_EXPIRED_SCHEDULE,
    async run(runner, logger) {
      // LedgerUnavailableError here is the call's 503: nothing is claimed, so nothing is released.
      const claims = await leases.claimExpiredQuarantineLeases();
      const result: ReleaseExpiredResult = { released: 0, ended: 0, failed: 0 };
      for (const claim of claims) {
        const outcome = await releaseOne(claim, leases, runner, logger, service).catch((error: unknown) => {
          logger.warn(
            {
              incident: claim.incident,
              pod: `${claim.namespace}/${claim.pod}`,
              err: (error as Error).message,
            },
            `releasing the due quarantine of pod ${claim.namespace}/${claim.pod} failed; retried once the claim ends`,
          );
          return "failed" as const;
        });
        result[outcome] += 1;
      }
      if (claims.length > 0) logger.info({ ...result }, `due quarantine leases: ${JSON.stringify(result)}`);
      return { ...result };
    },
  };
}

/** Who lifts this lease and why, for the Event, the ledger and the outcome. */
export interface LeaseReleaseAudit {
  by: string;
  why: string;
  /** The release a person asked for (absent: the lease expired). */
  request?: { via?: string; at: string };
}

/**
 * The person's request when the claim carries one, checked again (anything that writes the ledger could
 * have put it there): an identity that is no person's, or a reason that is no plain line, is not repeated
 * in the pod's Event or the outcome — the release itself goes ahead, as the lease is due.
 */
export function leaseReleaseAudit(claim: QuarantineLeaseClaim): LeaseReleaseAudit {
  const request = claim.releaseRequest;
  if (!request)
    return { by: LEASE_RELEASER, why: `quarantine lease expired at ${claim.expiresAt.toISOString()}` };
  const person = DeciderIdentity.safeParse(request.by);
  const reason = parseOperatorReason(request.reason);
  const at = request.at.toISOString();
  const asked = { at, ...(request.via ? { via: request.via } : {}) };
  if (!person.success || person.data === "deadline" || !reason.ok)
    return {
      by: LEASE_RELEASER,
      why: `release requested at ${at} by an identity or with a reason that is not shown (not valid)`,
      request: asked,
    };
  return { by: person.data, why: reason.reason, request: asked };
}

async function releaseOne(
  claim: QuarantineLeaseClaim,
  leases: QuarantineLeases,
  runner: ActionRunnerDeps,
  logger: Logger,
  service: string,
): Promise<"released" | "ended"> {
  const now = runner.now?.() ?? new Date();
  const { by, why, request } = leaseReleaseAudit(claim);
  let clients: Awaited<ReturnType<ActionRunnerDeps["registry"]["clientsFor"]>>;
  try {
    clients = await runner.registry.clientsFor(claim.cluster);
  } catch (error) {
    if (!(error instanceof UnknownClusterError)) throw error;
    await leases.finishQuarantineRelease(claim, { by, reason: `${why}; ${error.message}` });
    return "ended";
  }
  let released: Awaited<ReturnType<typeof releaseQuarantine>>;
  try {
    released = await releaseQuarantine(
      clients,
      claim.namespace,
      claim.pod,
      { by, reason: why, now, component: `riposte-${service}` },
      { uid: claim.podUid, incident: claim.incident },
    );
  } catch (error) {
    if (classifyKubernetesError(error).kind !== "not-found") throw error;
    released = { released: false, message: `pod ${claim.namespace}/${claim.pod} is gone` };
  }
  if (!released.released) {
    // Nothing of this lease's left to lift: the lease ends, the pod (if any) is left as it is.
    await leases.finishQuarantineRelease(claim, { by, reason: `${why}; ${released.message}` });
    logger.info({ incident: claim.incident, by }, `quarantine lease ended: ${released.message}`);
    return "ended";
  }
  // As an operator's release reads (contracts' operatorOutcome): what, by whom, why.
  const reason = request ? `${released.message} by ${by}: ${why}` : `${released.message}: ${why}`;
  const outcome: ActionOutcome = {
    v: 1,
    kind: "ActionOutcome",
    service,
    action: RELEASE_ACTION,
    incident: claim.incident,
    result: "done",
    reason,
    details: {
      by,
      reason: why,
      ...(request ? { requested: request } : {}),
      object: { kind: "Pod", namespace: claim.namespace, name: claim.pod, uid: claim.podUid },
      cluster: claim.cluster,
      ...(released.eventError ? { eventError: released.eventError } : {}),
    },
    target: { namespace: claim.namespace, pod: claim.pod, rejected: [] },
    at: now.toISOString(),
  };
  // The timeline and the follow-up first, the lease last: a failure here leaves the claim to end and
  // the next call finds the pod released (nothing to lift) and ends the lease.
  await runner.ledger.recordActionOutcome(claim.incident, RELEASE_ACTION, {
    service,
    result: "done",
    reason,
  });
  await runner.publisher.publish(Topics.actionOutcomes, outcome, messageAttributes(outcome));
  await leases.finishQuarantineRelease(claim, { by, reason: why });
  return "released";
}
