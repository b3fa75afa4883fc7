// The one thing this service does: keep one SCC finding per incident. An ExportFinding command writes
// the finding (and reports an ActionOutcome); an action outcome of another service adds its result to
// the same finding, creating it first if the command has not arrived yet (any order, any number of
// times). Pure over the injected SccApi and publisher.
import type { ActionOutcome, ExportFindingCommand, OutcomeResult, TargetMessage } from "@riposte/contracts";
import { type Ledger, LedgerUnavailableError } from "@riposte/ledger";
import {
  type Logger,
  type Publisher,
  RetryableError,
  reportOutcome,
  retryableOn,
} from "@riposte/service-kit";
import { incidentFinding, outcomeProperties, outcomePropertyKey, traceLinkOf } from "./finding.js";
import { type GkeClusterMap, gkeResourceName, resolveGkeCluster } from "./gke-clusters.js";
import { type SccApi, SccError } from "./scc-client.js";
import { type FindingsLocation, findingNameOf } from "./scc-names.js";

export const SERVICE_NAME = "scc-exporter";
export const EXPORT_ACTION = "export-finding";
/** The action whose success can close the finding (MARK_INACTIVE_AFTER_KILL). */
export const KILL_ACTION = "kill-pod";

/** What the exporter writes in the incident ledger: the finding's name, and its action's outcome. */
export type FindingLedger = Pick<Ledger, "recordFinding" | "recordActionOutcome">;

export interface FindingExporterOptions {
  scc: SccApi;
  publisher: Publisher;
  /** The incident's timeline (`riposte incidents show`); out of reach → 503, redelivered. */
  ledger: FindingLedger;
  where: FindingsLocation;
  clusters: GkeClusterMap;
  /** After a successful kill-pod outcome, set the finding INACTIVE. */
  markInactiveAfterKill: boolean;
  /**
   * The project whose Cloud Trace holds Riposte's traces: findings link to their trace there. Undefined
   * when traces go elsewhere (or nowhere): no link rather than a dead one.
   */
  traceProjectId?: string | undefined;
  now?: () => Date;
}

export interface ExportContext {
  logger: Logger;
  /** The push message's attributes (its traceparent gives the trace link). */
  attributes: Readonly<Record<string, string>>;
}

export interface FindingExporter {
  exportFinding(command: ExportFindingCommand, context: ExportContext): Promise<void>;
  recordOutcome(outcome: ActionOutcome, context: ExportContext): Promise<void>;
}

type Placement = { ok: true; resourceName: string } | { ok: false; reason: string };

export function createFindingExporter(options: FindingExporterOptions): FindingExporter {
  const exporter: Exporter = { ...options, now: options.now ?? (() => new Date()) };
  return {
    exportFinding: (command, context) => exportFinding(exporter, command, context),
    recordOutcome: (outcome, context) => recordOutcome(exporter, outcome, context),
  };
}

/** The options, with the clock chosen. */
type Exporter = FindingExporterOptions & { now: () => Date };

function placeIncident(clusters: GkeClusterMap, target: TargetMessage): Placement {
  const cluster = resolveGkeCluster(clusters, target.cluster);
  if (!cluster.ok) return cluster;
  return { ok: true, resourceName: gkeResourceName(cluster.cluster, target) };
}

/** A permanent SCC refusal is reported; anything else is retried by Pub/Sub (503). */
function retryUnlessPermanent(error: unknown, what: string): SccError {
  if (error instanceof SccError && !error.transient) return error;
  throw new RetryableError(`${what}: ${(error as Error).message}`, { cause: error });
}

async function publishOutcome(
  exporter: Exporter,
  command: ExportFindingCommand,
  result: OutcomeResult,
  reason: string,
  details: Record<string, unknown>,
): Promise<void> {
  // The timeline first, as the actioners do: if it cannot be written nothing is published, and the
  // redelivery writes the finding again (same name, same fields) and reports.
  await retryableOn(LedgerUnavailableError, "recording the outcome in the ledger", async () => {
    if (result === "done" && typeof details.finding === "string")
      await exporter.ledger.recordFinding(command.incident, details.finding);
    await exporter.ledger.recordActionOutcome(command.incident, EXPORT_ACTION, {
      service: SERVICE_NAME,
      result,
      reason,
    });
  });
  await reportOutcome(exporter.publisher, command, {
    service: SERVICE_NAME,
    result,
    reason,
    details,
    at: exporter.now(),
  });
}

