import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonMessageDecoder } from "./decode.js";
import { DeferredError, PermanentError, RetryableError } from "./errors.js";
import { createLogger, createSilentLogger, type Logger } from "./log.js";
import type { AuthResult } from "./oidc.js";
import { createMemoryPublisher } from "./publisher.js";
import { createPushApp, type PushContext, pushRoute } from "./push.js";
import { pushRequest } from "./testing/envelope.js";

const Greeting = z.object({
  v: z.literal(1),
  name: z.string().min(1),
  mode: z.enum(["ok", "permanent", "retry", "deferred", "crash", "slow"]),
});
type Greeting = z.output<typeof Greeting>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(
  options: { maxBodyBytes?: number; auth?: AuthResult; handlerTimeoutMs?: number; logger?: Logger } = {},
) {
  const publisher = createMemoryPublisher();
  const handled: { message: Greeting; context: PushContext }[] = [];
  const app = createPushApp({
    service: "greeter",
    publisher,
    logger: options.logger ?? createSilentLogger(),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.handlerTimeoutMs ? { handlerTimeoutMs: options.handlerTimeoutMs } : {}),
    ...(options.auth ? { authenticator: { authenticate: async () => options.auth as AuthResult } } : {}),
    routes: [
      pushRoute("/", jsonMessageDecoder(Greeting), async (message, context) => {
        handled.push({ message, context });
        if (message.mode === "permanent")
          throw new PermanentError("name refused by policy", { path: "$.name" });
        if (message.mode === "retry") throw new RetryableError("kubernetes answered 503");
        if (message.mode === "deferred") throw new DeferredError("waiting for capture-pod");
        if (message.mode === "crash") throw new TypeError("bug");
        if (message.mode === "slow") await new Promise((resolve) => setTimeout(resolve, 5_000));
      }),
    ],
  });
  return { app, publisher, handled };
}

