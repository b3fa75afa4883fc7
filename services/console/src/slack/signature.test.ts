// Slack's v0 signature: Slack's own documented example, and every way a request can fail to be Slack's.
import { describe, expect, it } from "vitest";
import { slackSignature, verifySlackSignature } from "./signature.js";

// The example on Slack's "Verifying requests from Slack" page.
const DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const DOC_TIMESTAMP = "1531420618";
const DOC_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const bytes = (text: string) => new TextEncoder().encode(text);
const at = (seconds: number) => seconds * 1000;

describe("Slack signature v0", () => {
  it("computes and accepts Slack's documented example", () => {
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    const request = { timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, rawBody: bytes(DOC_BODY) };
    expect(verifySlackSignature(DOC_SECRET, request, at(1531420618))).toEqual({ ok: true });
  });

  it("accepts a timestamp exactly 300 s away either way, refuses 301 s", () => {
    const request = { timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, rawBody: bytes(DOC_BODY) };
    for (const now of [1531420618 + 300, 1531420618 - 300]) {
      expect(verifySlackSignature(DOC_SECRET, request, at(now)).ok).toBe(true);
    }
    for (const now of [1531420618 + 301, 1531420618 - 301]) {
      expect(verifySlackSignature(DOC_SECRET, request, at(now))).toEqual({
        ok: false,
        reason: "stale-timestamp",
      });
    }
  });

  it("refuses another secret, another body, another timestamp, one byte changed", () => {
    const now = at(1531420618);
    const check = (secret: string, timestamp: string, body: string, signature = DOC_SIGNATURE) =>
      verifySlackSignature(secret, { timestamp, signature, rawBody: bytes(body) }, now);
    expect(check("another-secret-000", DOC_TIMESTAMP, DOC_BODY).ok).toBe(false);
    expect(check(DOC_SECRET, DOC_TIMESTAMP, `${DOC_BODY}&x=1`).ok).toBe(false);
    expect(check(DOC_SECRET, "1531420619", DOC_BODY).ok).toBe(false);
    expect(check(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY.replace("roadrunner", "roadrunnes")).ok).toBe(false);
  });

  it("refuses missing headers, malformed timestamps and signatures without comparing them", () => {
    const now = at(1531420618);
    const check = (timestamp: string | undefined, signature: string | undefined) =>
      verifySlackSignature(DOC_SECRET, { timestamp, signature, rawBody: bytes(DOC_BODY) }, now);
    expect(check(undefined, DOC_SIGNATURE)).toEqual({ ok: false, reason: "missing-headers" });
    expect(check(DOC_TIMESTAMP, undefined)).toEqual({ ok: false, reason: "missing-headers" });
    for (const timestamp of [
      "",
      " 1531420618",
      "1531420618.0",
      "1.531420618e9",
      "-1531420618",
      "0x5b4793ca",
    ]) {
      expect(check(timestamp, DOC_SIGNATURE)).toEqual({ ok: false, reason: "bad-timestamp" });
    }
    for (const signature of [
      DOC_SIGNATURE.toUpperCase(),
      DOC_SIGNATURE.replace("v0=", "v1="),
      DOC_SIGNATURE.slice(0, -2),
      `${DOC_SIGNATURE}00`,
      `${DOC_SIGNATURE},${DOC_SIGNATURE}`,
      "v0=",
    ]) {
      expect(check(DOC_TIMESTAMP, signature)).toEqual({ ok: false, reason: "bad-signature" });
    }
  });
});
