// Attack tests (adversarial review of issue 15 #4): a malformed or hostile dead letter on /dead-letters
// is acknowledged and recorded with a reason (never a crash or an endless retry); strings escaped.
import { type Command, messageAttributes } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { pushRequest } from "@riposte/service-kit/testing";
import { findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_ATTRIBUTES } from "./dead-letters.js";
import { HOSTILE_TEXT } from "./test-commands.js";
import { notifierApp, SLACK, useWebhookReceiver } from "./testing/fixture.js";

const receiver = await useWebhookReceiver();

function setup() {
  const { app, publisher } = notifierApp(receiver, {
    destinations: [{ name: "slack", type: "slack", url: receiver.url(SLACK), default: true }],
    minIntervalMs: 5,
    settings: { stormWindowMs: 60_000, outcomeGraceMs: 100 },
    delivery: { maxAttempts: 1, attemptTimeoutMs: 2_000, backoff: { initialMs: 10, maxMs: 20 } },
    deadLetterGiveUpMs: 1_000,
  });
  const deadLetterAttributes = (subscription = "pod-killer", attempts = "20") => ({
    [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: subscription,
    [DEAD_LETTER_ATTRIBUTES.deliveryCount]: attempts,
  });
  const post = (data: unknown, attributes: Record<string, string>, publishTime?: string) =>
    app.request("/dead-letters", pushRequest(data, attributes, publishTime ? { publishTime } : {}));
  const quarantined = () =>
    publisher.on("quarantine").map((p) => p.message as { reason: { path: string; message: string } });
  return { publisher, post, deadLetterAttributes, quarantined };
}

function killCommand(top: Record<string, unknown> = {}): Command {
  return commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
    top: { time: uniqueAlertTime(), ...top },
    dryRun: false,
    playbooks: ["kill-critical-workload"],
  });
}

describe("attack: malformed dead letters are acked and recorded with a reason", () => {
  const cases: [string, unknown, string][] = [
    ["not JSON", "this is {not json", "invalid JSON"],
    ["not UTF-8", new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), "not valid UTF-8"],
    ["JSON null", "null", ""],
    ["wrong schema (an outcome)", { v: 1, kind: "ActionOutcome" }, ""],
    ["an unknown kind", { ...killCommand(), kind: "FormatDisk" }, ""],
  ];
  for (const [name, data, reason] of cases) {
    it(`${name}: 204, a quarantine record naming why, nothing announced`, async () => {
      const { post, deadLetterAttributes, quarantined } = setup();
      const answer = await post(data, deadLetterAttributes());
      expect(answer.status).toBe(204);
      expect(quarantined()).toHaveLength(1);
      expect(quarantined()[0]?.reason.message).toContain(reason);
      expect(receiver.requests).toHaveLength(0);
    });
  }

  it("an attacker-chosen incident key (not 32 hex) is refused, never announced", async () => {
    const { post, deadLetterAttributes, quarantined } = setup();
    for (const incident of [
      "<!channel>",
      "../../etc",
      `${"a".repeat(32)}\n`,
      "A".repeat(32),
      "a".repeat(33),
    ]) {
      const answer = await post({ ...killCommand(), incident }, deadLetterAttributes());
      expect(answer.status).toBe(204);
    }
    expect(quarantined()).toHaveLength(5);
    expect(quarantined().every((q) => q.reason.path === "$.incident")).toBe(true);
    expect(receiver.requests).toHaveLength(0);
  });

  it("hostile, very long source subscription and delivery count attributes: escaped and bounded", async () => {
    const { post, deadLetterAttributes } = setup();
    const hostile = `${HOSTILE_TEXT}\n*FAKE* <http://evil|click>\r\n${"&".repeat(900)}`.slice(0, 1024);
    const kill = killCommand({ rule: HOSTILE_TEXT.repeat(40) });
    const answer = await post(kill, {
      ...messageAttributes(kill),
      ...deadLetterAttributes(hostile, "<!channel>"),
    });
    expect(answer.status).toBe(204);
    const [slack] = receiver.delivered(SLACK);
    expect(slack?.slack).toMatchObject({ ok: true });
    expect(findSlackInjections(slack?.json, { allowLink: () => false, bareUrls: true })).toEqual([]);
    expect(JSON.stringify(slack?.json)).toContain("after its last attempt");
  });
});
