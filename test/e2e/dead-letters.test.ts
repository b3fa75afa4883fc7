// Failures nobody can miss: with pod-killer unreachable, a Critical kill is dead-lettered and the
// notifier announces it on Slack as a failed action of its incident (the topology pushes every
// command dead-letter topic to the notifier's /dead-letters), while `riposte dlq` still finds it.
import type { PubSub } from "@google-cloud/pubsub";
import { pullMessages } from "@riposte/service-kit/testing";
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { emulatorRedelivery, type Pipeline, startPipeline } from "./harness.js";
import { killAtOncePlaybooksFile } from "./playbooks.js";

const SLACK_PATH = "/services/T/B/dead-letters";
/** Pub/Sub's fewest attempts: the kill dead-letters after ~5 s of failed pushes on the emulator. */
const ATTEMPTS = 5;

let receiver: WebhookReceiver;
let pipeline: Pipeline;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    // pod-killer is not started: its push endpoint is a port nobody listens on.
    services: ["router", "notifier"],
    local: { slackWebhookUrl: receiver.url(SLACK_PATH) },
    // The kill alone is dead-lettered (no isolation or capture commands to dead-letter beside it).
    env: { router: { PLAYBOOKS_FILE: killAtOncePlaybooksFile() } },
    adjustTopology: (topology) => {
      const adjusted = emulatorRedelivery(topology);
      return {
        ...adjusted,
        subscriptions: adjusted.subscriptions.map((sub) =>
          sub.name === "pod-killer" && sub.deadLetter
            ? { ...sub, deadLetter: { ...sub.deadLetter, maxDeliveryAttempts: ATTEMPTS } }
            : sub,
        ),
      };
    },
  });
}, 150_000);

afterAll(async () => {
  await pipeline?.stop();
  await receiver?.close();
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe("dead-lettered commands end to end", { timeout: 120_000 }, () => {
  it("a Critical kill dead-lettered (pod-killer down) → Slack is told it FAILED, with the incident and why", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.pod.name": "e2e-dead-letter-1" },
    });
    await pipeline.sendAlert(alert.json);
    const failed: ReceivedRequest = await until(
      "the dead-letter announcement",
      () => receiver.delivered(SLACK_PATH).find((r) => r.rawBody.includes("FAILED")),
      90_000,
    );
    const text = (failed.json as { text: string }).text;
    expect(text).toContain(
      `FAILED: \`kill-pod\` for incident ${alert.incident.slice(0, 12)} was dead-lettered after ${ATTEMPTS} attempts (subscription \`pod-killer\`)`,
    );
    const body = JSON.stringify(failed.json);
    expect(body).toContain(alert.incident);
    expect(body).toContain("`Drop and execute new binary in container`");
    expect(body).toContain("Target `jobs/e2e-dead-letter-1`");
    expect(body).toContain("riposte dlq");
    // The dead letter itself stays for `riposte dlq` (its pull subscription is untouched).
    const held = await pullMessages(pipeline.pubsub as PubSub, "pod-killer-dead-letter", {
      count: 1,
      timeoutMs: 10_000,
    });
    expect(held.map((m) => m.attributes.incident)).toContain(alert.incident);
    // Announced once, however often the push is repeated.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(receiver.delivered(SLACK_PATH).filter((r) => r.rawBody.includes("FAILED"))).toHaveLength(1);
    expect(pipeline.logs.notifier?.join("\n")).toContain("dead-lettered");
  });
});
