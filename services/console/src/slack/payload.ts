// What a verified Slack interaction request may be: a form with one `payload` field holding a
// block_actions payload whose first action is one of the announcement's two buttons, its value the
// contracts' ApprovalRef and its block the one the notifier gave that action. Anything else is refused
// with a reason a person can act on (and nothing is decided).
import {
  SLACK_APPROVE_ACTION_ID as APPROVE_ACTION_ID,
  ApprovalRef,
  approvalBlockId,
  SLACK_DENY_ACTION_ID as DENY_ACTION_ID,
  SLACK_USER_ID,
} from "@riposte/contracts";
import { z } from "zod";

/** Slack's limits: 50 blocks in a message, 255 characters of block_id, 2000 of a button's value. */
const Block = z.looseObject({ type: z.string().max(64), block_id: z.string().max(255).optional() });

const Button = z.object({
  type: z.literal("button"),
  action_id: z.enum([APPROVE_ACTION_ID, DENY_ACTION_ID], {
    error: `expected action_id ${APPROVE_ACTION_ID} or ${DENY_ACTION_ID}`,
  }),
  block_id: z.string().max(255),
  value: z.string().max(2000),
});

/** A team id as Slack sends it (T… a workspace, E… an Enterprise Grid organisation); compared, never shown. */
const TeamId = z.string().regex(/^[A-Z][A-Z0-9]{1,31}$/, { error: "expected a Slack team id" });

const BlockActions = z.object({
  type: z.literal("block_actions", { error: "expected a block_actions payload" }),
  user: z.object({
    id: z.string().regex(SLACK_USER_ID, { error: "expected a Slack user id" }),
    // The clicker's own workspace: in a shared channel (Slack Connect) another organisation's.
    team_id: TeamId.optional(),
  }),
  team: z.object({ id: TeamId }).nullish(),
  // One click is one action; Slack sends the clicked one first (and only).
  actions: z.array(z.unknown()).min(1, "no action in the payload").max(25),
  response_url: z.string().min(1).max(2000),
  // Absent when the clicked message is not a channel message (then no in-place update).
  message: z.object({ text: z.string().max(40_000).optional(), blocks: z.array(Block).max(50) }).optional(),
});

export type SlackBlock = z.infer<typeof Block>;

export interface SlackClick {
  slackUserId: string;
  /** The clicker's workspace: `user.team_id`, else the payload's `team.id`; absent when neither is sent. */
  teamId?: string;
  decision: "approved" | "denied";
  ref: ApprovalRef;
  /** The clicked action's block (`riposte-approval:<action>`). */
  blockId: string;
  responseUrl: string;
  message?: { text?: string; blocks: SlackBlock[] };
}

export type InteractionParse = { ok: true; click: SlackClick } | { ok: false; reason: string };

/** `where: message` for the first issue; values are never echoed (they are the sender's). */
function firstIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = issue.path.length > 0 ? `${prefix}.${issue.path.join(".")}` : prefix;
  return `${path}: ${issue.message}`;
}

function parseValue(value: string): { ok: true; ref: ApprovalRef } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, reason: "actions.0.value: expected the JSON of an approval reference" };
  }
  const ref = ApprovalRef.safeParse(json);
  return ref.success
    ? { ok: true, ref: ref.data }
    : { ok: false, reason: firstIssue(ref.error, "actions.0.value") };
}

/** The payload JSON of a form body, or why there is none. */
function payloadJson(
  rawBody: string,
  contentType: string | undefined,
): { ok: true; json: unknown } | { ok: false; reason: string } {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    return { ok: false, reason: "expected Slack's application/x-www-form-urlencoded body" };
  }
  const payloads = new URLSearchParams(rawBody).getAll("payload");
  if (payloads.length !== 1) return { ok: false, reason: "expected exactly one form field `payload`" };
  try {
    return { ok: true, json: JSON.parse(payloads[0] as string) };
  } catch {
    return { ok: false, reason: "payload: not JSON" };
  }
}

/** Parses a verified interaction request's body into the one click it carries. */
export function parseInteraction(rawBody: string, contentType: string | undefined): InteractionParse {
  const json = payloadJson(rawBody, contentType);
  if (!json.ok) return json;
  const payload = BlockActions.safeParse(json.json);
  if (!payload.success) return { ok: false, reason: firstIssue(payload.error, "payload") };
  const button = Button.safeParse(payload.data.actions[0]);
  if (!button.success) return { ok: false, reason: firstIssue(button.error, "actions.0") };
  const value = parseValue(button.data.value);
  if (!value.ok) return value;
  if (button.data.block_id !== approvalBlockId(value.ref.action)) {
    return { ok: false, reason: "actions.0.block_id: not the block of the action its value names" };
  }
  const message = payload.data.message;
  const teamId = payload.data.user.team_id ?? payload.data.team?.id;
  return {
    ok: true,
    click: {
      slackUserId: payload.data.user.id,
      ...(teamId !== undefined && { teamId }),
      decision: button.data.action_id === APPROVE_ACTION_ID ? "approved" : "denied",
      ref: value.ref,
      blockId: button.data.block_id,
      responseUrl: payload.data.response_url,
      ...(message && {
        message: { blocks: message.blocks, ...(message.text !== undefined && { text: message.text }) },
      }),
    },
  };
}
