// Held actions awaiting a person's decision (issue 21): one document per incident and action,
//
//   approvals/<incident>~<action>
//     awaiting-approval  the held command waits; its deadline is `dueAt`
//     approved | denied | abandoned
//                        decided exactly once (a person, or the deadline's on_timeout), in a transaction
//                        that also claims the decision's publish (the held command, or a refused
//                        outcome) until `publish.until` = `dueAt`; a claim whose holder vanished is
//                        claimed again by the scheduled call; `dueAt` null once published.
//
// `dueAt` is the one field the scheduled call queries (a single-field range, no composite index). The
// held command is kept as JSON text: the alert's output field names are the attacker's, never field
// paths. The incident document mirrors the state in actions.<action>.approval, by merge.
import { FieldValue, Timestamp } from "@google-cloud/firestore";
import {
  APPROVAL_STATES,
  APPROVERS_MAX,
  Approver,
  type AwaitingApproval,
  actionNameOf,
  approvalId,
  Command,
  DeciderIdentity,
  isApprovableAction,
  ON_TIMEOUT,
} from "@riposte/contracts";
import { z } from "zod";
import { expireAtFrom, guarded, type LedgerContext, timestampAt } from "./context.js";
import { ALREADY_EXISTS, grpcCodeOf } from "./errors.js";
import { FieldName, IncidentKey, incidentRef } from "./incident.js";

export const APPROVALS = "approvals";
/** Longer than publishing a command and an outcome takes. */
export const DEFAULT_PUBLISH_CLAIM_MS = 60_000;
/** How many refused attempts an approval keeps (the last ones). */
export const REFUSALS_KEPT = 20;
const PERSON_CHANNELS = ["slack", "cli", "console"] as const;

/** Above this a held command is refused (a document holds at most 1 MiB, counted in UTF-8 bytes). */
const COMMAND_MAX_BYTES = 800_000;

const Instant = z.instanceof(Timestamp).transform((timestamp) => timestamp.toDate());

/** An approvable action (kill-pod…), which is also a plain name: it becomes a map key on the incident. */
export const ApprovableActionName = FieldName.refine(isApprovableAction, {
  error: "this action cannot wait for an approval",
});

/** The held command as stored: JSON text, parsed back with the contracts' Command schema. */
const CommandText = z.string().transform((text, context) => {
  try {
    return Command.parse(JSON.parse(text));
  } catch {
    context.addIssue({ code: "custom", message: "stored command is not a command" });
    return z.NEVER;
  }
});

const DecisionRecord = z.object({
  by: z.string(),
  via: z.string(),
  at: Instant,
  reason: z.string().optional(),
});

const RefusalRecord = z.object({ by: z.string(), via: z.string(), at: Instant, reason: z.string() });

