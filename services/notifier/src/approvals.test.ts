// Issue 21 through the notifier's push endpoints (app.request) and the real webhook stand-in: an
// announcement asking for a decision (Slack buttons, the webhook's awaiting_approval), storm control
// never holding it back, and the follow-up saying who denied a held action or that it was abandoned.
import { type ActionOutcome, ApprovalRef } from "@riposte/contracts";
import { findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { isNotifierLink } from "./links.js";
import type { SlackMessage } from "./slack-message.js";
import {
  awaitingApproval,
  decisionOutcome,
  HOSTILE_TEXT,
  heldAction,
  notifyCommand,
} from "./test-commands.js";
import { notifierApp, SLACK, SOAR, useWebhookReceiver } from "./testing/fixture.js";

const receiver = await useWebhookReceiver();

const slackBodies = () => receiver.delivered(SLACK).map((r) => r.json as SlackMessage);
const about = (incident: string) =>
  receiver.delivered(SLACK).filter((r) => JSON.stringify(r.json).includes(incident));
/** Mentions and links Slack would render, apart from the notifier's links and its own date tokens. */
const injections = (payload: unknown) =>
  findSlackInjections(payload, { allowLink: isNotifierLink, bareUrls: true }).filter(
    (found) =>
      !(found.kind === "date" && /^<!date\^\d+\^\{[a-z_]+\} \{time_secs\}\|[0-9TZ:-]+>$/.test(found.match)),
  );

describe("notifier app: approvals", () => {
  it("announces the held actions with buttons on Slack and as awaiting_approval on the webhook", async () => {
    const { notify } = notifierApp(receiver);
    const deadline = "2026-03-01T12:15:30.000Z";
    const command = awaitingApproval(notifyCommand(), [
      heldAction({ deadline }),
      heldAction({ action: "taint-node", onTimeout: "abandon", deadline, approvers: ["user:bob@acme.com"] }),
    ]);
    expect((await notify(command)).status).toBe(204);

    const [slack] = receiver.delivered(SLACK);
    // The stand-in checks the buttons and their dialogs against Block Kit's limits, as Slack does.
    expect(slack?.slack).toMatchObject({ ok: true });
    const actions =
      (slack?.json as SlackMessage | undefined)?.blocks.filter((block) => block.type === "actions") ?? [];
    expect(actions.map((block) => block.block_id)).toEqual([
      "riposte-approval:kill-pod",
      "riposte-approval:taint-node",
    ]);
    const values = actions.flatMap((block) => block.elements.map((button) => button.value));
    expect(values.map((value) => ApprovalRef.parse(JSON.parse(value)))).toEqual([
      { incident: command.incident, action: "kill-pod" },
      { incident: command.incident, action: "kill-pod" },
      { incident: command.incident, action: "taint-node" },
      { incident: command.incident, action: "taint-node" },
    ]);
    expect(injections(slack?.json)).toEqual([]);

    const [soar] = receiver.delivered(SOAR);
    expect(soar?.json).toMatchObject({
      type: "alert",
      incident: command.incident,
      awaiting_approval: [
        {
          action: "kill-pod",
          deadline,
          on_timeout: "proceed",
          approvers: ["group:sre@acme.com", "user:alice@acme.com"],
        },
        { action: "taint-node", deadline, on_timeout: "abandon", approvers: ["user:bob@acme.com"] },
      ],
    });
  });

  it("an announcement without held actions has no buttons and an empty awaiting_approval", async () => {
    const { notify } = notifierApp(receiver);
    expect((await notify(notifyCommand())).status).toBe(204);
    expect(JSON.stringify(slackBodies())).not.toContain("riposte-approval");
    expect(receiver.delivered(SOAR)[0]?.json).toMatchObject({ awaiting_approval: [] });
  });

  it("attack: hostile approvers reach Slack escaped, and Slack accepts the message", async () => {
    const { notify } = notifierApp(receiver);
    const approvers = [
      HOSTILE_TEXT,
      "<!channel>",
      `<https://evil.example/approve|Approve>${"x".repeat(10_000)}`,
    ];
    const command = awaitingApproval(notifyCommand(), [heldAction({ approvers })]);
    expect((await notify(command)).status).toBe(204);
    const [slack] = receiver.delivered(SLACK);
    expect(slack?.slack).toMatchObject({ ok: true });
    expect(injections(slack?.json)).toEqual([]);
    expect(JSON.stringify(slack?.json)).toContain("`&lt;!channel&gt;`");
  });

  it("attack: in a storm of 500 similar alerts, the one asking for a decision is announced on its own", async () => {
    const { app, notify, publisher } = notifierApp(receiver, {
      destinations: [{ name: "slack", type: "slack", url: receiver.url(SLACK) }],
      minIntervalMs: 1,
      settings: { stormWindowMs: 600_000 },
    });
    // One rule and target (one storm group); each alert its own incident (its own time).
    const storm = Array.from({ length: 500 }, () => notifyCommand(undefined, { destinations: ["slack"] }));
    const asking = awaitingApproval(storm[250] ?? notifyCommand(), [heldAction()]);
    storm[250] = asking;
    expect(new Set(storm.map((command) => command.incident)).size).toBe(500);
    // The first opens the window; the others come 50 at a time, as pushes to one instance do.
    expect((await notify(storm[0] ?? asking)).status).toBe(204);
    for (let from = 1; from < storm.length; from += 50) {
      const answers = await Promise.all(storm.slice(from, from + 50).map((command) => notify(command)));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 204));
    }
    const announced = about(asking.incident);
    expect(announced).toHaveLength(1);
    expect(JSON.stringify(announced[0]?.json)).toContain("riposte-approval:kill-pod");
    const outcomeOfAsking = publisher
      .on("action-outcomes")
      .map((p) => p.message as ActionOutcome)
      .find((outcome) => outcome.incident === asking.incident);
    expect(outcomeOfAsking).toMatchObject({ result: "done", reason: "announced to slack" });
    // Only the first and the one asking went out individually; the summary counts the other 498.
    expect(receiver.delivered(SLACK)).toHaveLength(2);
    await app.notifier.flush(10_000);
    const summary = JSON.stringify(receiver.delivered(SLACK)[2]?.json);
    expect(summary).toContain("498 more similar alerts");
    expect(summary).not.toContain(asking.incident);
  }, 240_000);

  it("follows up a denial saying who denied it, and an abandonment saying nobody decided", async () => {
    const { notify, report } = notifierApp(receiver);
    const command = awaitingApproval(notifyCommand(), [heldAction(), heldAction({ action: "capture" })]);
    expect((await notify(command)).status).toBe(204);
    const denied = decisionOutcome(command, {
      state: "denied",
      by: "user:bob@acme.com",
      via: "slack",
      reason: "denied by user:bob@acme.com via slack: a canary",
    });
    expect((await report(denied)).status).toBe(204);
    const abandoned = decisionOutcome(command, {
      state: "abandoned",
      by: "deadline",
      via: "deadline",
      action: "capture",
    });
    expect((await report(abandoned)).status).toBe(204);
    const [, deniedLine, abandonedLine] = about(command.incident).map((r) => JSON.stringify(r.json));
    expect(deniedLine).toContain("`kill-pod` denied by `user:bob@acme.com` via `slack` at <!date^");
    expect(deniedLine).toContain("a canary");
    expect(abandonedLine).toContain("`capture` abandoned: nobody decided before the deadline");
    // The webhook gets the outcome with its decision, as the console published it.
    const soarOutcomes = receiver.delivered(SOAR).flatMap((r) => {
      const body = r.json as { type: string; outcome?: { details: unknown } };
      return body.type === "outcome" ? [body.outcome?.details] : [];
    });
    expect(soarOutcomes).toEqual([
      { approval: expect.objectContaining({ state: "denied", by: "user:bob@acme.com", via: "slack" }) },
      { approval: expect.objectContaining({ state: "abandoned", by: "deadline" }) },
    ]);
  });

  it("attack: a hostile decider and reason in a denial's follow-up are escaped", async () => {
    const { notify, report } = notifierApp(receiver);
    const command = awaitingApproval(notifyCommand(), [heldAction()]);
    expect((await notify(command)).status).toBe(204);
    const denial = decisionOutcome(command, {
      state: "denied",
      by: "user:<!channel>@acme.com <https://evil.example|open>",
      via: "slack <!here>",
      reason: HOSTILE_TEXT.repeat(20),
    });
    expect((await report(denial)).status).toBe(204);
    const followUp = about(command.incident)[1];
    expect(followUp?.slack).toMatchObject({ ok: true });
    expect(JSON.stringify(followUp?.json)).toContain("denied by `user:&lt;!channel&gt;@acme.com");
    expect(injections(followUp?.json)).toEqual([]);
  });

  it("attack: a denial is followed up at once, also when a similar alert's same outcome opened a storm window", async () => {
    const { notify, report } = notifierApp(receiver, {
      destinations: [{ name: "slack", type: "slack", url: receiver.url(SLACK) }],
      settings: { stormWindowMs: 600_000 },
    });
    const held = [heldAction({ action: "capture" })];
    const first = awaitingApproval(notifyCommand(undefined, { destinations: ["slack"] }), held);
    const second = awaitingApproval(notifyCommand(undefined, { destinations: ["slack"] }), held);
    for (const command of [first, second]) expect((await notify(command)).status).toBe(204);
    const deny = (command: typeof first) =>
      decisionOutcome(command, { state: "denied", by: "user:bob@acme.com", via: "cli", action: "capture" });
    // capture is not destructive: without the decision rule, the second denial would wait for a summary.
    expect((await report(deny(first))).status).toBe(204);
    expect((await report(deny(second))).status).toBe(204);
    for (const command of [first, second]) {
      const lines = about(command.incident).map((r) => JSON.stringify(r.json));
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain("`capture` denied by `user:bob@acme.com` via `cli`");
    }
  });
});
