// The decision an announcement asks for (issue 21): sections, buttons, their values, and what a
// follow-up says about a decision — every string from the wire escaped, every Block Kit limit kept.
import {
  SLACK_APPROVE_ACTION_ID as APPROVE_ACTION_ID,
  ApprovalRef,
  type AwaitingApproval,
  approvalBlockId,
  SLACK_DENY_ACTION_ID as DENY_ACTION_ID,
} from "@riposte/contracts";
import { checkSlackPayload, findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { isNotifierLink } from "./links.js";
import { slackDate } from "./slack-approval.js";
import {
  buildAlertMessage,
  buildFollowUpMessage,
  type SlackBlock,
  type SlackButton,
} from "./slack-message.js";
import {
  awaitingApproval,
  decisionOutcome,
  HOSTILE_TEXT,
  heldAction,
  notifyCommand,
  outcomeOf,
} from "./test-commands.js";

const DEADLINE = "2026-03-01T12:15:30.250Z";
const DATE_TOKEN = "<!date^1772367330^{date_short_pretty} {time_secs}|2026-03-01T12:15:30Z>";

/** Mentions and links Slack would render, apart from the notifier's own links and date tokens. */
function injections(payload: unknown, ownDates: readonly string[] = [DATE_TOKEN]) {
  return findSlackInjections(payload, { allowLink: isNotifierLink, bareUrls: true }).filter(
    (found) => !(found.kind === "date" && ownDates.includes(found.match)),
  );
}

const actionsBlocks = (blocks: readonly SlackBlock[]) =>
  blocks.filter((block): block is Extract<SlackBlock, { type: "actions" }> => block.type === "actions");

function announcement(held: AwaitingApproval[], outcomes = [] as ReturnType<typeof outcomeOf>[]) {
  const command = awaitingApproval(notifyCommand(), held);
  const message = buildAlertMessage({ ...command, outcomes, links: {} });
  return { command, message };
}

describe("Slack: an announcement asking for a decision", () => {
  it("has per held action a section and Approve / Deny buttons whose value is the ApprovalRef", () => {
    const { command, message } = announcement([
      heldAction({ deadline: DEADLINE }),
      heldAction({ action: "capture", onTimeout: "abandon", deadline: DEADLINE }),
    ]);
    expect(checkSlackPayload(message)).toEqual({ ok: true, textTruncated: false });
    const actions = actionsBlocks(message.blocks);
    expect(actions.map((block) => block.block_id)).toEqual([
      "riposte-approval:kill-pod",
      "riposte-approval:capture",
    ]);
    for (const [index, action] of (["kill-pod", "capture"] as const).entries()) {
      const [approve, deny] = actions[index]?.elements ?? [];
      expect(approve).toMatchObject({ action_id: APPROVE_ACTION_ID, style: "primary" });
      expect(deny).toMatchObject({ action_id: DENY_ACTION_ID, style: "danger" });
      for (const button of [approve, deny] as SlackButton[]) {
        // The console parses the value back with the contracts' schema: it must round-trip exactly.
        expect(ApprovalRef.parse(JSON.parse(button.value))).toEqual({ incident: command.incident, action });
        expect(button.confirm?.title.text).toMatch(new RegExp(`^(Approve|Deny) ${action}\\?$`));
        expect(button.confirm?.deny.text).toBe("Cancel");
      }
    }
    const sections = JSON.stringify(message.blocks);
    expect(sections).toContain("*Waiting for approval:* `kill-pod`");
    expect(sections).toContain(`*Deadline:* ${DATE_TOKEN} — if nobody decides by then, it runs`);
    expect(sections).toContain("it is abandoned (not run) (on_timeout `abandon`)");
    expect(sections).toContain("*Approvers:* `group:sre@acme.com` `user:alice@acme.com`");
    expect(sections).toContain(`\`riposte approve ${command.incident.slice(0, 12)} kill-pod\``);
    // The buttons come before the context line (incident, links), after the alert.
    expect(message.blocks.at(-1)?.type).toBe("context");
    expect(message.text).toContain(
      "waiting for approval: `kill-pod` until 2026-03-01T12:15:30Z, `capture` until 2026-03-01T12:15:30Z",
    );
    expect(injections(message)).toEqual([]);
  });

  it("a Slack date token is built from the parsed time, whatever the text said", () => {
    expect(slackDate("2026-03-01T13:15:30.999+01:00")).toBe(DATE_TOKEN);
    expect(slackDate("not a time <!channel>")).toBeUndefined();
  });

  it("asks once per action, and not for an action that already has an outcome", () => {
    const command = notifyCommand();
    const { message } = announcement(
      [heldAction(), heldAction(), heldAction({ action: "capture" })],
      [outcomeOf(command, { action: "capture", service: "console", result: "refused" })],
    );
    expect(actionsBlocks(message.blocks).map((block) => block.block_id)).toEqual([
      approvalBlockId("kill-pod"),
    ]);
    expect(checkSlackPayload(message).ok).toBe(true);
  });

  it("attack: hostile approvers render as escaped code, cut to the limits; no mention, no link", () => {
    const lookAlike = "user:аlice@acme.com"; // a Cyrillic а
    const approvers = [
      HOSTILE_TEXT,
      "<!channel>",
      "user:x@acme.com|<https://evil.example|approve here>",
      `${"<!here>".repeat(1500)}`,
      lookAlike,
      ...Array.from({ length: 45 }, (_, i) => `group:${"g".repeat(240)}${i}@acme.com`),
    ];
    const { message } = announcement([heldAction({ approvers, deadline: DEADLINE })]);
    expect(checkSlackPayload(message)).toEqual({ ok: true, textTruncated: false });
    expect(injections(message)).toEqual([]);
    const json = JSON.stringify(message);
    expect(json).toContain("`&lt;!channel&gt;`");
    expect(json).toContain(`\`${lookAlike}\``);
    expect(json).toMatch(/ and \d+ more/);
    expect(json).not.toContain("<https://evil");
  });

  it("attack: an action that is no ApprovalRef gets no buttons, and its name is escaped", () => {
    // Below the schema (a caller that did not parse): the value must never carry what the console refuses.
    const hostile = {
      ...heldAction({ deadline: DEADLINE }),
      action: "kill-pod <!channel> <https://evil.example|x>",
    } as unknown as AwaitingApproval;
    const command = notifyCommand();
    const message = buildAlertMessage({ ...command, awaitingApproval: [hostile], outcomes: [], links: {} });
    expect(actionsBlocks(message.blocks)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain("&lt;!channel&gt;");
    expect(injections(message)).toEqual([]);
    expect(checkSlackPayload(message).ok).toBe(true);
  });

  it("every held action of the catalogue fits: 5 sections and 5 actions blocks with 50 long approvers each", () => {
    const approvers = Array.from(
      { length: 50 },
      (_, i) => `user:${"a".repeat(60)}${i}@${"d".repeat(60)}.com`,
    );
    const held = (["kill-pod", "isolate-pod", "taint-node", "capture", "capture-node"] as const).map(
      (action) => heldAction({ action, approvers, deadline: DEADLINE }),
    );
    const { message } = announcement(held);
    expect(checkSlackPayload(message)).toEqual({ ok: true, textTruncated: false });
    expect(actionsBlocks(message.blocks)).toHaveLength(5);
  });
});

describe("Slack: a follow-up about a decision", () => {
  it("says who denied it, how and when", () => {
    const command = notifyCommand();
    const outcome = decisionOutcome(command, {
      state: "denied",
      by: "user:bob@acme.com",
      via: "slack",
      reason: "denied by user:bob@acme.com via slack: the pod is a canary",
    });
    const message = buildFollowUpMessage({ outcome, links: {} });
    const section = JSON.stringify(message.blocks[0]);
    expect(section).toContain(
      ":no_entry_sign: `kill-pod` denied by `user:bob@acme.com` via `slack` at <!date^",
    );
    expect(section).toContain("— denied by user:bob@acme.com via slack: the pod is a canary");
    expect(message.text).toContain("`kill-pod` denied by `user:bob@acme.com` via `slack` for incident");
    expect(checkSlackPayload(message).ok).toBe(true);
  });

  it("says it was abandoned when nobody decided", () => {
    const command = notifyCommand();
    const outcome = decisionOutcome(command, { state: "abandoned", by: "deadline", via: "deadline" });
    const message = buildFollowUpMessage({ outcome, links: {} });
    expect(JSON.stringify(message.blocks[0])).toContain(
      ":hourglass: `kill-pod` abandoned: nobody decided before the deadline at <!date^",
    );
    expect(message.text).toContain("`kill-pod` abandoned (no decision before the deadline)");
  });

  it("attack: a hostile decider, channel and reason become no mention and no link", () => {
    const command = notifyCommand();
    const outcome = decisionOutcome(command, {
      state: "denied",
      by: "user:<!channel>@acme.com <https://evil.example|click>",
      via: "slack <!here> @everyone",
      reason: HOSTILE_TEXT.repeat(40),
    });
    const message = buildFollowUpMessage({ outcome, links: {} });
    expect(checkSlackPayload(message).ok).toBe(true);
    const own = String(JSON.stringify(message).match(/<!date\^[^>]*>/)?.[0]);
    expect(injections(message, [own])).toEqual([]);
    expect(JSON.stringify(message)).toContain("denied by `user:&lt;!channel&gt;@acme.com &lt;https://evil");
  });
});
