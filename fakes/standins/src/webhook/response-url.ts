// Slack's response_url (https://hooks.slack.com/actions/T…/…/…): where an app answers a button click
// after acknowledging it, replacing the clicked message (`replace_original`), deleting it
// (`delete_original`) or showing the clicker an ephemeral message (`response_type: "ephemeral"`).
// Checked as Slack checks a message (slack-payload.ts) plus the response's own fields. Slack
// documents that one response_url takes at most 5 responses within 30 minutes; past that the
// stand-in answers 404 `expired_url` (the word is the stand-in's: Slack documents the limit only).

import type { PlannedResponse } from "./respond.js";
import type { SlackCheckResult } from "./slack-api.js";
import { checkSlackPayload } from "./slack-payload.js";

/** Path prefix of response URLs on the receiver (Slack's are `https://hooks.slack.com/actions/…`). */
export const responseUrlPathPrefix = "/actions/";

/** Slack's documented limits on one response_url. */
export const responseUrlLimits = { uses: 5, lifetimeMs: 30 * 60 * 1000 } as const;

/** Accepted responses so far, per response URL path. */
export type ResponseUrlUses = Map<string, { count: number; firstAt: number }>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What Slack would say about a response body (the parsed JSON, or undefined when it was not JSON). */
export function checkResponseMessage(json: unknown): SlackCheckResult {
  if (!isRecord(json)) {
    return {
      ok: false,
      error: "invalid_payload",
      problems: ["/: expected a JSON object"],
      textTruncated: false,
    };
  }
  const problems: string[] = [];
  if (
    json.response_type !== undefined &&
    json.response_type !== "in_channel" &&
    json.response_type !== "ephemeral"
  ) {
    problems.push(
      `/response_type: expected "in_channel" or "ephemeral", got ${JSON.stringify(json.response_type)}`,
    );
  }
  for (const flag of ["replace_original", "delete_original"] as const) {
    if (json[flag] !== undefined && typeof json[flag] !== "boolean")
      problems.push(`/${flag}: expected a boolean`);
  }
  if (problems.length > 0) return { ok: false, error: "invalid_payload", problems, textTruncated: false };
  // Deleting the original needs no new content.
  if (json.delete_original === true && json.text === undefined && json.blocks === undefined) {
    return { ok: true, problems: [], textTruncated: false };
  }
  const check = checkSlackPayload(json);
  return check.ok
    ? { ok: true, problems: [], textTruncated: check.textTruncated }
    : { ok: false, error: check.error, problems: check.problems, textTruncated: false };
}

function json(status: number, value: Record<string, unknown>): PlannedResponse {
  return { status, body: JSON.stringify(value), headers: { "content-type": "application/json" } };
}

/** Slack's answer to a POST to a response URL; an accepted response counts against the URL's limits. */
export function answerResponseUrl(
  uses: ResponseUrlUses,
  request: { method: string; path: string; now: number },
  check: SlackCheckResult,
): PlannedResponse {
  if (request.method !== "POST") return json(405, { ok: false, error: "method_not_allowed" });
  const used = uses.get(request.path);
  if (
    used &&
    (used.count >= responseUrlLimits.uses || request.now - used.firstAt > responseUrlLimits.lifetimeMs)
  ) {
    return json(404, { ok: false, error: "expired_url" });
  }
  if (!check.ok) return json(400, { ok: false, error: check.error ?? "invalid_payload" });
  uses.set(request.path, { count: (used?.count ?? 0) + 1, firstAt: used?.firstAt ?? request.now });
  return json(200, { ok: true });
}
