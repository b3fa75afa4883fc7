// runDueApprovals: the scheduled call's work (every minute). The ledger decides every held action whose
// deadline passed by its on_timeout (proceed → approved by "deadline", abandon → abandoned) and hands
// back those, and the decisions whose publish claim expired (a decider that failed or died), each to
// exactly one caller; this publishes each and finishes it.
import { errorMessage } from "@riposte/service-kit";
import type { ApprovalDeps } from "./deps.js";
import { subjectOf } from "./messages.js";
import { publishDecision } from "./publish.js";

/** Claims taken per batch; more batches follow while batches come back full. */
const BATCH = 50;
/** At most this many batches per call: the next call (a minute later) takes the rest. */
const MAX_BATCHES = 10;

export interface DueSummary {
  /** Claimed for publishing: deadlines just applied and publishes taken over. */
  claimed: number;
  published: number;
  /** Publishes that failed: their claims expire and a later call publishes them. */
  failed: number;
}

export async function runDueApprovals(
  deps: Pick<ApprovalDeps, "ledger" | "publisher" | "logger" | "now">,
): Promise<DueSummary> {
  const summary: DueSummary = { claimed: 0, published: 0, failed: 0 };
  for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
    const claims = await deps.ledger.claimDueApprovals({ limit: BATCH });
    summary.claimed += claims.length;
    for (const { approval, claimId } of claims) {
      try {
        await publishDecision(deps, approval, claimId);
        summary.published += 1;
      } catch (error) {
        summary.failed += 1;
        deps.logger.warn(
          { incident: approval.incident, action: approval.action, err: errorMessage(error) },
          `${subjectOf(approval)}: publishing its decision failed; a later call retries`,
        );
      }
    }
    if (claims.length < BATCH) break;
  }
  if (summary.claimed > 0)
    deps.logger.info(
      { ...summary },
      `approvals due: ${summary.published} published, ${summary.failed} failed`,
    );
  return summary;
}
