// consoleAuthentication in a started service, over real HTTP: none-local with K_SERVICE set stops the
// start; none-local answers only requests addressed to this machine; iap behind the IAP stand-in.
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import {
  ConfigError,
  createPushApp,
  DEFAULT_RUNTIME,
  type RunningService,
  type ServiceDescriptor,
  startService,
} from "@riposte/service-kit";
import { type IapStandin, STANDIN_IAP_AUDIENCE, startIapStandin } from "@riposte/standins";
import type { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { consoleAuthentication } from "./authentication.js";
import { ConsoleAuthEnv } from "./config.js";
import { actorOf, IAP_ASSERTION_HEADER } from "./middleware.js";

const env = z.object(ConsoleAuthEnv);
const descriptor: ServiceDescriptor<typeof env> = {
  name: "console-auth-test",
  description: "consoleAuthentication wired as the console wires it",
  localPortOffset: 99,
  inputs: [],
  publishes: [],
  kubernetes: [],
  gcpRoles: [],
  env,
  runtime: DEFAULT_RUNTIME,
};

let running: RunningService | undefined;
let standin: IapStandin | undefined;
afterEach(async () => {
  await running?.stop();
  await standin?.close();
  running = undefined;
  standin = undefined;
});

function start(vars: Record<string, string>, jwksTimeoutMs?: number): Promise<RunningService> {
  return startService(
    descriptor,
    ({ config, push }) => {
      const app = createPushApp({ ...push, routes: [] }) as Hono;
      app.use(consoleAuthentication(config, jwksTimeoutMs === undefined ? {} : { jwksTimeoutMs }));
      app.get("/approvals", (c) => c.json(actorOf(c)));
      return app;
    },
    {
      env: { PORT: "0", LOG_LEVEL: "silent", PUBSUB_EMULATOR_HOST: "127.0.0.1:1", ...vars },
      exitOnSignal: false,
      exitOnStartupError: false,
    },
  );
}

/** GET with a Host header of our choosing (fetch may not set one). */
function get(
  port: number,
  headers: Record<string, string>,
  address = "127.0.0.1",
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path: "/approvals", headers }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("consoleAuthentication in a started console", () => {
  it("refuses to start none-local on Cloud Run (K_SERVICE set), with a message an operator can act on", async () => {
    const started = start({ CONSOLE_AUTHENTICATION: "none-local", K_SERVICE: "console" });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/CONSOLE_AUTHENTICATION: none-local is refused on Cloud Run/);
  });

  it("refuses to start iap without IAP_AUDIENCE, and with an audience that is not IAP's form", async () => {
    await expect(start({})).rejects.toThrow(/IAP_AUDIENCE: required with CONSOLE_AUTHENTICATION=iap/);
    await expect(start({ IAP_AUDIENCE: "https://console.example.com" })).rejects.toThrow(
      /IAP_AUDIENCE: expected IAP's signed-header audience/,
    );
  });

  it("none-local: local:<OS user> on 127.0.0.1, 403 under another Host name", async () => {
    running = await start({ CONSOLE_AUTHENTICATION: "none-local" });
    const local = await get(running.port, { host: `127.0.0.1:${running.port}` });
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toMatchObject({ kind: "local", local: true, identity: /^local:/ });
    expect((await get(running.port, { host: `localhost:${running.port}` })).status).toBe(200);
    expect((await get(running.port, { host: "attacker.example" })).status).toBe(403);
  });

  /** This machine's own address on a network (the peer is then not loopback), if it has one. */
  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4")?.address;

  it.skipIf(!lanAddress)(
    "none-local: 403 to a peer on the network, even naming 127.0.0.1 as Host",
    async () => {
      running = await start({ CONSOLE_AUTHENTICATION: "none-local" });
      const fromLan = await get(running.port, { host: `127.0.0.1:${running.port}` }, lanAddress);
      expect(fromLan).toEqual({
        status: 403,
        body: "This console runs without authentication and answers only this machine.",
      });
    },
  );

  it("iap: the assertion's user, 401 without one, 503 in bounded time when IAP's keys hang", async () => {
    standin = await startIapStandin();
    running = await start({ IAP_AUDIENCE: STANDIN_IAP_AUDIENCE, IAP_JWKS_URL: standin.jwksUrl }, 500);
    const host = `127.0.0.1:${running.port}`;
    expect((await get(running.port, { host })).status).toBe(401);
    standin.fail({ hang: true, times: 1 });
    const started = performance.now();
    expect((await get(running.port, { host, [IAP_ASSERTION_HEADER]: standin.mint() })).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2_000);
    const ok = await get(running.port, {
      host,
      [IAP_ASSERTION_HEADER]: standin.mint({ email: "c@acme.com" }),
    });
    expect(JSON.parse(ok.body)).toMatchObject({ identity: "user:c@acme.com" });
  });
});
