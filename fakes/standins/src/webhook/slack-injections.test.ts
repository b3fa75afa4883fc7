import { describe, expect, it } from "vitest";
import { findSlackInjections } from "./slack-injections.js";

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "section",
  text: { type: "mrkdwn", text, ...extra },
});

describe("findSlackInjections", () => {
  it.each([
    ["<!channel>", "broadcast"],
    ["<!here>", "broadcast"],
    ["<!everyone>", "broadcast"],
    ["<!here|here>", "broadcast"],
    ["<@U123ABC>", "user-mention"],
    ["<@W123|bob>", "user-mention"],
    ["<#C0123|general>", "channel-link"],
    ["<!subteam^S123|@oncall>", "usergroup-mention"],
    ["<!date^1392734382^{date}|Feb 18>", "date"],
    ["<https://evil.example|click>", "link"],
    ["<http://evil.example>", "link"],
    ["<mailto:a@b.c|mail>", "link"],
    ["<evil.example|click>", "link"],
    ["<script>", "markup"],
  ])("reports %s as %s", (markup, kind) => {
    const payload = { text: `alert ${markup} in pod`, blocks: [section(`output: ${markup}`)] };
    expect(findSlackInjections(payload)).toEqual([
      { kind, match: markup, path: "/text" },
      { kind, match: markup, path: "/blocks/0/text/text" },
    ]);
  });

  it("finds markup in fields, context elements, headers and attachments", () => {
    const payload = {
      text: "fallback",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "<!here>" } },
        { type: "section", fields: [{ type: "mrkdwn", text: "*Pod*\n<@U1>" }] },
        { type: "context", elements: [{ type: "mrkdwn", text: "<#C1>" }] },
      ],
      attachments: [{ color: "#ff0000", pretext: "<!channel>", blocks: [section("<https://x|y>")] }],
    };
    expect(findSlackInjections(payload).map((i) => `${i.kind} ${i.path}`)).toEqual([
      "broadcast /blocks/0/text/text",
      "user-mention /blocks/1/fields/0/text",
      "channel-link /blocks/2/elements/0/text",
      "broadcast /attachments/0/pretext",
      "link /attachments/0/blocks/0/text/text",
    ]);
  });

  it("does not flag escaped text", () => {
    const escaped = "&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt; a &amp; b";
    expect(findSlackInjections({ text: escaped, blocks: [section(escaped)] })).toEqual([]);
  });

  it("flags bare @here/@channel in auto-parsed text but not in verbatim or plain_text", () => {
    expect(findSlackInjections({ text: "ping @here now" })).toEqual([
      { kind: "bare-mention", match: "@here", path: "/text" },
    ]);
    expect(findSlackInjections({ blocks: [section("ping @channel", { verbatim: true })] })).toEqual([]);
    expect(
      findSlackInjections({ blocks: [{ type: "header", text: { type: "plain_text", text: "@everyone" } }] }),
    ).toEqual([]);
    expect(findSlackInjections({ text: "mail root@here.example" })).toEqual([]);
  });

  it("lets the caller allow its own links, including URL-valued keys", () => {
    const ownLink = "https://console.cloud.google.com/traces/list?tid=abc";
    const payload = {
      text: `trace: <${ownLink}|trace>`,
      blocks: [
        section(`trace: <${ownLink}|trace> and <https://evil.example|click>`),
        {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Trace" }, url: ownLink }],
        },
      ],
    };
    const allowLink = (url: string) => url.startsWith("https://console.cloud.google.com/");
    expect(findSlackInjections(payload, { allowLink })).toEqual([
      { kind: "link", match: "<https://evil.example|click>", path: "/blocks/0/text/text" },
    ]);
    expect(findSlackInjections(payload).filter((i) => i.path.endsWith("/url"))).toHaveLength(1);
  });

  it("with bareUrls, flags URLs Slack would auto-link, but not inside code", () => {
    const payload = {
      text: "see http://evil.example/x and `http://in.code` and ```curl https://in.block```",
    };
    expect(findSlackInjections(payload)).toEqual([]);
    expect(findSlackInjections(payload, { bareUrls: true })).toEqual([
      { kind: "bare-url", match: "http://evil.example/x", path: "/text" },
    ]);
  });
});
