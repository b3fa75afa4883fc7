// The incident document, `incidents/<incident key>`: one per alert, the timeline of what Riposte did.
// Each service writes only its own fields, with merges (never read-modify-write), so concurrent
// writers never lose each other's writes:
//   router          router (claim + decision), alert          — see claim.ts
//   actioners       actions.<action>.{service, attempts, lastAttemptAt, outcome, lastError}
//   node-capturer   actions.<action>.job (the Job it launched, once it finished)
//   approvals       actions.<action>.approval, and a refused outcome when denied or abandoned (approvals.ts)
//   notifier        notifications.<destination>.{status, reason, at}
//   scc-exporter    finding.{name, recordedAt}
//   any             traceId
// and every write pushes `expireAt` (the TTL policy's field) to the TTL after it.
import { FieldValue, Timestamp } from "@google-cloud/firestore";
import {
  AlertSummary,
  APPROVAL_STATES,
  IncidentKeySchema,
  OUTCOME_RESULTS,
  TargetSchema,
} from "@riposte/contracts";
import { z } from "zod";
import { expireAtFrom, guarded, type LedgerContext, timestampAt } from "./context.js";

export const INCIDENTS = "incidents";

/** Longest reason kept; a longer one (alert text can end up in it) is cut, not refused. */
export const REASON_MAX_LENGTH = 2048;

/**
 * Names that become map keys (actions, destinations): plain lowercase names only, so no alert text and
 * no reserved Firestore name (`__…__`) ever becomes a field path.
 */
export const FieldName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: "expected a plain name (a-z, 0-9, _ and -, ≤ 63)" });

export const IncidentKey = IncidentKeySchema;

const Reason = z.string().transform((reason) => reason.slice(0, REASON_MAX_LENGTH));
const Instant = z.instanceof(Timestamp).transform((timestamp) => timestamp.toDate());

export const RoutingDecisionRecord = z.object({
  /** The playbooks that matched. */
  playbooks: z.array(z.string()),
  actions: z.array(
    z.object({
      action: FieldName,
      dryRun: z.boolean(),
      playbooks: z.array(z.string()),
      /** Ordered (a playbook's `after`): the earlier actions it waits for, at most `waitSeconds`. */
      after: z.array(FieldName).optional(),
      waitSeconds: z.number().int().positive().optional(),
    }),
  ),
  /**
   * What the alert is about, as the router derived it (with its CLUSTER_FIELD): what listings filter
   * on. Absent on records written before it was stored.
   */
  target: TargetSchema.optional(),
});
export type RoutingDecisionRecord = z.infer<typeof RoutingDecisionRecord>;

export const RouterRecord = z.object({
  claimId: z.string(),
  /** Who claimed, e.g. the Pub/Sub message id: its redelivery gets the same claim back. */
  claimant: z.string().optional(),
  state: z.enum(["routing", "routed"]),
  claimedAt: Instant,
  routedAt: Instant.optional(),
  decision: RoutingDecisionRecord,
});
export type RouterRecord = z.infer<typeof RouterRecord>;

export const OutcomeRecord = z.object({
  result: z.enum(OUTCOME_RESULTS),
  reason: z.string(),
  at: Instant,
  /** Where what the action produced lives, e.g. an evidence bundle's gs://BUCKET/prefix/. */
  location: z.string().optional(),
});

export const JOB_STATES = ["complete", "failed"] as const;

/** A held action's approval, mirrored from approvals/<incident>~<action> (approvals.ts). */
export const ApprovalMirror = z.object({
  state: z.enum(APPROVAL_STATES),
  deadline: Instant,
  by: z.string().optional(),
  via: z.string().optional(),
  at: Instant.optional(),
  reason: z.string().optional(),
});

export const ActionRecord = z.object({
  /** Absent while the action only waits for an approval (nothing ran it yet). */
  service: z.string().optional(),
  attempts: z.int().default(0),
  lastAttemptAt: Instant.optional(),
  outcome: OutcomeRecord.optional(),
  /** Why the last delivery that failed and was retried failed (its final outcome may say less). */
  lastError: z.object({ reason: z.string(), at: Instant }).optional(),
  /** A Job the action launched (capture-node), once it finished: its outcome comes long after the action's. */
  job: z.object({ name: z.string(), state: z.enum(JOB_STATES), reason: z.string(), at: Instant }).optional(),
  approval: ApprovalMirror.optional(),
});
export type ActionRecord = z.infer<typeof ActionRecord>;

export const NOTIFICATION_STATUSES = ["sent", "failed", "held-back"] as const;
export const NotificationRecord = z.object({
  status: z.enum(NOTIFICATION_STATUSES),
  reason: z.string().optional(),
  at: Instant,
  /** Held back: the notifier's command as JSON text, so any instance can announce it in full later. */
  command: z.string().optional(),
});
export type NotificationRecord = z.infer<typeof NotificationRecord>;

/** The alert is stored as JSON text: its output field names are the attacker's, never field paths. */
const AlertText = z.string().transform((text, context) => {
  try {
    return AlertSummary.parse(JSON.parse(text));
  } catch {
    context.addIssue({ code: "custom", message: "stored alert is not an alert summary" });
    return z.NEVER;
  }
});

export const IncidentRecord = z.object({
  incident: IncidentKey,
  alert: AlertText.optional().catch(undefined),
  router: RouterRecord.optional(),
  actions: z.record(z.string(), ActionRecord).default({}),
  notifications: z.record(z.string(), NotificationRecord).default({}),
  finding: z.object({ name: z.string(), recordedAt: Instant }).optional(),
  traceId: z.string().optional(),
  expireAt: Instant,
});
export type IncidentRecord = z.infer<typeof IncidentRecord>;

