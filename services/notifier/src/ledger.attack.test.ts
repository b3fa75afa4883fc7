import { freePort, tcpRelay } from "@riposte/service-kit/testing";
import { describe, expect, inject, it } from "vitest";
import { notifyCommand, outcomeOf } from "./test-commands.js";
import { ledgerClient, notifierApp, SECRET, SLACK, SOAR, useWebhookReceiver } from "./testing/fixture.js";

const receiver = await useWebhookReceiver();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const texts = (path: string) => receiver.delivered(path).map((r) => JSON.stringify(r.json));

/** Each app is an instance of its own: its own Firestore client, the same ledger. */
function instance(options: Parameters<typeof notifierApp>[1] = {}) {
  return notifierApp(receiver, { ledger: ledgerClient(), ...options });
}

/** Pushes until acked, as Pub/Sub redelivers a 503 (a little later), for at most `budgetMs`. */
async function untilAcked(push: () => Response | Promise<Response>, budgetMs = 10_000): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + budgetMs;
  while (Date.now() < deadline) {
    const { status } = await push();
    statuses.push(status);
    if (status !== 503) break;
    await sleep(500);
  }
  return statuses;
}

describe("attack: two notifier instances, restarts", { timeout: 60_000 }, () => {
  it("two instances receiving the same command at the same moment announce it once", async () => {
    const first = instance();
    const second = instance();
    const command = notifyCommand();
    await Promise.all([untilAcked(() => first.notify(command)), untilAcked(() => second.notify(command))]);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(receiver.delivered(SOAR)).toHaveLength(1);
  });

  it("a restarted instance never announces a redelivered command again, and follows up where it was announced", async () => {
    const before = instance();
    const command = notifyCommand(undefined, { destinations: ["soar"] });
    expect((await before.notify(command)).status).toBe(204);
    await before.app.notifier.dispose();

    const after = instance({ settings: { outcomeGraceMs: 100 } });
    expect((await after.notify(command)).status).toBe(204);
    expect((await after.report(outcomeOf(command))).status).toBe(204);
    // The announcement and its follow-up went to soar only (slack is a default, never announced to).
    expect(receiver.delivered(SLACK)).toHaveLength(0);
    expect(receiver.delivered(SOAR)).toHaveLength(2);
    expect(after.publisher.on("action-outcomes")[0]?.message).toMatchObject({ result: "already-done" });
  });
});

describe("attack: a storm whose window-opener is gone", { timeout: 60_000 }, () => {
  it("the summary is sent by the scheduled call of another instance, once, also when two call at the same moment", async () => {
    const settings = { stormWindowMs: 1_000 };
    const destinations = [{ name: "slack", type: "slack", url: receiver.url(SLACK) }];
    const opener = instance({ settings, destinations });
    for (let i = 0; i < 4; i += 1) expect((await opener.notify(notifyCommand())).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    await opener.app.notifier.dispose(); // gone (SIGKILL): no timer, no shutdown flush

    await sleep(1_200);
    const others = [instance({ settings, destinations }), instance({ settings, destinations })];
    const answers = await Promise.all(others.map(({ closeWindows }) => closeWindows()));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const summaries = texts(SLACK).filter((text) => text.includes("more similar"));
    expect(summaries).toEqual([expect.stringContaining("3 more similar alerts in 1 s")]);
    // A later call finds nothing left to send.
    expect((await others[0]?.closeWindows())?.status).toBe(200);
    expect(texts(SLACK).filter((text) => text.includes("more similar"))).toHaveLength(1);
  });

  it("the scheduled endpoint answers 401 without a valid token when push auth is on", async () => {
    const { app } = instance({
      authenticator: { authenticate: async () => ({ ok: false, status: 401, reason: "no token" }) },
    });
    const answer = await app.request("/scheduled/close-windows", { method: "POST" });
    expect(answer.status).toBe(401);
  });
});

describe("attack: the ledger down", { timeout: 150_000 }, () => {
  it("answers 503 and announces nothing while the ledger is unreachable, then announces once after it returns", async () => {
    const port = await freePort();
    let relay = await tcpRelay(inject("firestoreEmulatorHost"), port);
    const ledger = ledgerClient({ host: relay.host, timeoutMs: 1_500 });
    const { notify, publisher, closeWindows } = instance({
      ledger,
      destinations: [{ name: "soar", type: "webhook", url: receiver.url(SOAR), secret: SECRET }],
    });
    await ledger.warmUp();
    await relay.close();
    const command = notifyCommand();
    const down = await notify(command);
    expect(down.status).toBe(503);
    expect(await down.text()).toMatch(/ledger/);
    expect(receiver.delivered(SOAR)).toHaveLength(0);
    expect(publisher.on("action-outcomes")).toHaveLength(0);
    // The scheduled call too: Cloud Scheduler retries it at the next minute.
    expect((await closeWindows()).status).toBe(503);

    relay = await tcpRelay(inject("firestoreEmulatorHost"), port);
    try {
      // A claim sent just as the ledger came back may land after its caller gave up: it holds the
      // message for its lease (60 s), then the redelivery sends it. Late, never twice, never lost.
      expect(await untilAcked(() => notify(command), 100_000)).toContain(204);
      expect(receiver.delivered(SOAR)).toHaveLength(1);
      expect(publisher.on("action-outcomes")[0]?.message).toMatchObject({ result: "done" });
    } finally {
      await relay.close();
    }
  });
});
