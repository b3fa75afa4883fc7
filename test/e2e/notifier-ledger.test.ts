// The notifier SIGKILLed in the middle of a storm and restarted (issue 18): its delivery memory and its
// storm windows are in the ledger (the real Firestore emulator), so no incident is announced twice and
// the storm's summary still arrives — sent after the scheduled call Cloud Scheduler makes every minute
// (here: the test makes it), although the instance that opened the window is gone.
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert, type TestAlert } from "./alerts.js";
import { emulatorRedelivery, type Pipeline, startPipeline } from "./harness.js";

const SOAR_PATH = "/soar";
const STORM_WINDOW_SECONDS = 6;

let receiver: WebhookReceiver;
let pipeline: Pipeline;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "notifier"],
    // Redeliveries within seconds (the emulator's own backoff), not the notifier's 10 s → 5 min.
    adjustTopology: emulatorRedelivery,
    local: { webhookUrl: receiver.url(SOAR_PATH) },
    env: { notifier: { STORM_WINDOW_SECONDS: String(STORM_WINDOW_SECONDS), OUTCOME_GRACE_MS: "1000" } },
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await receiver?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SoarEvent {
  type: string;
  incident?: string;
  count?: number;
  incidents?: string[];
  target?: { pod?: string };
}

const soarEvents = (pod: string): SoarEvent[] =>
  receiver
    .delivered(SOAR_PATH)
    .map((request: ReceivedRequest) => request.json as SoarEvent)
    .filter((event) => event.target?.pod === pod);

/** What Cloud Scheduler does every minute: POST /scheduled/close-windows. */
async function scheduledCall(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${pipeline.ports.notifier}/scheduled/close-windows`, {
    method: "POST",
  });
  return response.status;
}

describe("the notifier killed mid-storm", () => {
  it("SIGKILL with a storm window open, restart: no incident announced twice, every one announced or summarised", {
    timeout: 180_000,
  }, async () => {
    const pod = "e2e-ledger-storm-1";
    const alert = (): TestAlert =>
      freshAlert("sidekick-critical-drop-exec.json", { fields: { "k8s.pod.name": pod } });
    const before = Array.from({ length: 8 }, alert);
    for (const each of before) await pipeline.sendAlert(each.json);
    // The first is announced; the others are held back in the window its instance opened.
    const deadline = Date.now() + 30_000;
    while (soarEvents(pod).filter((event) => event.type === "alert").length === 0 && Date.now() < deadline)
      await sleep(100);
    await sleep(2_000);

    const exit = await pipeline.kill("notifier");
    expect(exit.signal).toBe("SIGKILL");
    const during = Array.from({ length: 4 }, alert);
    for (const each of during) await pipeline.sendAlert(each.json);
    await pipeline.restart("notifier");

    const all = [...before, ...during].map((each) => each.incident);
    const accounted = () => {
      const events = soarEvents(pod);
      const announced = events.flatMap((event) =>
        event.type === "alert" && event.incident ? [event.incident] : [],
      );
      const summarised = events
        .filter((event) => event.type === "storm-summary")
        .flatMap((event) => event.incidents ?? []);
      return { events, announced, summarised };
    };
    // Until every alert is announced or counted in a summary, call the scheduled endpoint, as Cloud
    // Scheduler would: it closes the windows whose time is up, whoever opened them.
    const statuses: number[] = [];
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const { announced, summarised } = accounted();
      if (all.every((incident) => announced.includes(incident) || summarised.includes(incident))) break;
      statuses.push(await scheduledCall());
      await sleep(1_000);
    }
    await sleep(2_000);
    const { events, announced, summarised } = accounted();
    // No incident announced twice, none announced and summarised, none lost.
    expect(new Set(announced).size).toBe(announced.length);
    expect(announced.filter((incident) => summarised.includes(incident))).toEqual([]);
    expect(new Set(summarised).size).toBe(summarised.length);
    expect([...announced, ...summarised].sort()).toEqual([...all].sort());
    // The window the killed instance opened was summarised: it counted alerts sent before the kill.
    const firstSummary = events.find((event) => event.type === "storm-summary");
    expect(
      firstSummary?.incidents?.some((incident) => before.some((each) => each.incident === incident)),
    ).toBe(true);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});
