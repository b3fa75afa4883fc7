// An operator's undo (`riposte release` / `riposte untaint`) reaches the notifier as an ordinary
// outcome without alert: followed up where the incident was announced, its text escaped.
import {
  type ActionOutcome,
  messageAttributes,
  type NotifyCommand,
  operatorOutcome,
} from "@riposte/falco-event";
import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import {
  checkSlackPayload,
  findSlackInjections,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { loadDestinations } from "./destinations.js";
import { isNotifierLink } from "./links.js";
import { buildFollowUpMessage } from "./slack-message.js";
import { HOSTILE_TEXT, notifyCommand } from "./test-commands.js";

const SLACK = "/services/T1/B1/operator";
const SOAR = "/soar-operator";

let receiver: WebhookReceiver;
let apps: ReturnType<typeof createApp>[] = [];
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());
afterEach(() => {
  for (const app of apps) app.notifier.dispose();
  apps = [];
});

function setup() {
  const publisher = createMemoryPublisher();
  const destinations = loadDestinations({
    destinationsJson: JSON.stringify([
      { name: "slack", type: "slack", url: receiver.url(SLACK) },
      { name: "soar", type: "webhook", url: receiver.url(SOAR), secret: "soar-secret-for-tests-0002" },
    ]),
    minIntervalMs: 20,
    env: {},
  });
  const app = createApp({
    push: { service: "notifier", publisher, logger: createSilentLogger(), handlerTimeoutMs: 10_000 },
    publisher,
    destinations,
    links: {},
    settings: { stormWindowMs: 0, outcomeGraceMs: 300 },
    delivery: { maxAttempts: 3, attemptTimeoutMs: 2_000, backoff: { initialMs: 20, maxMs: 100 } },
  });
  apps.push(app);
  return {
    notify: (command: NotifyCommand) => app.request("/", pushRequest(command, messageAttributes(command))),
    report: (outcome: ActionOutcome) =>
      app.request("/outcomes", pushRequest(outcome, messageAttributes(outcome))),
  };
}

const released = (incident: string, reason: string) =>
  operatorOutcome({
    action: "release-pod",
    incident,
    summary: "released pod jobs/batch-worker-6f7d8-zx9k2 from quarantine",
    by: "alice",
    reason,
    object: { kind: "Pod", namespace: "jobs", name: "batch-worker-6f7d8-zx9k2" },
    at: new Date(),
  });

describe("notifier: an operator's release or untaint", () => {
  it("is followed up to where the incident was announced, naming the action, who and why", async () => {
    const { notify, report } = setup();
    const command = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(command);
    expect((await report(released(command.incident, "false positive: CI debug shell"))).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(2);
    expect(receiver.delivered(SOAR)).toHaveLength(0);
    const followUp = JSON.stringify(receiver.delivered(SLACK)[1]?.json);
    expect(followUp).toContain(`release-pod\` done for incident ${command.incident.slice(0, 12)}`);
    expect(followUp).toContain("by alice: false positive: CI debug shell");
    expect(followUp).toContain("`operator`");
  });

  it("never lets the reason become a mention or link", () => {
    const incident = "0123456789abcdef0123456789abcdef";
    const message = buildFollowUpMessage({
      outcome: released(incident, HOSTILE_TEXT),
      target: { namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2", rejected: [] },
      links: {},
    });
    expect(checkSlackPayload(message).ok).toBe(true);
    expect(findSlackInjections(message, { allowLink: isNotifierLink, bareUrls: true })).toEqual([]);
    expect(JSON.stringify(message)).toContain("`release-pod`");
  });
});
