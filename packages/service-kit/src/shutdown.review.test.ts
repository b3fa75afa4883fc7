// Review attacks on the shutdown grace: after SIGTERM, in-flight pushes finish within
// SHUTDOWN_GRACE_MS, the rest answer 503, a commit under way is waited for, and all is over before
// Cloud Run's kill at 10 s. Holes stay as it.fails with what the fix would be.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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
const CLOUD_RUN_KILL_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let running: RunningService | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Pushes of `{ ms, commitMs }`: work for `ms`, then a commit of `commitMs` (-1: a commit that never ends). */
async function start(graceMs: number, hook?: () => Promise<void>) {
  const committed: number[] = [];
  /** Pushes whose handler has begun (their request was read). */
  const begun = { count: 0 };
  running = await startService(
    descriptor,
    (kit) => {
      if (hook) kit.onShutdown(hook);
      return createPushApp({
        ...kit.push,
        routes: [
          pushRoute(
            "/",
            jsonMessageDecoder(z.object({ ms: z.number(), commitMs: z.number().optional() })),
            async ({ ms, commitMs }, context) => {
              begun.count += 1;
              await sleep(ms);
              if (commitMs === undefined) return;
              await context.commit(async () => {
                await (commitMs < 0 ? new Promise(() => {}) : sleep(commitMs));
                committed.push(ms);
              });
            },
          ),
        ],
      });
    },
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
  const push = (ms: number, commitMs?: number) => fetch(url, pushRequest({ ms, commitMs }));
  return { url, port: running.port, committed, begun, push };
}

/** The status, or "cut" when the connection was closed without an answer. */
const statusOf = (response: Promise<Response>) =>
  response.then(
    (r) => r.status,
    () => "cut" as const,
  );

describe("review: shutdown grace", () => {
  it("a commit that never ends is cut by the hard stop, well before Cloud Run's 10 s", async () => {
    const { push } = await start(300);
    const hung = statusOf(push(100, -1));
    await sleep(150);
    const began = Date.now();
    await running?.stop();
    const took = Date.now() - began;
    // grace 300 ms + the commit's 4 s at most.
    expect(took).toBeLessThan(5_000);
    // Cut (Pub/Sub redelivers); never a 204 for a result that may not be out.
    expect(await hung).not.toBe(204);
  }, 15_000);

  it("at the longest grace (8 s) a never-ending commit is still cut before 10 s", async () => {
    const { push } = await start(8_000);
    const hung = statusOf(push(7_900, -1));
    await sleep(50);
    const began = Date.now();
    await running?.stop();
    expect(Date.now() - began).toBeLessThan(CLOUD_RUN_KILL_MS - 200);
    expect(await hung).not.toBe(204);
  }, 20_000);

  // Was a hole at the old max of 9000: a commit under way at the grace's end got only 500 ms, and an
  // 800 ms publish landed with its push cut (published twice). The max is 8000: it gets 1.5 s.
  it("at the longest grace a commit of 800 ms under way at its end is waited for and acked", async () => {
    const { push, committed } = await start(8_000);
    const committing = statusOf(push(7_950, 800));
    await sleep(50);
    await running?.stop();
    expect(await committing).toBe(204);
    await sleep(500);
    expect(committed).toEqual([7_950]);
  }, 20_000);

  it("a commit starting right at the grace's end is either refused (503) or waited for: never cut", async () => {
    const { push, committed, begun } = await start(300);
    // Works end around the grace's end (400 ms after start): some commit before it, some are refused.
    const pushes = Array.from({ length: 20 }, (_, i) => statusOf(push(280 + i * 4, 200)));
    while (begun.count < 20) await sleep(5);
    await running?.stop();
    const statuses = await Promise.all(pushes);
    for (const status of statuses) expect([204, 503]).toContain(status);
    // Every 204 is a committed result and every committed result got its 204.
    expect(statuses.filter((s) => s === 204)).toHaveLength(committed.length);
  }, 15_000);

  it("many concurrent pushes: the quick ones 204, the stuck ones 503, the committing ones 204, none cut", async () => {
    const { push, committed, begun } = await start(500);
    const quick = Array.from({ length: 30 }, () => statusOf(push(300)));
    const stuck = Array.from({ length: 30 }, () => statusOf(push(5_000)));
    const committing = Array.from({ length: 30 }, () => statusOf(push(450, 400)));
    // Every request read (a connection accepted but not yet read is idle: closed, and redelivered).
    while (begun.count < 90) await sleep(5);
    const began = Date.now();
    await running?.stop();
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(await Promise.all(quick)).toEqual(Array(30).fill(204));
    expect(await Promise.all(stuck)).toEqual(Array(30).fill(503));
    expect(await Promise.all(committing)).toEqual(Array(30).fill(204));
    expect(committed).toHaveLength(30);
  }, 15_000);

  it("a push arriving during the grace on a kept-alive connection is not worked on after the stop", async () => {
    const { port } = await start(1_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (ms: number) =>
      new Promise<number | "cut">((resolve) => {
        const { body, headers, method } = pushRequest({ ms }) as {
          body: string;
          headers: Record<string, string>;
          method: string;
        };
        const req = httpRequest({ host: "127.0.0.1", port, path: "/", method, headers, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", () => resolve("cut"));
        req.end(body);
      });
    const first = send(200);
    await sleep(50);
    const began = Date.now();
    const stopping = running?.stop();
    expect(await first).toBe(204);
    // The same socket, right after its answer, during the grace: a long push.
    const second = await send(5_000);
    await stopping;
    expect(Date.now() - began).toBeLessThan(1_000 + 4_000 + 500);
    expect([503, "cut"]).toContain(second);
    agent.destroy();
  }, 15_000);

  // Was a hole: nothing bounded the shutdown hooks, publisher.close() or the trace flush, so a hung hook
  // kept the process until Cloud Run's SIGKILL, "stopped" never logged. Each step now has until 9 s.
  it("a shutdown hook that never ends does not keep the process past Cloud Run's 10 s", async () => {
    await start(0, () => new Promise(() => {}));
    const service = running;
    running = undefined; // its stop() would hang afterEach
    const stopped = service?.stop().then(() => "stopped");
    const outcome = await Promise.race([stopped, sleep(CLOUD_RUN_KILL_MS - 500).then(() => "still running")]);
    expect(outcome).toBe("stopped");
  }, 15_000);
});

/** A service in a child process (its own signals): its port, and its exit code when it ends. */
async function childService() {
  const script = join(tmpdir(), `riposte-sigterm-${process.pid}.mts`);
  const index = fileURLToPath(new URL("./index.ts", import.meta.url));
  // The script lives outside the repo: zod by its resolved file.
  const zod = pathToFileURL(createRequire(import.meta.url).resolve("zod")).href;
  writeFileSync(
    script,
    `import { z } from ${JSON.stringify(zod)};
import { createPushApp, jsonMessageDecoder, pushRoute, startService } from ${JSON.stringify(index)};
const descriptor = ${JSON.stringify({ ...descriptor, env: undefined })};
const running = await startService({ ...descriptor, env: z.object({}) }, (kit) =>
  createPushApp({ ...kit.push, routes: [pushRoute("/", jsonMessageDecoder(z.object({ ms: z.number() })),
    async ({ ms }) => { await new Promise((r) => setTimeout(r, ms)); })] }),
  { env: { PORT: "0", LOG_LEVEL: "silent", SHUTDOWN_GRACE_MS: "3000", PUBSUB_EMULATOR_HOST: "127.0.0.1:1" } });
console.log("PORT " + running.port);
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", () => reject(new Error(`child exited: ${out}`)));
  });
  return { port, child, exited };
}

/** A push of 1.5 s in flight, then `signals` SIGTERMs 200 ms apart: its status and the exit code. */
async function pushThenSigterm(signals: number) {
  const { port, child, exited } = await childService();
  const inFlight = statusOf(fetch(`http://127.0.0.1:${port}/`, pushRequest({ ms: 1_500 })));
  for (let i = 0; i < signals; i += 1) {
    await sleep(200);
    child.kill("SIGTERM");
  }
  return { status: await inFlight, code: await exited };
}

describe("review: a second SIGTERM", () => {
  it("one SIGTERM: the push in flight gets its 204 and the process exits 0", async () => {
    expect(await pushThenSigterm(1)).toEqual({ status: 204, code: 0 });
  }, 30_000);

  // Was a hole: with process.once a second SIGTERM found no listener and Node's default ended the
  // process at once, cutting the pushes the grace was finishing. The listener stays while stopping.
  it("a push in flight still gets its 204 when SIGTERM comes twice", async () => {
    expect(await pushThenSigterm(2)).toEqual({ status: 204, code: 0 });
  }, 30_000);
});
