// The notifier end to end: Falco alerts into falco-events on the real emulator, the router and the
// notifier as processes behind real push subscriptions, Slack and the SOAR webhook played by an
// in-test webhook stand-in (a real HTTP server). What Slack would have received is read back from it.
import type { ActionOutcome, NotifyCommand } from "@riposte/contracts";
import type { PulledMessage } from "@riposte/service-kit/testing";
import {
  findSlackInjections,
  type ReceivedRequest,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

const SLACK_PATH = "/services/T/B/x";
const SOAR_PATH = "/soar";
const SOURCE_NAME = "organizations/123456789/sources/42";
// Long enough for 50 alerts to go through the router, short enough to wait for the summary.
const STORM_WINDOW_SECONDS = 12;

let receiver: WebhookReceiver;
let pipeline: Pipeline;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "notifier"],
    local: {
      slackWebhookUrl: receiver.url(SLACK_PATH),
      webhookUrl: receiver.url(SOAR_PATH),
      sccSourceName: SOURCE_NAME,
    },
    env: { notifier: { STORM_WINDOW_SECONDS: String(STORM_WINDOW_SECONDS), OUTCOME_GRACE_MS: "2000" } },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await receiver?.close();
});

/** The only links the notifier may add: its own console links. */
const ownLink = (url: string) => url.startsWith("https://console.cloud.google.com/");

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Alert announcements Slack received for `incident` (not follow-ups or summaries). */
function announcements(incident: string): ReceivedRequest[] {
  return receiver
    .delivered(SLACK_PATH)
    .filter((r) => r.rawBody.includes(incident) && r.rawBody.includes("Falco alert"));
}

async function notifierOutcomes(
  incident: string,
  count: number,
  timeoutMs = 15_000,
): Promise<ActionOutcome[]> {
  const messages = await pipeline.tapped("action-outcomes", incident, { count, timeoutMs });
  return messages.map((m) => m.json<ActionOutcome>()).filter((o) => o.service === "notifier");
}

let announced: { incident: string; command: PulledMessage } | undefined;

