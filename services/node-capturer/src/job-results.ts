// The ledger records when a capture Job completed or failed: a scheduled call (every minute) lists
// the finished capture Jobs in Riposte's namespace of every cluster and writes each one's state in
// its incident (actions.capture-node.job). A Job is kept an hour after it finishes (its TTL), so each
// is recorded again on later passes: the same fields, merged, harmless.
import type { ActionerScheduledCall, ActionRunnerDeps } from "@riposte/actioner-kit";
import { isIncidentKey } from "@riposte/contracts";
import type { Logger } from "@riposte/service-kit";
import type { NodeCaptureUses } from "./config.js";
import { COMPONENT, COMPONENT_LABEL, INCIDENT_LABEL, MANAGED_BY_LABEL } from "./job.js";

export const JOB_RESULTS_PATH = "/scheduled/record-job-results";
/** A Job's result reaches the ledger at most this late after it finishes. */
export const JOB_RESULTS_SCHEDULE = { cron: "* * * * *", everySeconds: 60 } as const;
const JOB_SELECTOR = `${MANAGED_BY_LABEL}=riposte,${COMPONENT_LABEL}=${COMPONENT},${INCIDENT_LABEL}`;
const ACTION = "capture-node";

export interface JobResultsSummary {
  recorded: number;
  running: number;
  failed: number;
}

export function jobResultsCall(service = "node-capturer"): ActionerScheduledCall {
  return {
    path: JOB_RESULTS_PATH,
    ...JOB_RESULTS_SCHEDULE,
    async run(runner, logger) {
      // What describeActioner's `uses` built at start (config.ts).
      const uses = runner.uses as NodeCaptureUses;
      const summary: JobResultsSummary = { recorded: 0, running: 0, failed: 0 };
      for (const cluster of runner.registry.names())
        await recordCluster(runner, uses, cluster, service, summary, logger);
      return { ...summary };
    },
  };
}

async function recordCluster(
  runner: ActionRunnerDeps,
  uses: NodeCaptureUses,
  cluster: string,
  service: string,
  summary: JobResultsSummary,
  logger: Logger,
): Promise<void> {
  const clients = await runner.registry.clientsFor(cluster);
  const jobs = await clients.batch.listNamespacedJob({
    namespace: uses.namespace,
    labelSelector: JOB_SELECTOR,
  });
  for (const job of jobs.items) {
    const incident = job.metadata?.labels?.[INCIDENT_LABEL] ?? "";
    const name = `${uses.namespace}/${job.metadata?.name}`;
    const finished = job.status?.conditions?.find(
      (condition) =>
        (condition.type === "Complete" || condition.type === "Failed") && condition.status === "True",
    );
    if (!isIncidentKey(incident)) {
      logger.warn({ job: name }, `Job ${name}: its ${INCIDENT_LABEL} label is no incident key; not recorded`);
      continue;
    }
    if (!finished) {
      summary.running += 1;
      continue;
    }
    const reason = [finished.reason, finished.message].filter(Boolean).join(": ");
    try {
      // LedgerUnavailableError: counted, and the next pass records it (the Job is kept an hour).
      await uses.jobResults.recordJobResult(incident, ACTION, {
        service,
        job: name,
        state: finished.type === "Complete" ? "complete" : "failed",
        reason,
        at: finished.lastTransitionTime ?? job.status?.completionTime ?? runner.now?.() ?? new Date(),
      });
      summary.recorded += 1;
    } catch (error) {
      summary.failed += 1;
      logger.warn({ job: name, incident, err: (error as Error).message }, `Job ${name}: result not recorded`);
    }
  }
}
