// Graceful shutdown: stop accepting, let in-flight pushes finish, then close — well within Cloud Run's
// 10 s after SIGTERM. A push cut off by the hard stop is simply redelivered by Pub/Sub.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonMessageDecoder } from "./decode.js";
import { DEFAULT_RUNTIME } from "./descriptor.js";
import { createPushApp, pushRoute } from "./push.js";
import { type RunningService, startService } from "./service.js";
import { pushRequest } from "./testing/envelope.js";

const descriptor = {
  name: "slowpoke",
  description: "test",
  localPortOffset: 0,
  inputs: [{ topic: "slowpoke", path: "/", accepts: ["Nap"] }],
  publishes: [],
  kubernetes: [],
  gcpRoles: [],
  env: z.object({}),
  runtime: DEFAULT_RUNTIME,
};

let running: RunningService | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(graceMs: number) {
  const finished: number[] = [];
  /** Results committed (published) by pushes of `{ ms, commitMs }`. */
  const committed: number[] = [];
  running = await startService(
    descriptor,
    (kit) =>
      createPushApp({
        ...kit.push,
        routes: [
          pushRoute(
            "/",
            jsonMessageDecoder(z.object({ ms: z.number(), commitMs: z.number().optional() })),
            async ({ ms, commitMs }, context) => {
              await new Promise((resolve) => setTimeout(resolve, ms));
              finished.push(ms);
              if (commitMs === undefined) return;
              // Like an outcome's publish: once it has begun, the result is out whatever happens next.
              await context.commit(async () => {
                await new Promise((resolve) => setTimeout(resolve, commitMs));
                committed.push(ms);
              });
            },
          ),
        ],
      }),
    {
      env: {
        PORT: "0",
        LOG_LEVEL: "silent",
        SHUTDOWN_GRACE_MS: String(graceMs),
        PUBSUB_EMULATOR_HOST: "127.0.0.1:1",
      },
      exitOnSignal: false,
      exitOnStartupError: false,
    },
  );
  const url = `http://127.0.0.1:${running.port}/`;
  return {
    url,
    finished,
    committed,
    push: (ms: number, commitMs?: number) => fetch(url, pushRequest({ ms, commitMs })),
  };
}

describe("graceful shutdown", () => {
  it("finishes in-flight pushes, refuses new connections, and stops right after", async () => {
    const { url, finished, push } = await start(5_000);
    const inFlight = push(400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    const stopping = running?.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(url, pushRequest({ ms: 1 }))).rejects.toThrow();
    expect((await inFlight).status).toBe(204);
    await stopping;
    expect(finished).toEqual([400]);
    // Not waiting for keep-alive sockets to time out (5 s): closed as soon as the work was done.
    expect(Date.now() - began).toBeLessThan(1_500);
  });

  it("answers 503 for what is still running at the grace deadline (Pub/Sub redelivers it)", async () => {
    const { push, finished } = await start(300);
    const stuck = push(3_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    await running?.stop();
    expect(Date.now() - began).toBeLessThan(1_500);
    // An answer, not a cut connection: the log and the span say why it is redelivered.
    const response = await stuck;
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/shutting down/);
    expect(finished).toEqual([]);
  });

  it("a result being committed when the grace ends is waited for and acked, not redelivered to be reported twice", async () => {
    const { push, committed } = await start(300);
    // Its work ends at 200 ms, its commit (a publish) runs from 200 to 600 ms: across the grace's end.
    const committing = push(200, 400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    await running?.stop();
    const response = await committing;
    expect(committed).toEqual([200]);
    expect(response.status).toBe(204);
    expect(Date.now() - began).toBeLessThan(1_500);
  });

  it("a result not yet being committed when the grace ends is refused: 503, reported by the redelivery", async () => {
    const { push, committed } = await start(300);
    const late = push(600, 10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await running?.stop();
    const response = await late;
    expect(response.status).toBe(503);
    // Give the handler time to reach its commit: it must be refused, not run after the answer.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(committed).toEqual([]);
  });
});

describe("start-up refusals", () => {
  it("OIDC audience without allowed push accounts stops start-up (every push would be refused)", async () => {
    await expect(
      startService(descriptor, (kit) => createPushApp({ ...kit.push, routes: [] }), {
        env: { PORT: "0", LOG_LEVEL: "silent", PUSH_AUTH_AUDIENCE: "https://x.run.app/" },
        exitOnSignal: false,
        exitOnStartupError: false,
      }),
    ).rejects.toThrow(/PUSH_AUTH_ALLOWED_EMAILS: required when PUSH_AUTH_AUDIENCE is set/);
  });

  it("allowed push accounts without an audience stop start-up (pushes would go unauthenticated)", async () => {
    await expect(
      startService(descriptor, (kit) => createPushApp({ ...kit.push, routes: [] }), {
        env: {
          PORT: "0",
          LOG_LEVEL: "silent",
          PUSH_AUTH_ALLOWED_EMAILS: "riposte-pubsub-push@p.iam.gserviceaccount.com",
        },
        exitOnSignal: false,
        exitOnStartupError: false,
      }),
    ).rejects.toThrow(/PUSH_AUTH_AUDIENCE: required when PUSH_AUTH_ALLOWED_EMAILS is set/);
  });
});
