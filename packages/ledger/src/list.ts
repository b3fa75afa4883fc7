// Listing incidents for people (`riposte incidents list`): the newest first, routed since a time,
// optionally in one cluster. One query, ordered and filtered on one field (`router.claimedAt`), so it
// needs only Firestore's automatic single-field index — no composite index for the deploy plan. The
// cluster is not queried: it is filtered here on the target the router stored (see incidentTarget),
// page by page, up to a bound on the documents read.
import { type DocumentSnapshot, FieldPath, type Query } from "@google-cloud/firestore";
import { extractTarget, isClusterName, type Target } from "@riposte/contracts";
import { z } from "zod";
import { guarded, type LedgerContext, timestampAt } from "./context.js";
import { INCIDENTS, IncidentRecord } from "./incident.js";

/** The field incidents are listed by: when the router claimed the incident (every routed alert has it). */
export const LISTED_BY = "router.claimedAt";

export const DEFAULT_LIST_LIMIT = 50;
/** The most documents one listing reads: a cluster filter over a busy window stops here (`truncated`). */
export const LIST_SCAN_MAX = 5_000;
const PAGE_SIZE = 200;

export const ListIncidentsOptions = z.object({
  /** Incidents the router claimed at or after this time. */
  since: z.date(),
  cluster: z.string().refine(isClusterName, { error: "not a valid cluster name" }).optional(),
  limit: z.int().min(1).max(1_000).default(DEFAULT_LIST_LIMIT),
});

export interface IncidentList {
  /** Newest first. */
  incidents: IncidentRecord[];
  /** More incidents match than were returned (the limit, or the scan bound with a cluster filter). */
  truncated: boolean;
  /** Keys of documents in the window that are not incident records (skipped, not fatal to the list). */
  unreadable: string[];
}

/**
 * The incident's target (cluster, namespace, pod, node…) as the router derived it with its CLUSTER_FIELD
 * and stored it with its decision; for a record written before that, re-derived from the stored alert
 * summary with the default cluster field. Undefined without either.
 */
export function incidentTarget(record: IncidentRecord): Target | undefined {
  const stored = record.router?.decision.target;
  if (stored) return stored;
  const alert = record.alert;
  if (!alert) return undefined;
  return extractTarget({ outputFields: alert.outputFields, hostname: alert.hostname, source: alert.source });
}

export async function listIncidents(
  ctx: LedgerContext,
  options: z.input<typeof ListIncidentsOptions>,
): Promise<IncidentList> {
  const { since, cluster, limit } = ListIncidentsOptions.parse(options);
  const base = ctx.db
    .collection(INCIDENTS)
    .where(LISTED_BY, ">=", timestampAt(since))
    .orderBy(LISTED_BY, "desc");
  const incidents: IncidentRecord[] = [];
  const unreadable: string[] = [];
  let scanned = 0;
  let after: DocumentSnapshot | undefined;
  for (;;) {
    // Without a cluster filter every readable document counts: read one more than needed, to know.
    const pageSize = cluster === undefined ? limit + 1 - incidents.length : PAGE_SIZE;
    const query: Query = (after ? base.startAfter(after) : base).limit(pageSize);
    const page = await guarded(ctx, "list incidents", () => query.get());
    scanned += page.size;
    for (const doc of page.docs) {
      const parsed = IncidentRecord.safeParse(doc.data());
      if (!parsed.success) {
        unreadable.push(doc.id);
        continue;
      }
      if (cluster !== undefined && incidentTarget(parsed.data)?.cluster !== cluster) continue;
      if (incidents.length === limit) return { incidents, truncated: true, unreadable };
      incidents.push(parsed.data);
    }
    if (page.size < pageSize) return { incidents, truncated: false, unreadable };
    if (scanned >= LIST_SCAN_MAX) return { incidents, truncated: true, unreadable };
    after = page.docs[page.docs.length - 1];
  }
}

/** A prefix of incident keys, such as the 12-character short key the notifier shows. */
export const IncidentKeyPrefix = z.string().regex(/^[0-9a-f]{1,32}$/, { error: "expected lowercase hex" });

/**
 * The keys of incidents starting with `prefix` (at most `limit`, in key order): what a short key may
 * stand for. A range on the document id, which Firestore always indexes.
 */
export async function findIncidentKeys(ctx: LedgerContext, prefix: string, limit = 10): Promise<string[]> {
  const start = IncidentKeyPrefix.parse(prefix);
  const query = ctx.db
    .collection(INCIDENTS)
    .where(FieldPath.documentId(), ">=", start)
    // Keys are lowercase hex: every key starting with the prefix sorts before prefix + "g".
    .where(FieldPath.documentId(), "<", `${start}g`)
    .orderBy(FieldPath.documentId())
    .limit(limit);
  const snapshot = await guarded(ctx, "find incident keys", () => query.get());
  return snapshot.docs.map((doc) => doc.id);
}