async function exportFinding(
  exporter: Exporter,
  command: ExportFindingCommand,
  { logger, attributes }: ExportContext,
): Promise<void> {
  const { scc, where } = exporter;
  const name = findingNameOf(where, command.incident);
  const placement = placeIncident(exporter.clusters, command.target);
  if (!placement.ok) {
    logger.warn({ incident: command.incident, reason: placement.reason }, "finding refused");
    const reason = `no GKE resource for the finding: ${placement.reason}`;
    await publishOutcome(exporter, command, "refused", reason, { finding: name });
    return;
  }
  const write = incidentFinding({
    name,
    incident: command.incident,
    alert: command.alert,
    target: command.target,
    resourceName: placement.resourceName,
    playbooks: command.playbooks,
    externalUri:
      exporter.traceProjectId === undefined
        ? undefined
        : traceLinkOf(attributes.googclient_traceparent ?? attributes.traceparent, exporter.traceProjectId),
    notAfter: command.issuedAt,
  });
  if (command.dryRun) {
    await publishOutcome(exporter, command, "dry-run", `would write finding ${name}`, {
      finding: name,
      category: write.finding.category,
      resourceName: placement.resourceName,
      severity: write.finding.severity,
    });
    return;
  }
  let failure: SccError;
  try {
    await scc.upsertFinding(write.finding, write.updateMask);
    logger.info(
      { incident: command.incident, finding: name, category: write.finding.category },
      `finding ${write.finding.category} written`,
    );
    await publishOutcome(exporter, command, "done", `finding ${name} written`, {
      finding: name,
      category: write.finding.category,
      resourceName: placement.resourceName,
      severity: write.finding.severity,
    });
    return;
  } catch (error) {
    if (error instanceof RetryableError) throw error; // the outcome could not be published
    failure = retryUnlessPermanent(error, `writing finding ${name}`);
  }
  logger.error({ incident: command.incident, finding: name, err: failure.message }, "finding refused by SCC");
  await publishOutcome(exporter, command, "failed", failure.message, {
    finding: name,
    code: failure.codeName,
    method: failure.method,
  });
}

async function recordOutcome(
  exporter: Exporter,
  outcome: ActionOutcome,
  { logger }: ExportContext,
): Promise<void> {
  const { scc, where } = exporter;
  // Our own outcomes come back on action-outcomes; recording them would be a loop.
  if (outcome.service === SERVICE_NAME) return;
  // A dry run changes nothing anywhere, SCC included.
  if (outcome.result === "dry-run") return;
  const name = findingNameOf(where, outcome.incident);
  const properties = outcomeProperties(outcome);
  const closes =
    exporter.markInactiveAfterKill &&
    outcome.action === KILL_ACTION &&
    (outcome.result === "done" || outcome.result === "already-done");
  try {
    const written = await writeOutcome(exporter, name, outcome, properties, logger);
    if (!written) return;
    if (closes) await scc.setFindingState(name, "INACTIVE");
  } catch (error) {
    const failure = retryUnlessPermanent(error, `recording ${outcome.service} outcome on ${name}`);
    // Nobody is waiting for an outcome about an outcome (no loops): log it, ack it.
    logger.error(
      { incident: outcome.incident, finding: name, code: failure.codeName, err: failure.message },
      `SCC refused the ${outcome.service} outcome; not retried`,
    );
    return;
  }
  logger.info(
    {
      incident: outcome.incident,
      finding: name,
      [outcomePropertyKey(outcome.service)]: outcome.result,
      ...(closes ? { state: "INACTIVE" } : {}),
    },
    `finding updated with ${outcome.service}: ${outcome.result}`,
  );
}

/** Writes the outcome's properties; false when there was no finding to put them on. */
async function writeOutcome(
  exporter: Exporter,
  name: string,
  outcome: ActionOutcome,
  properties: ReturnType<typeof outcomeProperties>,
  logger: Logger,
): Promise<boolean> {
  const { scc, where } = exporter;
  const outcomeMask = Object.keys(properties).map((key) => `source_properties.${key}`);
  const placement = outcome.target ? placeIncident(exporter.clusters, outcome.target) : undefined;
  if (outcome.alert && outcome.target && placement?.ok) {
    // The whole finding, so that it is complete even when the command has not been handled yet.
    const write = incidentFinding({
      name,
      incident: outcome.incident,
      alert: outcome.alert,
      target: outcome.target,
      resourceName: placement.resourceName,
      notAfter: outcome.at,
    });
    await scc.upsertFinding(
      { ...write.finding, sourceProperties: { ...write.finding.sourceProperties, ...properties } },
      [...write.updateMask, ...outcomeMask],
    );
    return true;
  }
  // Without the alert the finding cannot be created: only an existing one is updated.
  const existing = await scc.findFinding(where.parent, name);
  if (!existing) {
    logger.warn(
      {
        incident: outcome.incident,
        finding: name,
        reason: placement && !placement.ok ? placement.reason : "the outcome carries no alert or target",
      },
      `${outcome.service} outcome not recorded: no finding to record it on`,
    );
    return false;
  }
  await scc.upsertFinding({ name, sourceProperties: properties }, outcomeMask);
  return true;
}
