// A human in the loop: an action a playbook holds for approval. The router records it in the incident
// ledger as awaiting-approval and does not publish its command; a person approves or denies it (Slack,
// the CLI, the console) or its deadline passes. Who may decide is a list of approvers: people by email
// and Google groups. These are the shapes every party reads: the playbook's policy, what a command
// says about the actions of its incident still waiting, and who let a held command go.
import { z } from "zod";
import { ACTION_NAMES, ACTIONS, type ActionName } from "./actions.js";
import { isIncidentKey } from "./incident-key.js";

/** Shortest approval timeout: the deadline is enforced by a call scheduled every minute. */
export const APPROVAL_TIMEOUT_MIN_SECONDS = 60;
/** Longest: a day; a decision nobody makes in a day is made by `on_timeout`. */
export const APPROVAL_TIMEOUT_MAX_SECONDS = 86_400;
/** At most this many approvers in one policy (a list, not a directory). */
export const APPROVERS_MAX = 50;

/** What happens when nobody decided before the deadline. */
export const ON_TIMEOUT = ["proceed", "abandon"] as const;
export type OnTimeout = (typeof ON_TIMEOUT)[number];

/** Where a decision came from; `deadline` is the scheduled call applying `on_timeout`. */
export const APPROVAL_CHANNELS = ["slack", "cli", "console", "deadline"] as const;
export type ApprovalChannel = (typeof APPROVAL_CHANNELS)[number];

/** A held action's life: awaiting-approval, then exactly one of the others. */
export const APPROVAL_STATES = ["awaiting-approval", "approved", "denied", "abandoned"] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** The actions that may be held: those whose service waits for the incident's order (notify never is). */
export const APPROVABLE_ACTIONS = ACTION_NAMES.filter((name) => ACTIONS[name].waitsForOrder);

export function isApprovableAction(name: string): name is ActionName {
  return (APPROVABLE_ACTIONS as readonly string[]).includes(name);
}

const ApprovableAction = z.string().refine(isApprovableAction, {
  error: (issue) =>
    `${JSON.stringify(String(issue.input).slice(0, 40))} cannot wait for an approval; expected one of ${APPROVABLE_ACTIONS.join(", ")}`,
});

const EMAIL = /^[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/;

/** An email address as an identity: trimmed, lower case, plain ASCII (what Google and Slack give). */
export const Email = z
  .string()
  .trim()
  // Before lower-casing: toLowerCase folds some non-ASCII letters (the Kelvin sign K) into ASCII ones.
  .regex(/^[\x21-\x7e]*$/, { error: "an email address here is plain ASCII" })
  .toLowerCase()
  .max(254, "an email address is at most 254 characters")
  .regex(EMAIL, {
    error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 80))} is not an email address`,
  });

/**
 * An approver as a playbook writes it — `alice@acme.com`, `user:alice@acme.com` or
 * `group:sre@acme.com` — normalised to `user:…` / `group:…` in lower case.
 */
export const Approver = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const match = /^(user|group):(.*)$/i.exec(text);
    const kind = match ? (match[1] as string).toLowerCase() : "user";
    const parsed = Email.safeParse(match ? match[2] : text);
    if (!parsed.success) {
      ctx.addIssue({
        code: "custom",
        message: `approver ${JSON.stringify(text.slice(0, 80))}: expected an email, user:EMAIL or group:EMAIL`,
      });
      return z.NEVER;
    }
    return `${kind}:${parsed.data}`;
  });

/** Who decided: an approver's `user:EMAIL`, a local operator `local:NAME` (emulators only), or `deadline`. */
export const DeciderIdentity = z
  .string()
  .regex(/^(user:[a-z0-9._%+@-]{3,254}|local:[A-Za-z0-9._@+-]{1,64}|deadline)$/, {
    error: "expected user:EMAIL, local:NAME or deadline",
  });

/** A Slack user id: U… (a workspace) or W… (Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{1,20}$/;

/**
 * Who was refused: a person as DeciderIdentity names them, or `slack:U…` / `slack:W…` — someone who
 * clicked in Slack and could not be named by an email (unknown, another workspace, no usable profile).
 * For the refusals trail only: a Slack id never decides (its profile is not an identity Riposte trusts).
 */
export const RefusedIdentity = z
  .string()
  .regex(/^(user:[a-z0-9._%+@-]{3,254}|local:[A-Za-z0-9._@+-]{1,64}|slack:[UW][A-Z0-9]{1,20})$/, {
    error: "expected user:EMAIL, local:NAME or slack:USER_ID",
  });

export const ApprovalPolicy = z.strictObject({
  timeoutSeconds: z
    .int()
    .min(APPROVAL_TIMEOUT_MIN_SECONDS, `at least ${APPROVAL_TIMEOUT_MIN_SECONDS} s`)
    .max(APPROVAL_TIMEOUT_MAX_SECONDS, `at most ${APPROVAL_TIMEOUT_MAX_SECONDS} s (24h)`),
  onTimeout: z.enum(ON_TIMEOUT),
  approvers: z
    .array(Approver)
    .min(1, "name at least one approver")
    .max(APPROVERS_MAX, `at most ${APPROVERS_MAX} approvers`),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

const IsoTimestamp = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp" });

/** One action of the incident held for approval, as every command of the incident lists it. */
export const AwaitingApproval = z.strictObject({
  action: ApprovableAction,
  deadline: IsoTimestamp,
  onTimeout: z.enum(ON_TIMEOUT),
  approvers: z.array(z.string()).min(1).max(APPROVERS_MAX),
});
export type AwaitingApproval = z.infer<typeof AwaitingApproval>;

/** On a command published after a decision: who let it go, how and when. */
export const ApprovalRecord = z.strictObject({
  by: DeciderIdentity,
  via: z.enum(APPROVAL_CHANNELS),
  at: IsoTimestamp,
  reason: z.string().max(500).optional(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

/** What an Approve/Deny button or form names: one held action of one incident. */
export const ApprovalRef = z.strictObject({
  incident: z
    .string()
    .refine(isIncidentKey, { error: "expected an incident key: 32 lowercase hex characters" }),
  action: ApprovableAction,
});
export type ApprovalRef = z.infer<typeof ApprovalRef>;

/** The ledger's document id of a held action (an incident key never holds `~`). */
export function approvalId(incident: string, action: string): string {
  return `${incident}~${action}`;
}

/**
 * The Slack buttons' names, shared by the notifier (which draws them) and the console (which receives
 * the click): one action_id per decision, one block per held action (Slack wants block_ids unique).
 */
export const SLACK_APPROVE_ACTION_ID = "riposte-approve";
export const SLACK_DENY_ACTION_ID = "riposte-deny";
const SLACK_APPROVAL_BLOCK_PREFIX = "riposte-approval:";

/** The block_id of a held action's buttons. */
export function approvalBlockId(action: string): string {
  return `${SLACK_APPROVAL_BLOCK_PREFIX}${action}`;
}

/** The action a block_id names, if it is an approval block of an approvable action. */
export function actionOfApprovalBlock(blockId: string): ActionName | undefined {
  if (!blockId.startsWith(SLACK_APPROVAL_BLOCK_PREFIX)) return undefined;
  const action = blockId.slice(SLACK_APPROVAL_BLOCK_PREFIX.length);
  return isApprovableAction(action) ? action : undefined;
}
