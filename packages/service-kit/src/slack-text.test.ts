import { checkSlackPayload, findSlackInjections } from "@riposte/standins";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeForSlack, type SlackTextStyle, WORD_JOINER } from "./slack-text.js";

const STYLES: SlackTextStyle[] = ["mrkdwn", "code", "code-block"];

/** A section as the notifier builds them: the escaped text in a verbatim-less mrkdwn object (worst case). */
function section(text: string) {
  return { blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

const hostile = [
  "<!channel>",
  "<!here|here>",
  "<!everyone>",
  "<@U12345678>",
  "<#C12345678>",
  "<!subteam^S123|@team>",
  "<!date^1392734382^{date}|x>",
  "<https://evil.example/x|click here>",
  "<mailto:a@b.c|mail>",
  "@here @channel @everyone @Channel",
  "```\n<!channel>\n```",
  "`inline` ``` break out ```",
  "&lt;!channel&gt;",
  "a\u0000b\u001b[31mred\u202ereversed\u2066",
  "\ud800 lone surrogate",
];

describe("escapeForSlack", () => {
  it("escapes & < > in every style", () => {
    expect(escapeForSlack("a & b < c > d", { maxLength: 100 })).toBe("a &amp; b &lt; c &gt; d");
    expect(escapeForSlack("<x>", { style: "code", maxLength: 100 })).toBe("`&lt;x&gt;`");
    expect(escapeForSlack("<x>", { style: "code-block", maxLength: 100 })).toBe("```&lt;x&gt;```");
  });

  it("defuses bare broadcasts with an invisible word joiner", () => {
    expect(escapeForSlack("ping @here and @Channel", { maxLength: 100 })).toBe(
      `ping @${WORD_JOINER}here and @${WORD_JOINER}Channel`,
    );
  });

  it("never yields a mention, link or raw markup, whatever the input", () => {
    for (const style of STYLES) {
      for (const text of hostile) {
        const escaped = escapeForSlack(text, { style, maxLength: 3000 });
        expect(findSlackInjections(section(escaped), { bareUrls: false }), `${style}: ${text}`).toEqual([]);
      }
    }
  });

  it("keeps inline code on one line and unbreakable by backticks", () => {
    const escaped = escapeForSlack("a`b\nc\td", { style: "code", maxLength: 100 });
    expect(escaped).toBe("`aˋb c d`");
    expect(escaped.slice(1, -1)).not.toContain("`");
  });

  it("keeps a code block closed only by its own fence", () => {
    const escaped = escapeForSlack("x ``` <!channel> ```` y\n```", { style: "code-block", maxLength: 200 });
    expect(escaped.startsWith("```")).toBe(true);
    expect(escaped.endsWith("```")).toBe(true);
    expect(escaped.slice(3, -3)).not.toMatch(/``/);
    expect(escaped).toContain("\n");
  });

  it("strips control and bidi characters, and repairs lone surrogates", () => {
    expect(escapeForSlack("a\u0000b\u001b[31mc\u202ed\u2066e\r\nf", { maxLength: 100 })).toBe("ab[31mcde\nf");
    expect(escapeForSlack("x\ud800y", { maxLength: 100 })).toBe("x\ufffdy");
  });

  it("truncates to maxLength with an ellipsis, never inside an escape or a surrogate pair", () => {
    expect(escapeForSlack("abcdef", { maxLength: 4 })).toBe("abc…");
    expect(escapeForSlack("ab<cd", { maxLength: 6 })).toBe("ab…");
    expect(escapeForSlack("ab😀cd", { maxLength: 5 })).toBe("ab😀…");
    expect(escapeForSlack("ab😀cd", { maxLength: 4 })).toBe("ab…");
    expect(escapeForSlack("abcdef", { style: "code", maxLength: 6 })).toBe("`abc…`");
    expect(escapeForSlack("abcdef", { maxLength: 6 })).toBe("abcdef");
  });

  it("refuses a maxLength that cannot hold even the fences", () => {
    expect(() => escapeForSlack("x", { style: "code-block", maxLength: 8 })).toThrow(RangeError);
  });

  it("property: any text, any style → within the limit, no injection, Slack accepts the section", () => {
    const pieces = fc.constantFrom(...hostile, "`", "```", "<", ">", "&", "@here", "\n", "😀", "é", " ");
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 400 }),
      fc
        .array(fc.oneof(pieces, fc.string({ maxLength: 5 })), { maxLength: 80 })
        .map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(
        text,
        fc.constantFrom(...STYLES),
        fc.integer({ min: 12, max: 3000 }),
        (input, style, max) => {
          const escaped = escapeForSlack(input, { style, maxLength: max });
          expect(escaped.length).toBeLessThanOrEqual(max);
          expect(findSlackInjections(section(escaped))).toEqual([]);
          expect(escaped).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
          if (style === "code-block") expect(escaped.slice(3, -3)).not.toMatch(/``/);
          if (style === "code") expect(escaped.slice(1, -1)).not.toMatch(/[`\n]/);
          if (escaped.length > 0) expect(checkSlackPayload(section(escaped)).ok).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    // 2,000 runs take ~3 s alone and up to ~8 s on a loaded 2-core machine: past vitest's 5 s default.
  }, 60_000);
});
