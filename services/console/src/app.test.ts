// The console's shell through app.request: it reads no topic; its scheduled call runs the approvals'
// due work and answers its summary, 503 when that could not be done now (the next call retries).
import { LedgerUnavailableError } from "@riposte/ledger";
import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import { type ConsoleDeps, createApp } from "./app.js";
import { consoleDescriptor } from "./descriptor.js";
import { APPROVALS_PATH } from "./scheduled.js";

function setup(runDueApprovals: ConsoleDeps["runDueApprovals"], routes: ConsoleDeps["routes"] = []) {
  const publisher = createMemoryPublisher();
  const push = { service: "console", publisher, logger: createSilentLogger() };
  return createApp({ push, runDueApprovals, routes });
}

describe("console", () => {
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

  it("answers the scheduled call with the due work's summary", async () => {
    const app = setup(async () => ({ published: 2 }));
    const response = await app.request(APPROVALS_PATH, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ published: 2 });
  });

  it("answers 503 when the ledger is out of reach, so the next call retries", async () => {
    const app = setup(async () => {
      throw new LedgerUnavailableError("deadline exceeded");
    });
    expect((await app.request(APPROVALS_PATH, { method: "POST" })).status).toBe(503);
  });

  it("adds the other parts' routes in order, a middleware guarding what follows it", async () => {
    const app = setup(
      async () => ({}),
      [
        (hono) => hono.use("/pages/*", async (c) => c.text("guarded", 401)),
        (hono) => hono.get("/pages/x", (c) => c.text("page")),
      ],
    );
    expect((await app.request("/pages/x")).status).toBe(401);
    expect((await app.request(APPROVALS_PATH, { method: "POST" })).status).toBe(200);
  });
});
