// The console's shell through app.request, over the real emulators: it reads no topic; its scheduled
// call applies due deadlines and answers its summary, 503 while the ledger is out of reach (the next
// call retries); the other parts' routes are added in order, a middleware guarding what follows it.
import { createLedger, createLedgerFirestore } from "@riposte/ledger";
import { createSilentLogger, type PushAuthenticator } from "@riposte/service-kit";
import { createMemoryPublisher, tcpRelay } from "@riposte/service-kit/testing";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type ConsoleDeps, createApp } from "./app.js";
import { MINUTE, useApprovalFixture } from "./approvals/test-fixture.js";
import { consoleDescriptor } from "./descriptor.js";
import { APPROVALS_PATH } from "./scheduled.js";

const fixture = await useApprovalFixture();
afterAll(() => fixture.close());

function setup(approvals = fixture.instance(), routes: ConsoleDeps["routes"] = []) {
  const push = { service: "console", publisher: createMemoryPublisher(), logger: createSilentLogger() };
  return createApp({ push, approvals, routes });
}

describe("console", { timeout: 60_000 }, () => {
  it("reads no topic and calls /scheduled/approvals every minute", () => {
    expect(consoleDescriptor.inputs).toEqual([]);
    expect(consoleDescriptor.scheduled).toEqual([
      { path: APPROVALS_PATH, cron: "* * * * *", everySeconds: 60 },
    ]);
  });

  it("publishes to the held actions' topics and action-outcomes only", () => {
    expect([...consoleDescriptor.publishes].sort()).toEqual(
      ["action-outcomes", "capture", "isolator", "node-capturer", "pod-killer", "tainter"].sort(),
    );
  });

  it("the scheduled call applies a passed deadline and answers its summary", async () => {
    const held = await fixture.hold({ deadline: new Date(fixture.clock.now.getTime() + MINUTE) });
    const before = fixture.clock.now;
    fixture.clock.now = new Date(before.getTime() + 2 * MINUTE);
    try {
      const response = await setup().request(APPROVALS_PATH, { method: "POST" });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ failed: 0, published: expect.any(Number) });
    } finally {
      fixture.clock.now = before;
    }
    expect(await fixture.settle("pod-killer", held.incident, 1, 500)).toHaveLength(1);
  });

  it("answers 503 while the ledger is out of reach, so the next call retries", async () => {
    const relay = await tcpRelay(inject("firestoreEmulatorHost"));
    await relay.close();
    const firestore = createLedgerFirestore({ projectId: "console-test-cut", emulatorHost: relay.host });
    const ledger = createLedger({ firestore, timeoutMs: 1_000 });
    try {
      const response = await setup(fixture.instance({ ledger })).request(APPROVALS_PATH, { method: "POST" });
      expect(response.status).toBe(503);
    } finally {
      await firestore.terminate();
    }
  });

  it("attack: a scheduled call without the push account's token applies no deadline", async () => {
    const held = await fixture.hold({ deadline: new Date(fixture.clock.now.getTime() + MINUTE) });
    const authenticator: PushAuthenticator = {
      authenticate: async (header) =>
        header === "Bearer scheduler"
          ? { ok: true, email: "riposte-push@p.iam.gserviceaccount.com" }
          : { ok: false, status: 401, reason: "no token" },
    };
    const publisher = createMemoryPublisher();
    const push = { service: "console", publisher, logger: createSilentLogger(), authenticator };
    const app = createApp({ push, approvals: fixture.instance() });
    const before = fixture.clock.now;
    fixture.clock.now = new Date(before.getTime() + 2 * MINUTE);
    try {
      expect((await app.request(APPROVALS_PATH, { method: "POST" })).status).toBe(401);
      expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.state).toBe("awaiting-approval");
      const signed = { method: "POST", headers: { authorization: "Bearer scheduler" } };
      expect((await app.request(APPROVALS_PATH, signed)).status).toBe(200);
    } finally {
      fixture.clock.now = before;
    }
    expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.state).toBe("approved");
  });

  it("adds the other parts' routes in order, a middleware guarding what follows it", async () => {
    const app = setup(fixture.instance(), [
      (hono) => hono.use("/pages/*", async (c) => c.text("guarded", 401)),
      (hono) => hono.get("/pages/x", (c) => c.text("page")),
    ]);
    expect((await app.request("/pages/x")).status).toBe(401);
    expect((await app.request(APPROVALS_PATH, { method: "POST" })).status).toBe(200);
  });
});