describe("notifier end to end", { timeout: 90_000 }, () => {
  it("a Critical alert → exactly one Slack message (and one SOAR event), and a `done` outcome", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.pod.name": "e2e-announce-1" },
    });
    await pipeline.sendAlert(alert.json);
    const [slack] = await until("the Slack message", () => {
      const found = announcements(alert.incident);
      return found.length > 0 ? found : undefined;
    });
    expect(slack?.slack).toMatchObject({ ok: true });
    const body = JSON.stringify(slack?.json);
    expect(body).toContain("`Drop and execute new binary in container`");
    expect(body).toContain("`e2e-announce-1`");
    expect(body).toContain(`findings%2F${alert.incident}|SCC finding>`);
    await until("the SOAR event", () =>
      receiver.delivered(SOAR_PATH).find((r) => r.rawBody.includes(alert.incident)),
    );

    const [outcome] = await notifierOutcomes(alert.incident, 1);
    expect(outcome).toMatchObject({
      action: "notify",
      result: "done",
      details: { destinations: { slack: "delivered", soar: "delivered" } },
    });
    const [command] = await pipeline.tapped("notifier", alert.incident);
    expect(command?.json<NotifyCommand>()).toMatchObject({ kind: "Notify", incident: alert.incident });
    announced = { incident: alert.incident, command: command as PulledMessage };
    await sleep(1_500);
    expect(announcements(alert.incident)).toHaveLength(1);
  });

  it("the same Notify command published twice more → no second message", async () => {
    if (!announced) throw new Error("needs the first test's announcement");
    const { incident, command } = announced;
    for (let i = 0; i < 2; i++) {
      await pipeline.pubsub
        .topic("notifier")
        .publishMessage({ data: command.data, attributes: command.attributes });
    }
    const outcomes = await notifierOutcomes(incident, 2);
    expect(outcomes.map((o) => o.result)).toEqual(["already-done", "already-done"]);
    expect(outcomes[0]?.details).toEqual({
      destinations: { slack: "already-delivered", soar: "already-delivered" },
    });
    expect(announcements(incident)).toHaveLength(1);
    const soarAlerts = receiver
      .delivered(SOAR_PATH)
      .map((r) => r.json as { type: string; incident?: string })
      .filter((b) => b.type === "alert" && b.incident === incident);
    expect(soarAlerts).toHaveLength(1);
  });

  it("an ActionOutcome on action-outcomes → a short follow-up, once", async () => {
    if (!announced) throw new Error("needs the first test's announcement");
    const { incident, command } = announced;
    const notify = command.json<NotifyCommand>();
    const outcome: ActionOutcome = {
      v: 1,
      kind: "ActionOutcome",
      service: "pod-killer",
      action: "kill-pod",
      incident,
      result: "done",
      reason: "pod jobs/e2e-announce-1 deleted",
      details: {},
      alert: notify.alert,
      target: notify.target,
      at: new Date().toISOString(),
    };
    const data = Buffer.from(JSON.stringify(outcome));
    const attributes = { v: "1", kind: "ActionOutcome", incident, action: "kill-pod" };
    await pipeline.pubsub.topic("action-outcomes").publishMessage({ data, attributes });
    await pipeline.pubsub.topic("action-outcomes").publishMessage({ data, attributes });
    const followUp = await until("the follow-up", () =>
      receiver.delivered(SLACK_PATH).find((r) => r.rawBody.includes(`Follow-up to incident \`${incident}\``)),
    );
    expect((followUp.json as { text: string }).text).toContain("`kill-pod` done for incident");
    expect(JSON.stringify(followUp.json)).toContain("Rule `Drop and execute new binary in container`");
    await sleep(3_000);
    expect(
      receiver.delivered(SLACK_PATH).filter((r) => r.rawBody.includes("Follow-up to incident")),
    ).toHaveLength(1);
    expect(announcements(incident)).toHaveLength(1);
  });

  it("adversarial alert text → no mention or link in the Slack payload", async () => {
    const hostile =
      "<!channel> <!here> @here @everyone <@U0123ABCD> <https://evil.example/login|Confirm> " +
      "``` escaped ``` `x` https://evil.example/bare &lt;!channel&gt;";
    const alert = freshAlert("sidekick-critical-drop-exec.json", {
      top: { output: hostile, rule: `Drop and execute new binary in container <!channel> @here` },
      fields: { "k8s.pod.name": "<!here>", "container.image.repository": "<https://evil.example|img>" },
    });
    await pipeline.sendAlert(alert.json);
    const [slack] = await until("the Slack message", () => {
      const found = announcements(alert.incident);
      return found.length > 0 ? found : undefined;
    });
    expect(slack?.slack).toMatchObject({ ok: true });
    expect(findSlackInjections(slack?.json, { allowLink: ownLink, bareUrls: true })).toEqual([]);
    expect(findSlackInjections(slack?.json, { bareUrls: true }).map((i) => i.kind)).toEqual(["link"]);
  });

  it("Slack 429 with Retry-After: 2 → the next attempt ≥ 2 s later, delivered once", async () => {
    receiver.script({ path: SLACK_PATH, responses: [{ status: 429, retryAfterSeconds: 2 }] });
    const alert = freshAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.pod.name": "e2e-ratelimit-1" },
    });
    await pipeline.sendAlert(alert.json);
    await until("the Slack message", () => announcements(alert.incident)[0]);
    const attempts = receiver.requests.filter(
      (r) => r.path === SLACK_PATH && r.rawBody.includes(alert.incident),
    );
    expect(attempts.map((r) => r.response.status)).toEqual([429, 200]);
    expect((attempts[1]?.receivedAt ?? 0) - (attempts[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(2_000);
    await sleep(1_500);
    expect(announcements(alert.incident)).toHaveLength(1);
  });

  it("50 identical alerts in 10 s → one message, then one summary", { timeout: 120_000 }, async () => {
    const pod = "e2e-storm-1";
    const alerts = Array.from({ length: 50 }, () =>
      freshAlert("sidekick-critical-drop-exec.json", { fields: { "k8s.pod.name": pod } }),
    );
    const started = Date.now();
    await Promise.all(alerts.map((alert) => pipeline.sendAlert(alert.json)));
    expect(Date.now() - started).toBeLessThan(10_000);
    const forStorm = () => receiver.delivered(SLACK_PATH).filter((r) => r.rawBody.includes(pod));
    const summary = await until(
      "the storm summary",
      () => forStorm().find((r) => r.rawBody.includes("more similar alerts")),
      (STORM_WINDOW_SECONDS + 20) * 1000,
    );
    expect((summary.json as { text: string }).text).toBe(
      `49 more similar alerts in ${STORM_WINDOW_SECONDS} s: \`Drop and execute new binary in container\``,
    );
    await sleep(2_000);
    const messages = forStorm();
    expect(messages).toHaveLength(2);
    expect(messages[0]?.rawBody).toContain("Falco alert");
    const soarSummary = receiver
      .delivered(SOAR_PATH)
      .map((r) => r.json as { type: string; count: number; target?: { pod?: string } })
      .find((b) => b.type === "storm-summary" && b.target?.pod === pod);
    expect(soarSummary?.count).toBe(49);
  });
});
