// The in-place update and the ephemeral refusal: checked as Slack would (the stand-in's checks) and
// against hostile words in every place a word that is not the console's own can appear.
import { escapeForSlack } from "@riposte/service-kit";
import { checkSlackPayload, findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { decidedMessage, ephemeral } from "./message-update.js";
import { parseInteraction, type SlackClick } from "./payload.js";
import { blockActions, formBody } from "./test-support.js";

const AT = new Date("2026-03-01T12:01:02.345Z");

function click(action: Record<string, unknown> = {}): SlackClick {
  const parsed = parseInteraction(formBody(blockActions({}, action)), "application/x-www-form-urlencoded");
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.click;
}

describe("the in-place update", () => {
  it("replaces the clicked buttons by who decided and when, keeping every other block", () => {
    const original = click();
    const updated = decidedMessage(original, "user:alice@acme.com", AT);
    expect(updated?.replace_original).toBe(true);
    expect(updated?.text).toBe("Critical alert");
    const blocks = updated?.blocks ?? [];
    expect(blocks.map((block) => block.type)).toEqual(["section", "section", "context", "context"]);
    expect(blocks.filter((_, index) => index !== 2)).toEqual(
      original.message?.blocks.filter((_, i) => i !== 2),
    );
    expect(JSON.stringify(blocks[2])).toContain(
      ":white_check_mark: *Approved* `kill-pod` by `alice@acme.com` via Slack at <!date^1772366462^{date_short_pretty} {time_secs}|2026-03-01T12:01:02Z>",
    );
    expect(JSON.stringify(blocks)).not.toContain("riposte-approve");
    expect(checkSlackPayload(updated)).toEqual({ ok: true, textTruncated: false });
  });

  it("says denied for a deny, and nothing to replace when the block is gone", () => {
    const denied = decidedMessage(click({ action_id: "riposte-deny" }), "user:bob@acme.com", AT);
    expect(JSON.stringify(denied?.blocks)).toContain(":no_entry_sign: *Denied* `kill-pod` by `bob@acme.com`");
    const gone = { ...click(), message: { blocks: [{ type: "divider" }] } };
    expect(decidedMessage(gone, "user:bob@acme.com", AT)).toBeUndefined();
    expect(decidedMessage({ ...click(), message: undefined }, "user:bob@acme.com", AT)).toBeUndefined();
  });

  it("escapes a hostile identity: no mention, link, broadcast, markup or way out of the code span", () => {
    const hostile = "local:<@U0BOSS> <!channel> @here `x` <https://evil.example|click> &amp;\n*b*\u202e";
    const updated = decidedMessage(click(), hostile, AT);
    const line = JSON.stringify(updated?.blocks[2]);
    expect(line).not.toMatch(/<@U0BOSS>|<!channel>|<https:|@here/);
    expect(line).toContain("&lt;@U0BOSS&gt;");
    expect(line).toContain("&amp;amp;");
    expect(line).not.toContain("\\u202e");
    // The one rendered token is the console's own date, built from the number.
    expect(findSlackInjections(updated?.blocks[2]).map((found) => found.kind)).toEqual(["date"]);
  });
});

describe("ephemeral messages and escaping", () => {
  it("is shown to the clicker only, escaped, within Slack's limits", () => {
    const message = ephemeral(`user:<script>alert(1)</script>@x is not an approver ${"a".repeat(5000)}`);
    expect(message).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(message.text).toContain("&lt;script&gt;");
    expect(message.text.length).toBeLessThanOrEqual(3000);
    expect(checkSlackPayload(message).ok).toBe(true);
  });

  it("never cuts an entity or a surrogate pair, and never leaves an empty code span", () => {
    // The notifier's escaper (service-kit), as the console calls it.
    const code = (text: string) => escapeForSlack(text, { style: "code", maxLength: 10 });
    expect(escapeForSlack(`${"a".repeat(7)}<b`, { maxLength: 10 })).toBe(`${"a".repeat(7)}…`);
    expect(escapeForSlack(`${"a".repeat(8)}😀b`, { maxLength: 10 })).toBe(`${"a".repeat(8)}…`);
    expect(code("")).toBe("` `");
    expect(code("a`b")).toBe("`a\u02cbb`");
  });
});
