// What Slack's incoming-webhook API answers: `ok` on success, its error words as bodies, and 400
// for a payload Slack would refuse (checked by slack-payload.ts).

import { checkSlackPayload } from "./slack-payload.js";

export interface SlackCheckResult {
  ok: boolean;
  /** Slack's answer code when refused: invalid_payload, invalid_blocks, too_many_attachments. */
  error?: string;
  /** What exactly is wrong, with JSON pointers. */
  problems: string[];
  /** The top-level text exceeded 40,000 characters; Slack would post it truncated. */
  textTruncated: boolean;
}

/** Slack's body for a status, used when a scripted answer gives none. */
export const slackBodyForStatus: Readonly<Record<number, string>> = {
  200: "ok",
  400: "invalid_payload",
  403: "action_prohibited",
  404: "no_service",
  410: "channel_is_archived",
  429: "rate_limited",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

/** What Slack would say about a message body (the parsed JSON, or undefined when it was not JSON). */
export function checkSlackMessage(json: unknown): SlackCheckResult {
  const check = checkSlackPayload(json);
  return check.ok
    ? { ok: true, problems: [], textTruncated: check.textTruncated }
    : { ok: false, error: check.error, problems: check.problems, textTruncated: false };
}

/** Slack's refusal of a message it would not post: 400 with its error word. */
export function slackRefusal(check: SlackCheckResult): { status: number; body: string } | undefined {
  return check.ok ? undefined : { status: 400, body: check.error ?? "invalid_payload" };
}
