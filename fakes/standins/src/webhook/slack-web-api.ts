// Slack's Web API (https://slack.com/api/<method>) as far as Riposte calls it: users.info, which maps
// the user who clicked a button to an email. Answered the way Slack answers: HTTP 200 with
// `{"ok": false, "error": …}` for every refusal, the token from `Authorization: Bearer` or a POST
// form field (never the query string, which Slack stopped reading for new apps), arguments from the
// query string or a form body. users.info does not accept JSON bodies (Slack's method page says so):
// arguments sent as JSON are not read, as there.

import type { PlannedResponse } from "./respond.js";
import { type SlackStandinUser, type SlackWorkspace, standinTeamId } from "./slack-workspace.js";

/** Path prefix of the Web API on the receiver: the client's API base is `<baseUrl>/api`. */
export const slackApiPathPrefix = "/api/";

export interface WebApiRequest {
  method: string;
  /** The path after `/api/`: the method name, e.g. `users.info`. */
  apiMethod: string;
  headers: Record<string, string>;
  rawBody: string;
  query: URLSearchParams;
}

function json(value: Record<string, unknown>): PlannedResponse {
  return { status: 200, body: JSON.stringify(value), headers: { "content-type": "application/json" } };
}

function refusal(error: string, extra: Record<string, unknown> = {}): PlannedResponse {
  return json({ ok: false, error, ...extra });
}

/** The call's arguments: the query string, then a form body's fields over them. */
function argumentsOf(request: WebApiRequest): { args: URLSearchParams; formToken?: string } {
  const args = new URLSearchParams(request.query);
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (request.method !== "POST" || type !== "application/x-www-form-urlencoded") return { args };
  const form = new URLSearchParams(request.rawBody);
  for (const [name, value] of form) args.set(name, value);
  const formToken = form.get("token") ?? undefined;
  return { args, ...(formToken !== undefined && { formToken }) };
}

function bearerToken(headers: Record<string, string>): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
  return match?.[1];
}

/** The user object users.info answers (the fields Riposte may read, in Slack's names). */
function userObject(user: SlackStandinUser, withEmail: boolean): Record<string, unknown> {
  const name = user.name ?? user.email?.split("@")[0] ?? user.id.toLowerCase();
  const realName = user.realName ?? name;
  return {
    id: user.id,
    team_id: user.teamId ?? standinTeamId,
    ...(user.isStranger === true && { is_stranger: true }),
    name,
    deleted: user.deleted ?? false,
    real_name: realName,
    is_bot: user.isBot ?? false,
    profile: {
      real_name: realName,
      display_name: user.displayName ?? name,
      ...(withEmail && user.email !== undefined && { email: user.email }),
      team: user.teamId ?? standinTeamId,
    },
  };
}

function usersInfo(workspace: SlackWorkspace, args: URLSearchParams): PlannedResponse {
  if (!workspace.botScopes.includes("users:read")) {
    return refusal("missing_scope", { needed: "users:read", provided: workspace.botScopes.join(",") });
  }
  const id = args.get("user");
  if (id === null || id === "") return refusal("invalid_arguments");
  const user = workspace.user(id);
  if (!user) return refusal("user_not_found");
  return json({ ok: true, user: userObject(user, workspace.botScopes.includes("users:read.email")) });
}

/** Slack's answer to one Web API call. */
export function answerWebApi(workspace: SlackWorkspace, request: WebApiRequest): PlannedResponse {
  const { args, formToken } = argumentsOf(request);
  const token = bearerToken(request.headers) ?? formToken;
  if (token === undefined || token === "") return refusal("not_authed");
  if (token !== workspace.botToken) return refusal("invalid_auth");
  switch (request.apiMethod) {
    case "users.info":
      return usersInfo(workspace, args);
    default:
      return refusal("unknown_method", { req_method: request.apiMethod });
  }
}
