// Deciding and giving the answer to one webhook request: a scripted answer if one is queued (with
// its Retry-After, delay or dropped connection), else the path's normal answer.

import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "../http-io.js";
import type { ScriptedResponse } from "./script.js";
import { type SlackCheckResult, slackBodyForStatus, slackRefusal } from "./slack-api.js";

export interface PlannedResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

function scriptedAnswer(scripted: ScriptedResponse): PlannedResponse {
  const headers = { ...scripted.headers };
  if (scripted.retryAfterSeconds !== undefined) headers["retry-after"] = String(scripted.retryAfterSeconds);
  return {
    status: scripted.status,
    body: scripted.body ?? slackBodyForStatus[scripted.status] ?? "",
    headers,
  };
}

/** The normal answer to an incoming-webhook path: 405 for non-POST, Slack's refusal, or 200 `ok`. */
export function webhookAnswer(
  method: string | undefined,
  slack: SlackCheckResult | undefined,
): PlannedResponse {
  if (method !== "POST") return { status: 405, body: "method_not_allowed", headers: {} };
  const refusal = slack && slackRefusal(slack);
  if (refusal) return { ...refusal, headers: {} };
  return { status: 200, body: "ok", headers: {} };
}

/** A scripted answer if one is queued, else the path's normal answer (computed only then). */
export function planResponse(
  scripted: ScriptedResponse | undefined,
  normal: () => PlannedResponse,
): PlannedResponse {
  return scripted ? scriptedAnswer(scripted) : normal();
}

/** Answers now, or after the scripted delay (timers are kept in `pendingTimers` for close()). */
export function deliver(
  request: IncomingMessage,
  response: ServerResponse,
  planned: PlannedResponse,
  scripted: ScriptedResponse | undefined,
  pendingTimers: Set<NodeJS.Timeout>,
): void {
  const answer = () => {
    if (scripted?.dropConnection) {
      request.socket.destroy();
      return;
    }
    send(response, planned.status, planned.body, planned.headers);
  };
  if (!scripted?.delayMs) {
    answer();
    return;
  }
  const timer = setTimeout(() => {
    pendingTimers.delete(timer);
    answer();
  }, scripted.delayMs);
  pendingTimers.add(timer);
}
