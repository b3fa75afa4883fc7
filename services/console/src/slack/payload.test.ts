// The interaction payload and its response_url: what is a click on the announcement's buttons, and
// what is refused (with a reason) before anything is decided.
import { describe, expect, it } from "vitest";
import { parseInteraction } from "./payload.js";
import { confineResponseUrl } from "./response-url.js";
import { blockActions, TEST_INCIDENT } from "./test-support.js";

const INCIDENT = TEST_INCIDENT;
const FORM = "application/x-www-form-urlencoded";

const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const reason = (body: string, type = FORM) => {
  const parsed = parseInteraction(body, type);
  return parsed.ok ? "accepted" : parsed.reason;
};

describe("interaction payload", () => {
  it("reads the click: who, which decision, which held action, where to answer", () => {
    const parsed = parseInteraction(
      form(blockActions({}, { action_id: "riposte-deny" })),
      `${FORM}; charset=utf-8`,
    );
    expect(parsed).toMatchObject({
      ok: true,
      click: {
        slackUserId: "U0ALICE",
        decision: "denied",
        ref: { incident: INCIDENT, action: "kill-pod" },
        blockId: "riposte-approval:kill-pod",
        responseUrl: "https://hooks.slack.com/actions/T0STANDIN/1/abc",
        message: { text: "Critical alert" },
      },
    });
  });

  it("refuses action_ids that are not the two buttons, prototype names included", () => {
    for (const id of ["__proto__", "constructor", "toString", "riposte-approve ", "RIPOSTE-APPROVE", ""]) {
      expect(reason(form(blockActions({}, { action_id: id })))).toBe(
        "actions.0.action_id: expected action_id riposte-approve or riposte-deny",
      );
    }
  });

  it("refuses values that are not an approval reference, and a block that is not the value's action", () => {
    const value = (v: string) => reason(form(blockActions({}, { value: v })));
    expect(value("not json")).toBe("actions.0.value: expected the JSON of an approval reference");
    expect(value(JSON.stringify({ incident: "../../etc", action: "kill-pod" }))).toMatch(
      /^actions\.0\.value\.incident: /,
    );
    expect(value(JSON.stringify({ incident: INCIDENT, action: "notify" }))).toMatch(
      /cannot wait for an approval/,
    );
    expect(value(`{"incident":"${INCIDENT}","action":"kill-pod","__proto__":{"x":1}}`)).toBe(
      'actions.0.value: Unrecognized key: "__proto__"',
    );
    expect(value(`{"incident":"${INCIDENT}","action":"kill-pod","extra":1}`)).toMatch(/^actions\.0\.value: /);
    expect(reason(form(blockActions({}, { block_id: "riposte-approval:taint-node" })))).toBe(
      "actions.0.block_id: not the block of the action its value names",
    );
  });

  it("refuses other interactions, other bodies and malformed users", () => {
    expect(reason(form(blockActions({ type: "view_submission" })))).toBe(
      "payload.type: expected a block_actions payload",
    );
    expect(reason(form(blockActions({ actions: [] })))).toBe("payload.actions: no action in the payload");
    expect(reason(form(blockActions({ user: { id: "<@U0ALICE>" } })))).toBe(
      "payload.user.id: expected a Slack user id",
    );
    expect(reason(JSON.stringify(blockActions()), "application/json")).toBe(
      "expected Slack's application/x-www-form-urlencoded body",
    );
    expect(reason(`${form(blockActions())}&${form(blockActions())}`)).toBe(
      "expected exactly one form field `payload`",
    );
    expect(reason("payload=%7Bnot")).toBe("payload: not JSON");
  });

  it("a payload carrying __proto__ pollutes nothing", () => {
    const hostile = `payload=${encodeURIComponent(
      JSON.stringify(blockActions()).replace(
        '{"type"',
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"type"',
      ),
    )}`;
    expect(parseInteraction(hostile, FORM).ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("response_url confinement", () => {
  const slack = "https://hooks.slack.com";

  it("accepts Slack's response URLs only", () => {
    expect(confineResponseUrl("https://hooks.slack.com/actions/T1/2/abc", slack).ok).toBe(true);
    expect(confineResponseUrl("HTTPS://HOOKS.SLACK.COM:443/actions/T1/2/abc", slack).ok).toBe(true);
    for (const url of [
      "http://169.254.169.254/computeMetadata/v1/",
      "http://metadata.google.internal/actions/x",
      "https://hooks.slack.com.evil.com/actions/T1/2/abc",
      "https://hooks.slack.com@evil.com/actions/T1/2/abc",
      "https://evil.com/actions/T1?https://hooks.slack.com/actions/",
      "http://hooks.slack.com/actions/T1/2/abc",
      "https://hooks.slack.com:8443/actions/T1/2/abc",
      "https://user:pw@hooks.slack.com/actions/T1/2/abc",
      "https://hooks.slack.com/services/T1/B2/secret",
      "https://hooks.slack.com/actions",
      "https://hooks.slack.com\\@evil.com/actions/x",
      "https://hooks.slаck.com/actions/T1/2/abc",
      "//hooks.slack.com/actions/T1/2/abc",
      "not a url",
    ]) {
      expect(confineResponseUrl(url, slack), url).toMatchObject({ ok: false });
    }
  });

  it("is confined to the configured origin (the stand-in) and nothing else when overridden", () => {
    const base = "http://127.0.0.1:4567";
    expect(confineResponseUrl("http://127.0.0.1:4567/actions/T1/2/abc", base).ok).toBe(true);
    expect(confineResponseUrl("http://127.0.0.1:4568/actions/T1/2/abc", base).ok).toBe(false);
    expect(confineResponseUrl("https://hooks.slack.com/actions/T1/2/abc", base).ok).toBe(false);
    expect(confineResponseUrl("http://127.0.0.1:4567/admin", base).ok).toBe(false);
  });
});
