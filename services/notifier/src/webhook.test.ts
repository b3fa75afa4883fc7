import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  webhookEventId,
  webhookTarget,
} from "./webhook.js";

const SECRET = "0123456789abcdef-secret";
const BODY = JSON.stringify({ version: 1, type: "alert", incident: "a".repeat(32), note: "é <!channel>" });

describe("webhook signatures", () => {
  it("signs '<timestamp>.<raw body>' with HMAC-SHA256, as a receiver recomputes it", () => {
    const headers = signWebhook(BODY, SECRET, 1_700_000_000.9);
    expect(headers[TIMESTAMP_HEADER]).toBe("1700000000");
    const expected = createHmac("sha256", SECRET).update(`1700000000.${BODY}`).digest("hex");
    expect(headers[SIGNATURE_HEADER]).toBe(`v1=${expected}`);
  });

  it("verifies a good signature and refuses a changed body, another secret, or an old timestamp", () => {
    const headers = signWebhook(BODY, SECRET, 1_700_000_000);
    const check = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        rawBody: BODY,
        timestamp: headers[TIMESTAMP_HEADER],
        signature: headers[SIGNATURE_HEADER],
        secret: SECRET,
        nowSeconds: 1_700_000_060,
        ...overrides,
      });
    expect(check({})).toEqual({ ok: true });
    expect(check({ rawBody: BODY.replace("alert", "alerT") })).toMatchObject({ ok: false });
    expect(check({ secret: `${SECRET}x` })).toMatchObject({ ok: false });
    expect(check({ nowSeconds: 1_700_000_301 })).toMatchObject({ ok: false, reason: /more than 300 s/ });
    expect(check({ timestamp: "1700000001" })).toMatchObject({ ok: false, reason: /does not match/ });
    expect(check({ signature: "sha256=abc" })).toMatchObject({ ok: false, reason: /expected "v1=<hex>"/ });
    expect(check({ timestamp: undefined })).toMatchObject({ ok: false });
  });

  it("gives each reported event a stable id", () => {
    const incident = "b".repeat(32);
    expect(webhookEventId(incident, "alert")).toBe(webhookEventId(incident, "alert"));
    expect(webhookEventId(incident, "alert")).not.toBe(
      webhookEventId(incident, "outcome:pod-killer:kill-pod:done"),
    );
    expect(webhookEventId(incident, "alert")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("writes the target in snake_case, leaving out what is unknown", () => {
    expect(
      webhookTarget({ namespace: "jobs", pod: "p", podUid: "u", containerId: "abc", rejected: [] }),
    ).toEqual({
      namespace: "jobs",
      pod: "p",
      pod_uid: "u",
      container_id: "abc",
      rejected: [],
    });
  });
});
