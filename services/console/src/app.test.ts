// console through app.request: a valid message is handled and acked, a malformed one is quarantined
// and acked, a transient failure asks Pub/Sub to redeliver.
import { createSilentLogger, RetryableError } from "@riposte/service-kit";
import { createMemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { consoleDescriptor } from "./descriptor.js";
import type { ConsoleMessage } from "./message.js";

function setup(handle?: (message: ConsoleMessage, dryRun: boolean) => Promise<void>) {
  const publisher = createMemoryPublisher();
  const app = createApp({
    push: { service: "console", publisher, logger: createSilentLogger() },
    dryRun: false,
    ...(handle ? { handle } : {}),
  });
  return { app, publisher };
}

const message: ConsoleMessage = { v: 1, kind: "Console", incident: "inc-1", dryRun: false };

describe("console", () => {
  it("handles a valid message and acks it", async () => {
    const handled: ConsoleMessage[] = [];
    const { app, publisher } = setup(async (received) => {
      handled.push(received);
    });
    expect((await app.request("/", pushRequest(message))).status).toBe(204);
    expect(handled).toEqual([message]);
    expect(publisher.on("quarantine")).toEqual([]);
  });

  it("quarantines a malformed message and acks it (never 400)", async () => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest({ v: 1, kind: "Other" }))).status).toBe(204);
    expect(publisher.on("quarantine")).toHaveLength(1);
  });

  it("answers 503 on a transient failure so Pub/Sub redelivers", async () => {
    const { app } = setup(async () => {
      throw new RetryableError("dependency unavailable");
    });
    expect((await app.request("/", pushRequest(message))).status).toBe(503);
  });

  it("reads its own topic", () => {
    expect(consoleDescriptor.inputs.map((input) => input.topic)).toEqual(["console"]);
  });
});
