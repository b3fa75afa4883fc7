// Who clicked, as an approver identity (`user:EMAIL`): the explicit SLACK_APPROVERS map first (no call
// to Slack; the operator vouches for the mapping), else Slack's users.info with the bot token (the
// account's email, which needs the users:read.email scope). A user neither knows, a deactivated
// account, a bot, an email that is not a plain address (look-alike letters, markup) or a failed
// lookup is refused: nobody is ever approved by guesswork.
import { Email } from "@riposte/contracts";
import { z } from "zod";

export type SlackIdentity =
  | { ok: true; identity: string; source: "SLACK_APPROVERS" | "users.info" }
  | {
      ok: false;
      reason: "unknown-user" | "other-workspace" | "deactivated" | "no-email" | "lookup-failed";
      /** For the person who clicked (escaped where shown). */
      message: string;
      /** For the log: Slack's error word, the HTTP status, the exception. */
      detail?: string;
    };

export type SlackIdentityResolver = (slackUserId: string) => Promise<SlackIdentity>;

export interface SlackIdentityOptions {
  /** Slack user id → email (SLACK_APPROVERS, parsed). */
  approvers: ReadonlyMap<string, string>;
  /** Without it only `approvers` can name anyone. */
  botToken?: string | undefined;
  /** SLACK_TEAM_ID: users.info answers about members of another workspace are refused. */
  teamId?: string | undefined;
  /** Slack's Web API base, e.g. https://slack.com/api. */
  apiUrl: string;
  /** Longest wait for users.info (the click's answer is waiting). Default 1500 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The part of users.info's answer read here; the rest is ignored. */
const UsersInfoAnswer = z.object({
  ok: z.boolean(),
  error: z.string().max(200).optional(),
  user: z
    .object({
      id: z.string(),
      team_id: z.string().max(64).optional(),
      // A member of another organisation seen through a shared channel (Slack Connect).
      is_stranger: z.boolean().optional(),
      deleted: z.boolean().optional(),
      is_bot: z.boolean().optional(),
      profile: z.object({ email: z.string().max(1000).optional() }).optional(),
    })
    .optional(),
});

const UNKNOWN: Extract<SlackIdentity, { ok: false }> = {
  ok: false,
  reason: "unknown-user",
  message:
    "Riposte does not know you as an approver: your Slack account is not mapped to an email (SLACK_APPROVERS) and Slack did not find it. Nothing was decided.",
};

/** A member of another workspace (a shared channel); the route says the same for a click's own team. */
export const OTHER_WORKSPACE: Extract<SlackIdentity, { ok: false }> = {
  ok: false,
  reason: "other-workspace",
  message:
    "Riposte takes decisions from members of its own Slack workspace only (not from other organisations in a shared channel). Nothing was decided.",
};

function failed(detail: string): SlackIdentity {
  return {
    ok: false,
    reason: "lookup-failed",
    detail,
    message:
      "Riposte could not ask Slack who you are just now; nothing was decided. Try again in a minute, or use `riposte approve` or the console.",
  };
}

async function usersInfo(options: SlackIdentityOptions, token: string, id: string): Promise<SlackIdentity> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${options.apiUrl.replace(/\/+$/, "")}/users.info`, {
      method: "POST",
      // users.info takes form arguments (not JSON); the token goes in the header, never the URL.
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${token}` },
      body: new URLSearchParams({ user: id }).toString(),
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 1_500),
    });
  } catch (error) {
    return failed(`users.info: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status !== 200) return failed(`users.info answered HTTP ${response.status}`);
  const answer = UsersInfoAnswer.safeParse(await response.json().catch(() => undefined));
  if (!answer.success) return failed("users.info answered something that is not its JSON");
  const { ok, error, user } = answer.data;
  if (!ok) {
    // Slack says user_not_found (users.lookupByEmail says users_not_found): either way, nobody.
    if (error === "user_not_found" || error === "users_not_found") return { ...UNKNOWN, detail: error };
    return failed(`users.info: ${error ?? "ok false"}`);
  }
  if (!user || user.id !== id) return failed("users.info answered about another user");
  // Another organisation's admin sets its members' profile emails: such an email names nobody here.
  if (user.is_stranger === true || (options.teamId !== undefined && user.team_id !== options.teamId)) {
    return { ...OTHER_WORKSPACE, detail: user.is_stranger === true ? "is_stranger" : "another team_id" };
  }
  if (user.deleted || user.is_bot) {
    return {
      ok: false,
      reason: "deactivated",
      detail: user.deleted ? "deleted" : "is_bot",
      message: "Riposte takes decisions from active people only. Nothing was decided.",
    };
  }
  const email = Email.safeParse(user.profile?.email);
  if (!email.success) {
    return {
      ok: false,
      reason: "no-email",
      detail:
        user.profile?.email === undefined
          ? "no email (scope users:read.email?)"
          : "email not a plain address",
      message:
        "Riposte cannot tell who you are: your Slack profile shows no email address it accepts. Nothing was decided.",
    };
  }
  return { ok: true, identity: `user:${email.data}`, source: "users.info" };
}

/** Resolves a clicking Slack user to `user:EMAIL`, or says why not. */
export function slackIdentity(options: SlackIdentityOptions): SlackIdentityResolver {
  return async (slackUserId) => {
    const mapped = options.approvers.get(slackUserId);
    if (mapped !== undefined) return { ok: true, identity: `user:${mapped}`, source: "SLACK_APPROVERS" };
    if (options.botToken === undefined) return UNKNOWN;
    return usersInfo(options, options.botToken, slackUserId);
  };
}
