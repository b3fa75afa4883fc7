// What a decision publishes, once: an approved held command goes to its action's topic as the router
// would have sent it, with `approval` (who let it go); a denied or abandoned one becomes a refused
// ActionOutcome on action-outcomes (the notifier follows up in the thread, the scc-exporter updates
// the finding). Then the ledger's publish claim is finished. A failure before that leaves the claim to
// expire, and the scheduled call publishes it again (claimDueApprovals): never lost. A publish that
// landed but whose finish was lost is published twice; the actioners and the notifier take a
// command or an outcome twice as already done.
import { ACTIONS, ApprovalRecord, actionNameOf, type Command, messageAttributes } from "@riposte/contracts";
import type { ApprovalView, Ledger } from "@riposte/ledger";
import { type Logger, type Publisher, reportOutcome } from "@riposte/service-kit";
import { refusedReason, subjectOf } from "./messages.js";

export interface PublishDeps {
  ledger: Pick<Ledger, "finishApprovalPublish">;
  publisher: Publisher;
  logger: Logger;
  now?: () => Date;
}

/** Publishes what `approval`'s decision calls for and finishes the claim; throws when the publish failed. */
export async function publishDecision(
  deps: PublishDeps,
  approval: ApprovalView,
  claimId: string,
): Promise<void> {
  const { command, decision } = approval;
  if (!decision) throw new Error(`${subjectOf(approval)} has no decision to publish`);
  if (approval.state === "approved") {
    // Parsed, not cast: a decider the contracts would refuse must not ride on a command.
    const record = ApprovalRecord.parse({
      by: decision.by,
      via: decision.via,
      at: decision.at.toISOString(),
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    });
    const released: Command = { ...command, approval: record };
    const topic = ACTIONS[actionNameOf(command.kind)].topic;
    await deps.publisher.publish(topic, released, messageAttributes(released));
  } else {
    await reportOutcome(deps.publisher, command, {
      service: "console",
      result: "refused",
      reason: refusedReason(approval),
      details: {
        approval: {
          state: approval.state,
          by: decision.by,
          via: decision.via,
          at: decision.at.toISOString(),
        },
      },
      at: deps.now?.() ?? new Date(),
    });
  }
  const finished = await deps.ledger.finishApprovalPublish(approval.incident, approval.action, claimId);
  if (!finished) {
    // Our claim expired while publishing and another caller took it: it may publish again.
    deps.logger.warn(
      { incident: approval.incident, action: approval.action },
      `${subjectOf(approval)}: published, but the publish claim had passed to another caller`,
    );
  }
}