describe("createPushApp ack policy", () => {
  it("acks a good message with 204 and passes the push metadata", async () => {
    const { app, handled, publisher } = setup();
    const response = await app.request(
      "/",
      pushRequest({ v: 1, name: "a", mode: "ok" }, { k: "v" }, { messageId: "m1" }),
    );
    expect(response.status).toBe(204);
    expect(handled[0]?.message.name).toBe("a");
    expect(handled[0]?.context.messageId).toBe("m1");
    expect(handled[0]?.context.attributes).toEqual({ k: "v" });
    expect(publisher.published).toHaveLength(0);
  });

  it("acks a malformed envelope (never 400) and records it in quarantine with the raw bytes", async () => {
    const { app, publisher, handled } = setup();
    const response = await app.request("/", { method: "POST", body: "definitely not json" });
    expect(response.status).toBe(204);
    expect(handled).toHaveLength(0);
    const [record] = publisher.on("quarantine");
    expect(record?.message).toMatchObject({
      v: 1,
      kind: "QuarantineRecord",
      service: "greeter",
      reason: { path: "$" },
    });
    expect(
      Buffer.from((record?.message as { data?: string } | undefined)?.data ?? "", "base64").toString(),
    ).toBe("definitely not json");
  });

  it("acks a payload that fails the schema and records the field", async () => {
    const { app, publisher } = setup();
    const response = await app.request(
      "/",
      pushRequest({ v: 1, name: "", mode: "ok" }, { incident: "i" }, { messageId: "m2" }),
    );
    expect(response.status).toBe(204);
    const [record] = publisher.on("quarantine");
    expect(record?.message).toMatchObject({
      reason: { path: "$.name" },
      messageId: "m2",
      attributes: { incident: "i" },
    });
    expect(record?.attributes).toMatchObject({
      kind: "QuarantineRecord",
      service: "greeter",
      messageId: "m2",
    });
  });

  it("acks a payload that is not JSON", async () => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest("{{{"))).status).toBe(204);
    expect(publisher.on("quarantine")[0]?.message).toMatchObject({ reason: { path: "$" } });
  });

  it("acks a PermanentError from the handler with its reason", async () => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest({ v: 1, name: "a", mode: "permanent" }))).status).toBe(204);
    expect(publisher.on("quarantine")[0]?.message).toMatchObject({
      reason: { path: "$.name", message: "name refused by policy" },
    });
  });

  it.each(["retry", "crash"] as const)("answers 503 to a %s failure so Pub/Sub redelivers", async (mode) => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest({ v: 1, name: "a", mode }))).status).toBe(503);
    expect(publisher.published).toHaveLength(0);
  });

  it("answers 503 to a deferral too, but logs it at info as a deferral, not as a failure", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: "greeter",
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    const { app } = setup({ logger });
    expect((await app.request("/", pushRequest({ v: 1, name: "a", mode: "deferred" }))).status).toBe(503);
    expect((await app.request("/", pushRequest({ v: 1, name: "a", mode: "retry" }))).status).toBe(503);
    expect(lines.map((line) => [line.severity, line.message])).toEqual([
      ["INFO", "deferred, asking Pub/Sub to redeliver later: waiting for capture-pod"],
      ["WARNING", "transient failure, asking Pub/Sub to redeliver: kubernetes answered 503"],
    ]);
  });

  it("answers 503 when the rejection cannot be recorded: nothing is dropped silently", async () => {
    const { app, publisher } = setup();
    publisher.failNext(1);
    expect((await app.request("/", { method: "POST", body: "garbage" })).status).toBe(503);
    expect((await app.request("/", { method: "POST", body: "garbage" })).status).toBe(204);
  });

  it("acks and records a body over the size limit, with or without content-length", async () => {
    const { app, publisher } = setup({ maxBodyBytes: 1024 });
    const big = pushRequest({ v: 1, name: "x".repeat(5000), mode: "ok" });
    expect((await app.request("/", big)).status).toBe(204);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("y".repeat(4096)));
        controller.close();
      },
    });
    expect(
      (await app.request("/", { method: "POST", body: stream, duplex: "half" } as RequestInit)).status,
    ).toBe(204);
    const records = publisher.on("quarantine");
    expect(records).toHaveLength(2);
    expect(records[0]?.message).toMatchObject({
      reason: { message: expect.stringMatching(/^push body of \d+ bytes exceeds the 1024-byte limit/) },
    });
  });

  it("answers 503 when the handler outlives its deadline", async () => {
    const { app } = setup({ handlerTimeoutMs: 50 });
    expect((await app.request("/", pushRequest({ v: 1, name: "a", mode: "slow" }))).status).toBe(503);
  });

  describe("a result committed across the deadline", () => {
    /** A handler that works `workMs`, then commits its result (publishing it) for `commitMs`. */
    function committing(options: { workMs: number; commitMs: number; commitGraceMs?: number }) {
      const committed: string[] = [];
      const app = createPushApp({
        service: "greeter",
        publisher: createMemoryPublisher(),
        logger: createSilentLogger(),
        handlerTimeoutMs: 100,
        ...(options.commitGraceMs ? { commitGraceMs: options.commitGraceMs } : {}),
        routes: [
          pushRoute("/", jsonMessageDecoder(Greeting), async (message, context) => {
            await sleep(options.workMs);
            await context.commit(async () => {
              await sleep(options.commitMs);
              committed.push(message.name);
            });
          }),
        ],
      });
      const send = async () => (await app.request("/", pushRequest({ v: 1, name: "a", mode: "ok" }))).status;
      return { send, committed };
    }

    it("a commit under way when the deadline passes is waited for: 204, not 503 and a second result", async () => {
      const { send, committed } = committing({ workMs: 50, commitMs: 200 });
      expect(await send()).toBe(204);
      expect(committed).toEqual(["a"]);
    });

    it("a commit cannot start after the deadline: 503 and nothing committed", async () => {
      const { send, committed } = committing({ workMs: 200, commitMs: 10 });
      expect(await send()).toBe(503);
      await sleep(150);
      expect(committed).toEqual([]);
    });

    it("a commit still running when the grace is over: 503", async () => {
      const { send } = committing({ workMs: 50, commitMs: 500, commitGraceMs: 100 });
      const started = Date.now();
      expect(await send()).toBe(503);
      expect(Date.now() - started).toBeLessThan(450);
    });
  });

  it("never acks an unauthenticated push", async () => {
    const { app, handled, publisher } = setup({ auth: { ok: false, status: 401, reason: "token expired" } });
    const response = await app.request("/", pushRequest({ v: 1, name: "a", mode: "ok" }));
    expect(response.status).toBe(401);
    expect(await response.text()).toBe("token expired");
    expect(handled).toHaveLength(0);
    expect(publisher.published).toHaveLength(0);
  });

  it("serves /healthz", async () => {
    const { app } = setup();
    expect((await app.request("/healthz")).status).toBe(200);
  });
});