export const ActionAttempt = z.object({ service: z.string().min(1).max(63) });
export const ActionErrorInput = z.object({ service: z.string().min(1).max(63), reason: Reason });
export const ActionOutcomeInput = z.object({
  service: z.string().min(1).max(63),
  result: z.enum(OUTCOME_RESULTS),
  reason: Reason,
  location: z.string().min(1).max(1024).optional(),
});
export const JobResultInput = z.object({
  service: z.string().min(1).max(63),
  /** `<namespace>/<name>` of the Job. */
  job: z.string().min(1).max(317),
  state: z.enum(JOB_STATES),
  reason: Reason,
  /** When the Job finished (its condition's time), not when this was written. */
  at: z.date(),
});
/** Above this a held-back command is not kept (a document holds at most 1 MiB). */
const COMMAND_MAX_CHARS = 200_000;
export const NotificationInput = z.object({
  status: z.enum(NOTIFICATION_STATUSES),
  reason: Reason.optional(),
  // Too long to keep: an instance without it in memory follows up instead of announcing in full.
  command: z
    .string()
    .optional()
    .transform((text) => (text !== undefined && text.length <= COMMAND_MAX_CHARS ? text : undefined)),
});

export function incidentRef(ctx: LedgerContext, key: string) {
  return ctx.db.collection(INCIDENTS).doc(IncidentKey.parse(key));
}

/** Merges `fields` into the incident (created when absent), with its key and a fresh expireAt. */
async function mergeIntoIncident(
  ctx: LedgerContext,
  operation: string,
  key: string,
  fields: (at: Timestamp) => Record<string, unknown>,
): Promise<void> {
  const ref = incidentRef(ctx, key);
  const at = ctx.now();
  const data = { incident: ref.id, ...fields(timestampAt(at)), expireAt: expireAtFrom(ctx, at) };
  return guarded(ctx, operation, async () => {
    await ref.set(data, { merge: true });
  });
}

export async function recordActionAttempt(
  ctx: LedgerContext,
  key: string,
  action: string,
  attempt: z.input<typeof ActionAttempt>,
): Promise<void> {
  const name = FieldName.parse(action);
  const { service } = ActionAttempt.parse(attempt);
  // An increment, not a read-modify-write: concurrent deliveries each count.
  return mergeIntoIncident(ctx, "record action attempt", key, (at) => ({
    actions: { [name]: { service, attempts: FieldValue.increment(1), lastAttemptAt: at } },
  }));
}

/** A delivery failed and will be retried: why, for the final outcome and `riposte incidents show`. */
export async function recordActionError(
  ctx: LedgerContext,
  key: string,
  action: string,
  error: z.input<typeof ActionErrorInput>,
): Promise<void> {
  const name = FieldName.parse(action);
  const { service, reason } = ActionErrorInput.parse(error);
  return mergeIntoIncident(ctx, "record action error", key, (at) => ({
    actions: { [name]: { service, lastError: { reason, at } } },
  }));
}

export async function recordActionOutcome(
  ctx: LedgerContext,
  key: string,
  action: string,
  outcome: z.input<typeof ActionOutcomeInput>,
): Promise<void> {
  const name = FieldName.parse(action);
  const { service, result, reason, location } = ActionOutcomeInput.parse(outcome);
  return mergeIntoIncident(ctx, "record action outcome", key, (at) => ({
    actions: { [name]: { service, outcome: { result, reason, at, ...(location ? { location } : {}) } } },
  }));
}

/**
 * The Job an action launched finished: its state, in actions.<action>.job. Recording the same Job
 * again (the next scheduled pass) writes the same fields: harmless.
 */
export async function recordJobResult(
  ctx: LedgerContext,
  key: string,
  action: string,
  result: z.input<typeof JobResultInput>,
): Promise<void> {
  const name = FieldName.parse(action);
  const { service, job, state, reason, at } = JobResultInput.parse(result);
  return mergeIntoIncident(ctx, "record job result", key, () => ({
    actions: { [name]: { service, job: { name: job, state, reason, at: timestampAt(at) } } },
  }));
}

export async function recordNotification(
  ctx: LedgerContext,
  key: string,
  destination: string,
  notification: z.input<typeof NotificationInput>,
): Promise<void> {
  const name = FieldName.parse(destination);
  const { status, reason, command } = NotificationInput.parse(notification);
  return mergeIntoIncident(ctx, "record notification", key, (at) => ({
    notifications: {
      [name]: {
        status,
        at,
        // Replaced, not kept: a reason from an earlier attempt (a failure) would mislead the reader.
        reason: reason ?? FieldValue.delete(),
        ...(command === undefined ? {} : { command }),
      },
    },
  }));
}

export async function recordFinding(ctx: LedgerContext, key: string, findingName: string): Promise<void> {
  const name = z.string().min(1).max(1024).parse(findingName);
  return mergeIntoIncident(ctx, "record finding", key, (at) => ({ finding: { name, recordedAt: at } }));
}

export async function recordTraceId(ctx: LedgerContext, key: string, traceId: string): Promise<void> {
  const id = z.string().min(1).max(64).parse(traceId);
  return mergeIntoIncident(ctx, "record trace id", key, () => ({ traceId: id }));
}

export async function readIncident(ctx: LedgerContext, key: string): Promise<IncidentRecord | undefined> {
  const ref = incidentRef(ctx, key);
  const snapshot = await guarded(ctx, "read incident", () => ref.get());
  return snapshot.exists ? IncidentRecord.parse(snapshot.data()) : undefined;
}
