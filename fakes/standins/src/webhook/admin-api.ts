// The admin API under /__standin/ that lets another process read and script the receiver (see
// webhookReceiverAdmin): GET requests, POST script, POST reset, GET health, POST slack/users.

import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../http-io.js";
import type { RequestLog } from "./request-log.js";
import { parseResponseScript, type ScriptQueues } from "./script.js";
import { parseSlackUser, type SlackWorkspace } from "./slack-workspace.js";

/** Path prefix of the admin API; requests under it are never recorded or scripted. */
export const adminPathPrefix = "/__standin/";

export interface AdminContext {
  log: RequestLog;
  scripts: ScriptQueues;
  maxBodyBytes: number;
  workspace: SlackWorkspace;
  /** Forgets requests and scripts. */
  reset(): void;
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}

async function addScript(
  context: AdminContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = (await readBody(request, context.maxBodyBytes)).toString("utf8");
  try {
    context.scripts.add(parseResponseScript(JSON.parse(body)));
  } catch (error) {
    sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) });
    return;
  }
  response.writeHead(204).end();
}

/** `{users: [...]}`: all checked before any is added, so a bad one adds none. */
async function addSlackUsers(
  context: AdminContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = (await readBody(request, context.maxBodyBytes)).toString("utf8");
  try {
    const parsed = JSON.parse(body) as { users?: unknown };
    if (!Array.isArray(parsed?.users)) throw new Error("expected {users: [...]}");
    const users = parsed.users.map((user, index) => parseSlackUser(user, `users[${index}]`));
    for (const user of users) context.workspace.addUser(user);
  } catch (error) {
    sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) });
    return;
  }
  response.writeHead(204).end();
}

export async function handleAdmin(
  context: AdminContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${request.method} ${url.pathname.slice(adminPathPrefix.length)}`;
  switch (route) {
    case "GET requests": {
      const since = Number(url.searchParams.get("since")) || 0;
      sendJson(response, 200, { requests: context.log.since(since, url.searchParams.get("path")) });
      return;
    }
    case "POST script":
      await addScript(context, request, response);
      return;
    case "POST reset":
      context.reset();
      response.writeHead(204).end();
      return;
    case "POST slack/users":
      await addSlackUsers(context, request, response);
      return;
    case "GET health":
      sendJson(response, 200, { ok: true, requests: context.log.requests.length });
      return;
    default:
      sendJson(response, 404, {
        error: `unknown admin route ${route}; expected GET requests, POST script, POST reset, GET health, POST slack/users`,
      });
  }
}