/** The approval document as read. */
export const ApprovalView = z.object({
  incident: IncidentKey,
  action: z.string(),
  state: z.enum(APPROVAL_STATES),
  requestedAt: Instant,
  deadline: Instant,
  onTimeout: z.enum(ON_TIMEOUT),
  approvers: z.array(z.string()),
  command: CommandText,
  decision: DecisionRecord.optional(),
  /** The last refused attempts (someone not allowed), oldest first. */
  refusals: z.array(RefusalRecord).default([]),
  publish: z.object({ claimId: z.string(), until: Instant, done: z.boolean() }).optional(),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

export const ApprovalRequest = z
  .object({
    action: ApprovableActionName,
    deadline: z.date().refine((date) => !Number.isNaN(date.getTime()), { error: "invalid deadline" }),
    onTimeout: z.enum(ON_TIMEOUT),
    approvers: z.array(Approver).min(1).max(APPROVERS_MAX),
    command: Command,
  })
  .superRefine((request, context) => {
    if (actionNameOf(request.command.kind) !== request.action)
      context.addIssue({ code: "custom", path: ["command"], message: "the command is not this action's" });
  });
export type ApprovalRequest = z.input<typeof ApprovalRequest>;

export function approvalRef(ctx: LedgerContext, incident: string, action: string) {
  const key = IncidentKey.parse(incident);
  const name = ApprovableActionName.parse(action);
  return ctx.db.collection(APPROVALS).doc(approvalId(key, name));
}

function awaitingOf(view: ApprovalView): AwaitingApproval {
  return {
    action: view.action as AwaitingApproval["action"],
    deadline: view.deadline.toISOString(),
    onTimeout: view.onTimeout,
    approvers: view.approvers,
  };
}

/** The mirror on the incident: actions.<action>.approval (merged), with the incident's fresh expireAt. */
export function incidentMirror(ctx: LedgerContext, view: ApprovalView, extra: Record<string, unknown> = {}) {
  const { decision } = view;
  const approval = {
    state: view.state,
    deadline: timestampAt(view.deadline),
    ...(decision
      ? {
          by: decision.by,
          via: decision.via,
          at: timestampAt(decision.at),
          reason: decision.reason ?? FieldValue.delete(),
        }
      : {}),
  };
  return {
    incident: view.incident,
    actions: { [view.action]: { approval, ...extra } },
    expireAt: expireAtFrom(ctx, ctx.now()),
  };
}

/**
 * The router holds these actions of `incident`: each is created when absent, with the incident's
 * mirror, in one atomic batch. An existing one (a redelivered alert) keeps its deadline, state and
 * command. Returns, in request order, the requested actions still awaiting a decision as stored —
 * what every published command of the incident lists; one decided meanwhile is left out.
 */
export async function requestApprovals(
  ctx: LedgerContext,
  incident: string,
  requests: readonly ApprovalRequest[],
): Promise<AwaitingApproval[]> {
  const key = IncidentKey.parse(incident);
  const parsed = z.array(ApprovalRequest).max(APPROVERS_MAX).parse(requests);
  const at = ctx.now();
  const docs = parsed.map((request) => {
    if (request.command.incident !== key)
      throw new RangeError(`ledger: the ${request.action} command is not incident ${key}'s`);
    const command = JSON.stringify(request.command);
    if (Buffer.byteLength(command, "utf8") > COMMAND_MAX_BYTES)
      throw new RangeError(`ledger: the held ${request.action} command is over ${COMMAND_MAX_BYTES} bytes`);
    const fields = {
      incident: key,
      action: request.action,
      state: "awaiting-approval",
      requestedAt: timestampAt(at),
      deadline: timestampAt(request.deadline),
      onTimeout: request.onTimeout,
      approvers: request.approvers,
      command,
      refusals: [],
      dueAt: timestampAt(request.deadline),
      expireAt: expireAtFrom(ctx, at),
    };
    return { ref: approvalRef(ctx, key, request.action), fields, view: ApprovalView.parse(fields) };
  });
  const stored = await guarded(ctx, "request approvals", () =>
    Promise.all(
      docs.map(async ({ ref, fields, view }) => {
        const batch = ctx.db.batch();
        batch.create(ref, fields);
        batch.set(incidentRef(ctx, key), incidentMirror(ctx, view), { merge: true });
        try {
          await batch.commit();
          return view;
        } catch (error) {
          // Requested before: what is stored stands (the batch, mirror included, wrote nothing).
          if (grpcCodeOf(error) !== ALREADY_EXISTS) throw error;
        }
        return ApprovalView.parse((await ref.get()).data());
      }),
    ),
  );
  return stored.filter((view) => view.state === "awaiting-approval").map(awaitingOf);
}

export async function readApproval(
  ctx: LedgerContext,
  incident: string,
  action: string,
): Promise<ApprovalView | undefined> {
  const ref = approvalRef(ctx, incident, action);
  const snapshot = await guarded(ctx, "read approval", () => ref.get());
  return snapshot.exists ? ApprovalView.parse(snapshot.data()) : undefined;
}

/** A person's decision: approved or denied, from Slack, the CLI or the console. */
export const ApprovalDecisionInput = z.object({
  incident: IncidentKey,
  action: ApprovableActionName,
  decision: z.enum(["approved", "denied"]),
  /** `user:EMAIL` or `local:NAME`: the deadline decides only through claimDueApprovals. */
  by: DeciderIdentity.refine((by) => by !== "deadline", { error: "the deadline is not a person" }),
  via: z.enum(PERSON_CHANNELS),
  reason: z.string().max(500).optional(),
  /** How long the decider holds the decision's publish before the scheduled call takes it (default 60 s). */
  publishClaimMs: z.int().min(1_000).max(3_600_000).default(DEFAULT_PUBLISH_CLAIM_MS),
});

export type ApprovalDecisionResult =
  | { ok: true; approval: ApprovalView; claimId: string }
  | { ok: false; refusal: "unknown" | "already-decided" | "past-deadline"; approval?: ApprovalView };

/** Someone who may not decide tried to: kept (the last REFUSALS_KEPT) for the audit trail. */
export const ApprovalRefusalInput = z.object({
  incident: IncidentKey,
  action: ApprovableActionName,
  by: DeciderIdentity,
  via: z.enum(PERSON_CHANNELS),
  reason: z
    .string()
    .min(1)
    .transform((reason) => reason.slice(0, 500)),
});

export const ListApprovalsOptions = z.object({
  state: z.enum(APPROVAL_STATES).optional(),
  limit: z.int().min(1).max(500).default(50),
});

export const ClaimDueApprovalsOptions = z.object({
  limit: z.int().min(1).max(500).default(50),
  claimMs: z.int().min(1_000).max(3_600_000).default(DEFAULT_PUBLISH_CLAIM_MS),
});

/** A decided approval this caller claimed to publish: only `claimId` may finish it. */
export interface ApprovalClaim {
  approval: ApprovalView;
  claimId: string;
}
