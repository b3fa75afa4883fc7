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
import { randomUUID } from "node:crypto";
import {
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Query,
  Timestamp,
  type Transaction,
} from "@google-cloud/firestore";
import {
  APPROVABLE_ACTIONS,
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
  RefusedIdentity,
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
/** The service that decides held actions and reports a denied or abandoned one's refused outcome. */
export const DECIDING_SERVICE = "console";
/** The most documents one listing reads (others' states are filtered out page by page). */
const LIST_SCAN_MAX = 5_000;
const PAGE_SIZE = 200;

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
  const parsed = z
    .array(ApprovalRequest)
    .max(APPROVABLE_ACTIONS.length)
    .refine((list) => new Set(list.map((request) => request.action)).size === list.length, {
      error: "an action is held at most once per incident",
    })
    .parse(requests);
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

/** Who may decide or be refused: a person (`user:EMAIL`, `local:NAME`), never the deadline. */
const PersonIdentity = DeciderIdentity.refine((by) => by !== "deadline", {
  error: "the deadline is not a person",
});

/** A person's decision: approved or denied, from Slack, the CLI or the console. */
export const ApprovalDecisionInput = z.object({
  incident: IncidentKey,
  action: ApprovableActionName,
  decision: z.enum(["approved", "denied"]),
  /** `user:EMAIL` or `local:NAME`: the deadline decides only through claimDueApprovals. */
  by: PersonIdentity,
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
  /** A person, or `slack:U…`: a Slack click nobody could name (decideApproval never accepts that form). */
  by: RefusedIdentity,
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

/**
 * Decides the awaiting approval `current` inside `transaction`: the decision, its publish claimed by
 * `claimId` until `claimMs` from now, and the incident's mirror (a refused outcome when not approved).
 */
function settle(
  ctx: LedgerContext,
  transaction: Transaction,
  current: ApprovalView,
  decided: { state: Exclude<ApprovalView["state"], "awaiting-approval">; decision: Decision },
  claim: { claimId: string; claimMs: number },
): ApprovalView {
  const at = ctx.now();
  const until = new Date(at.getTime() + claim.claimMs);
  const { by, via, reason } = decided.decision;
  const view: ApprovalView = {
    ...current,
    state: decided.state,
    decision: decided.decision,
    publish: { claimId: claim.claimId, until, done: false },
  };
  transaction.update(approvalRef(ctx, current.incident, current.action), {
    state: decided.state,
    decision: { by, via, at: timestampAt(decided.decision.at), ...(reason === undefined ? {} : { reason }) },
    publish: { claimId: claim.claimId, until: timestampAt(until), done: false },
    dueAt: timestampAt(until),
    expireAt: expireAtFrom(ctx, at),
  });
  const refused =
    decided.state === "approved"
      ? {}
      : {
          service: DECIDING_SERVICE,
          outcome: { result: "refused", reason: refusedReason(view), at: timestampAt(decided.decision.at) },
        };
  transaction.set(incidentRef(ctx, current.incident), incidentMirror(ctx, view, refused), { merge: true });
  return view;
}

type Decision = NonNullable<ApprovalView["decision"]>;

/** What the incident's timeline says of an action that will never run. */
function refusedReason({ state, decision }: ApprovalView): string {
  if (state === "abandoned") return "abandoned: no decision before the deadline";
  const reason = decision?.reason ? `: ${decision.reason}` : "";
  return `denied by ${decision?.by} via ${decision?.via}${reason}`;
}

async function viewIn(transaction: Transaction, ref: DocumentReference): Promise<ApprovalView | undefined> {
  const snapshot = await transaction.get(ref);
  return snapshot.exists ? ApprovalView.parse(snapshot.data()) : undefined;
}

/**
 * A person's decision, in one transaction: of any number of deciders exactly one wins; the others are
 * told who did (`already-decided`). At or after the deadline it is refused: the deadline's rule
 * decides then (claimDueApprovals), so a decision and the deadline's never both stand.
 */
export async function decideApproval(
  ctx: LedgerContext,
  input: z.input<typeof ApprovalDecisionInput>,
): Promise<ApprovalDecisionResult> {
  const { incident, action, decision, by, via, reason, publishClaimMs } = ApprovalDecisionInput.parse(input);
  const ref = approvalRef(ctx, incident, action);
  const claimId = randomUUID();
  return guarded(ctx, "decide approval", () =>
    ctx.db.runTransaction<ApprovalDecisionResult>(async (transaction) => {
      const current = await viewIn(transaction, ref);
      if (!current) return { ok: false, refusal: "unknown" };
      if (current.state !== "awaiting-approval")
        return { ok: false, refusal: "already-decided", approval: current };
      const at = ctx.now();
      if (at.getTime() >= current.deadline.getTime())
        return { ok: false, refusal: "past-deadline", approval: current };
      const approval = settle(
        ctx,
        transaction,
        current,
        { state: decision, decision: { by, via, at, ...(reason === undefined ? {} : { reason }) } },
        { claimId, claimMs: publishClaimMs },
      );
      return { ok: true, approval, claimId };
    }),
  );
}

/** Someone not allowed tried to decide: kept with the approval (the last REFUSALS_KEPT); none: nothing. */
export async function recordApprovalRefusal(
  ctx: LedgerContext,
  input: z.input<typeof ApprovalRefusalInput>,
): Promise<void> {
  const { incident, action, by, via, reason } = ApprovalRefusalInput.parse(input);
  const ref = approvalRef(ctx, incident, action);
  return guarded(ctx, "record approval refusal", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      if (!snapshot.exists) return;
      const kept: unknown = snapshot.get("refusals");
      const refusal = { by, via, at: timestampAt(ctx.now()), reason };
      const refusals = [...(Array.isArray(kept) ? kept : []), refusal].slice(-REFUSALS_KEPT);
      transaction.update(ref, { refusals });
    }),
  );
}

/**
 * Approvals in one state, or all: awaiting ones by their deadline, soonest first (paged on `dueAt`,
 * which is the deadline while awaiting); the others newest first (paged on `requestedAt`). Each is one
 * single-field order — no composite index — filtered here up to LIST_SCAN_MAX documents read.
 * Documents that are not approvals are skipped.
 */
export async function listApprovals(
  ctx: LedgerContext,
  options: z.input<typeof ListApprovalsOptions> = {},
): Promise<ApprovalView[]> {
  const { state, limit } = ListApprovalsOptions.parse(options);
  const collection = ctx.db.collection(APPROVALS);
  const base =
    state === "awaiting-approval"
      ? collection.where("dueAt", ">=", Timestamp.fromMillis(0)).orderBy("dueAt")
      : collection.orderBy("requestedAt", "desc");
  const found: ApprovalView[] = [];
  let scanned = 0;
  let after: DocumentSnapshot | undefined;
  for (;;) {
    const query: Query = (after ? base.startAfter(after) : base).limit(PAGE_SIZE);
    const page = await guarded(ctx, "list approvals", () => query.get());
    scanned += page.size;
    for (const doc of page.docs) {
      const parsed = ApprovalView.safeParse(doc.data());
      if (!parsed.success || (state !== undefined && parsed.data.state !== state)) continue;
      found.push(parsed.data);
      if (found.length === limit) return found;
    }
    if (page.size < PAGE_SIZE || scanned >= LIST_SCAN_MAX) return found;
    after = page.docs[page.docs.length - 1];
  }
}

/**
 * The scheduled call's work: approvals due at `now` — awaiting past their deadline (decided here by
 * on_timeout: proceed → approved, abandon → abandoned, both by "deadline") or decided with a publish
 * claim that expired (its holder vanished) — each claimed in its own transaction, so that of any
 * number of callers at once exactly one gets each.
 */
export async function claimDueApprovals(
  ctx: LedgerContext,
  options: z.input<typeof ClaimDueApprovalsOptions> = {},
): Promise<ApprovalClaim[]> {
  const { limit, claimMs } = ClaimDueApprovalsOptions.parse(options);
  const now = ctx.now();
  const query = ctx.db
    .collection(APPROVALS)
    .where("dueAt", "<=", timestampAt(now))
    .orderBy("dueAt")
    .limit(limit);
  const due = await guarded(ctx, "list due approvals", () => query.get());
  const claims: ApprovalClaim[] = [];
  for (const doc of due.docs) {
    const claimId = randomUUID();
    const approval = await guarded(ctx, "claim due approval", () =>
      ctx.db.runTransaction(async (transaction) => {
        // Read again inside the transaction: a decision or another caller's claim since the query wins.
        const snapshot = await transaction.get(doc.ref);
        const dueAt: unknown = snapshot.get("dueAt");
        if (!(dueAt instanceof Timestamp) || dueAt.toMillis() > now.getTime()) return undefined;
        const parsed = ApprovalView.safeParse(snapshot.data());
        if (!parsed.success) {
          // Not an approval this code can publish: out of the queue, so it never blocks the others.
          transaction.update(doc.ref, { dueAt: null });
          return undefined;
        }
        const current = parsed.data;
        if (current.state === "awaiting-approval") {
          const state = current.onTimeout === "proceed" ? "approved" : "abandoned";
          const decision: Decision = { by: "deadline", via: "deadline", at: now };
          return settle(ctx, transaction, current, { state, decision }, { claimId, claimMs });
        }
        if (!current.publish || current.publish.done) return undefined;
        return reclaim(ctx, transaction, current, { claimId, claimMs });
      }),
    );
    if (approval) claims.push({ approval, claimId });
  }
  return claims;
}

/** A decided approval whose publish claim expired: `claimId` holds it now (the old one cannot finish). */
function reclaim(
  ctx: LedgerContext,
  transaction: Transaction,
  current: ApprovalView,
  claim: { claimId: string; claimMs: number },
): ApprovalView {
  const at = ctx.now();
  const until = new Date(at.getTime() + claim.claimMs);
  transaction.update(approvalRef(ctx, current.incident, current.action), {
    publish: { claimId: claim.claimId, until: timestampAt(until), done: false },
    dueAt: timestampAt(until),
    expireAt: expireAtFrom(ctx, at),
  });
  return { ...current, publish: { claimId: claim.claimId, until, done: false } };
}

/**
 * The claimed publish is done: nothing is due any more. False when the claim is no longer `claimId`
 * (it expired and another caller claimed it: that caller publishes); true again for the same claim.
 */
export async function finishApprovalPublish(
  ctx: LedgerContext,
  incident: string,
  action: string,
  claimId: string,
): Promise<boolean> {
  const ref = approvalRef(ctx, incident, action);
  const id = z.string().min(1).max(64).parse(claimId);
  return guarded(ctx, "finish approval publish", () =>
    ctx.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const publish = snapshot.get("publish") as { claimId?: unknown; done?: unknown } | undefined;
      if (publish?.claimId !== id) return false;
      if (publish.done === true) return true;
      transaction.update(ref, {
        "publish.done": true,
        dueAt: null,
        expireAt: expireAtFrom(ctx, ctx.now()),
      });
      return true;
    }),
  );
}
