// Dead-lettered commands through the notifier's /dead-letters endpoint (app.request), delivered to the
// real webhook stand-in: announced once as FAILED, escaped, and never retried forever.
import { type Command, messageAttributes } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { createLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_ATTRIBUTES } from "./dead-letters.js";
import { HOSTILE_TEXT, notifyCommand } from "./test-commands.js";
import { notifierApp, SECRET, SLACK, SOAR, useWebhookReceiver } from "./testing/fixture.js";

const receiver = await useWebhookReceiver();

function setup(options: { deadLetterGiveUpMs?: number; now?: () => number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "notifier",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const { app, publisher } = notifierApp(receiver, {
    destinations: [
      { name: "slack", type: "slack", url: receiver.url(SLACK), default: true },
      { name: "soar", type: "webhook", url: receiver.url(SOAR), secret: SECRET },
    ],
    logger,
    settings: { stormWindowMs: 60_000, outcomeGraceMs: 100 },
    delivery: { maxAttempts: 2, attemptTimeoutMs: 2_000, backoff: { initialMs: 20, maxMs: 50 } },
    ...options,
  });
  const deadLetter = (
    command: Command,
    { subscription = "pod-killer", attempts = "20", publishTime = new Date().toISOString() } = {},
  ) =>
    app.request(
      "/dead-letters",
      pushRequest(
        command,
        {
          ...messageAttributes(command),
          [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: subscription,
          [DEAD_LETTER_ATTRIBUTES.deliveryCount]: attempts,
        },
        { publishTime },
      ),
    );
  const errors = () => lines.filter((line) => line.severity === "ERROR").map((line) => String(line.message));
  return { app, publisher, deadLetter, errors };
}

function killCommand(top: Record<string, unknown> = {}): Command {
  return commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
    top: { time: uniqueAlertTime(), ...top },
    dryRun: false,
    playbooks: ["kill-critical-workload"],
  });
}

const slackTexts = () => receiver.delivered(SLACK).map((r) => (r.json as { text: string }).text);

describe("notifier app: dead-lettered commands", () => {
  it("announces a dead-lettered kill as FAILED to the default destinations and where the incident went, once", async () => {
    const { app, deadLetter, errors } = setup();
    const kill = killCommand();
    const notify = notifyCommand(undefined, { top: { time: kill.alert.time }, destinations: ["soar"] });
    expect(notify.incident).toBe(kill.incident);
    await app.request("/", pushRequest(notify, messageAttributes(notify)));
    receiver.clear();

    expect((await deadLetter(kill)).status).toBe(204);
    expect((await deadLetter(kill)).status).toBe(204); // a redelivery sends nothing new
    expect(slackTexts()).toEqual([
      `:rotating_light: FAILED: \`kill-pod\` for incident ${kill.incident.slice(0, 12)} was dead-lettered after 20 attempts (subscription \`pod-killer\`)`,
    ]);
    const [soar] = receiver.delivered(SOAR);
    expect(receiver.delivered(SOAR)).toHaveLength(1);
    expect(soar?.json).toMatchObject({
      type: "dead-letter",
      incident: kill.incident,
      action: "kill-pod",
      subscription: "pod-killer",
      delivery_attempts: 20,
      dead_letter_subscription: "pod-killer-dead-letter",
    });
    expect(errors().some((m) => m.startsWith(`FAILED: kill-pod for incident ${kill.incident}`))).toBe(true);
  });

  it("escapes every alert string", async () => {
    const { deadLetter } = setup();
    const kill = killCommand({ rule: HOSTILE_TEXT });
    await deadLetter(kill, { subscription: HOSTILE_TEXT.slice(0, 60) });
    const [slack] = receiver.delivered(SLACK);
    expect(slack?.slack).toMatchObject({ ok: true });
    expect(findSlackInjections(slack?.json, { allowLink: () => false, bareUrls: true })).toEqual([]);
  });

  it("quarantines a message on /dead-letters that Pub/Sub did not dead-letter", async () => {
    const { app, publisher } = setup();
    const kill = killCommand();
    const answer = await app.request("/dead-letters", pushRequest(kill, messageAttributes(kill)));
    expect(answer.status).toBe(204);
    expect(JSON.stringify(publisher.on("quarantine")[0]?.message)).toContain(
      "CloudPubSubDeadLetterSourceSubscription",
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it("a dead-lettered Notify whose destination keeps failing: retried (503), then given up at ERROR — never looped", async () => {
    const { deadLetter, errors } = setup({ deadLetterGiveUpMs: 60_000 });
    const notify = notifyCommand(undefined, { destinations: ["slack"] });
    receiver.script({ path: SLACK, responses: Array.from({ length: 4 }, () => ({ status: 503 })) });
    expect((await deadLetter(notify, { subscription: "notifier", attempts: "10" })).status).toBe(503);
    const old = new Date(Date.now() - 61_000).toISOString();
    expect(
      (await deadLetter(notify, { subscription: "notifier", attempts: "10", publishTime: old })).status,
    ).toBe(204);
    expect(errors().filter((m) => m.startsWith("FAILED: notify"))).toHaveLength(1);
    expect(errors()).toContainEqual(
      expect.stringMatching(
        /^FAILED and not announced everywhere: notify for incident [0-9a-f]{32} was dead-lettered after 10 attempts \(subscription notifier\); destination slack: .* it waits in notifier-dead-letter \(riposte dlq\)/,
      ),
    );
  });

  for (const publishTime of ["not-a-time", ""]) {
    it(`publishTime ${JSON.stringify(publishTime)}: a failing announcement is still given up, timed from when it was first seen`, async () => {
      let shift = 0;
      const { deadLetter, errors } = setup({ deadLetterGiveUpMs: 60_000, now: () => Date.now() + shift });
      receiver.script({ path: SLACK, responses: Array.from({ length: 10 }, () => ({ status: 503 })) });
      const kill = killCommand();
      expect((await deadLetter(kill, { publishTime })).status).toBe(503);
      shift = 30_000;
      expect((await deadLetter(kill, { publishTime })).status).toBe(503);
      shift = 3_600_000; // an hour of redeliveries later
      expect((await deadLetter(kill, { publishTime })).status).toBe(204);
      expect(errors()).toContainEqual(
        expect.stringMatching(/^FAILED and not announced everywhere: kill-pod/),
      );
    });
  }

  it("a destination that refuses for good is reported at ERROR and the dead letter acknowledged", async () => {
    const { deadLetter, errors } = setup();
    receiver.script({ path: SLACK, responses: [{ status: 404 }] });
    expect((await deadLetter(killCommand())).status).toBe(204);
    expect(errors().some((m) => m.includes("slack refused"))).toBe(true);
  });
});
