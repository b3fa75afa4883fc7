// Slack's request signing, version 0: X-Slack-Signature is `v0=` + hex HMAC-SHA256, keyed with the
// app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<the raw body>`. Checked on the body's
// bytes exactly as received, before anything parses them; a timestamp more than 5 minutes from now
// (either way) is refused so a captured request cannot be replayed later.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's replay window: |now − timestamp| at most this. */
export const SLACK_SIGNATURE_MAX_AGE_SECONDS = 300;

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "missing-headers" | "bad-timestamp" | "stale-timestamp" | "bad-signature" };

export interface SignedRequest {
  /** X-Slack-Request-Timestamp, as received (or undefined). */
  timestamp: string | undefined;
  /** X-Slack-Signature, as received (or undefined). */
  signature: string | undefined;
  rawBody: Uint8Array;
}

/** `v0=` and 64 lower-case hex digits: the only form Slack sends. */
const SIGNATURE = /^v0=([0-9a-f]{64})$/;
/** Unix seconds, digits only (no sign, exponent or spaces that Number() would accept). */
const TIMESTAMP = /^[0-9]{1,12}$/;

/** The `v0=…` signature of `rawBody` at `timestamp` (what Slack sends; tests sign with it). */
export function slackSignature(
  signingSecret: string,
  timestamp: string,
  rawBody: Uint8Array | string,
): string {
  const hmac = createHmac("sha256", signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest("hex")}`;
}

/** Checks a request's Slack signature at `nowMs`; says why not (for the log, never for the caller). */
export function verifySlackSignature(
  signingSecret: string,
  request: SignedRequest,
  nowMs: number,
): SignatureCheck {
  const { timestamp, signature } = request;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: "missing-headers" };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: "bad-timestamp" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_SIGNATURE_MAX_AGE_SECONDS) {
    return { ok: false, reason: "stale-timestamp" };
  }
  const received = SIGNATURE.exec(signature);
  if (!received) return { ok: false, reason: "bad-signature" };
  const expected = createHmac("sha256", signingSecret)
    .update(`v0:${timestamp}:`)
    .update(request.rawBody)
    .digest();
  const given = Buffer.from(received[1] as string, "hex");
  // Both are 32 bytes here (64 hex digits); timingSafeEqual throws on unequal lengths, so check anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad-signature" };
  }
  return { ok: true };
}
