// The console's authentication as a hono app sees it: IAP's assertions (valid, hostile, for another
// audience), a key endpoint that fails or hangs, the paths that authenticate themselves, none-local.

import { ConfigError } from "@riposte/service-kit";
import { HOSTILE_IAP_KINDS, type IapStandin, STANDIN_IAP_AUDIENCE, startIapStandin } from "@riposte/standins";
import { Hono, type MiddlewareHandler } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { consoleAuthentication } from "./authentication.js";
import type { ConsoleAuthConfig } from "./config.js";
import { actorOf, type ConsoleAuthEnv, IAP_ASSERTION_HEADER } from "./middleware.js";

let standin: IapStandin;
beforeAll(async () => {
  standin = await startIapStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => standin.clearFaults());

const iapConfig = (): ConsoleAuthConfig => ({
  CONSOLE_AUTHENTICATION: "iap",
  IAP_AUDIENCE: STANDIN_IAP_AUDIENCE,
  IAP_JWKS_URL: standin.jwksUrl,
  K_SERVICE: undefined,
});

/** A stand-in for the console's routes: each records that it ran. */
function appWith(auth: MiddlewareHandler<ConsoleAuthEnv>) {
  const reached: string[] = [];
  const app = new Hono<ConsoleAuthEnv>();
  app.use(auth);
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/approvals", (c) => {
    reached.push("approvals");
    return c.json(actorOf(c));
  });
  // Look-alikes of the paths outside IAP: pages like any other.
  for (const path of ["/slack-admin", "/scheduled-exports"])
    app.get(path, (c) => {
      reached.push(path);
      return c.text("a page");
    });
  app.post("/slack/interactions", (c) => {
    reached.push("slack");
    return c.text("slack checks its own signature");
  });
  app.post("/scheduled/approvals", (c) => {
    reached.push("scheduled");
    return c.text("scheduled checks its own OIDC token");
  });
  return { app, reached };
}

const withAssertion = (token: string) => ({ headers: { [IAP_ASSERTION_HEADER]: token } });

describe("iap", () => {
  it("acts as the assertion's user:EMAIL", async () => {
    const { app } = appWith(consoleAuthentication(iapConfig()));
    const response = await app.request("/approvals", withAssertion(standin.mint({ email: "Bob@Acme.com" })));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      kind: "iap",
      identity: "user:bob@acme.com",
      email: "bob@acme.com",
      local: false,
    });
  });

  it.each(HOSTILE_IAP_KINDS)(
    "answers 401 with the reason to the hostile assertion %s, and no page runs",
    async (kind) => {
      const { app, reached } = appWith(consoleAuthentication(iapConfig()));
      const response = await app.request("/approvals", withAssertion(standin.hostile()[kind]));
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/^Not authenticated: .+\.$/);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(reached).toEqual([]);
    },
  );

  it("answers 401 to a valid assertion for another audience, a retired key, or none at all", async () => {
    const { app, reached } = appWith(consoleAuthentication(iapConfig()));
    const other = standin.mint({ aud: "/projects/123456789012/global/backendServices/1111111111111111111" });
    expect((await app.request("/approvals", withAssertion(other))).status).toBe(401);
    const missing = await app.request("/approvals");
    expect(missing.status).toBe(401);
    expect(await missing.text()).toMatch(/did not come through IAP/);
    // IAP's unsigned headers are what an attacker who bypassed IAP would forge.
    const unsigned = { headers: { "x-goog-authenticated-user-email": "accounts.google.com:alice@acme.com" } };
    expect((await app.request("/approvals", unsigned)).status).toBe(401);
    expect(reached).toEqual([]);
    // A key withdrawn from the set (this instance fetched the set after the withdrawal).
    const retiredKey = standin.keys[0];
    standin.rotate();
    standin.rotate();
    const fresh = appWith(consoleAuthentication(iapConfig()));
    const retired = standin.mint({}, { key: retiredKey });
    expect(await (await fresh.app.request("/approvals", withAssertion(retired))).text()).toMatch(
      /not in IAP's key set/,
    );
    expect(fresh.reached).toEqual([]);
  });

  it("answers 503 within the bound when IAP's keys hang, and when they fail", async () => {
    const { app, reached } = appWith(consoleAuthentication(iapConfig(), { jwksTimeoutMs: 300 }));
    standin.fail({ hang: true, times: 1 });
    const started = performance.now();
    const hung = await app.request("/approvals", withAssertion(standin.mint()));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(hung.status).toBe(503);
    expect(await hung.text()).toMatch(
      /^Cannot check who you are right now \(cannot fetch IAP's keys: .*timed out/,
    );
    expect(hung.headers.get("retry-after")).toBe("5");
    standin.fail({ status: 500, times: 1 });
    expect((await app.request("/approvals", withAssertion(standin.mint()))).status).toBe(503);
    expect(reached).toEqual([]);
    expect((await app.request("/approvals", withAssertion(standin.mint()))).status).toBe(200);
  });

  it("lets Slack's and the scheduled paths through to authenticate themselves, and only those", async () => {
    const { app, reached } = appWith(consoleAuthentication(iapConfig()));
    expect((await app.request("/slack/interactions", { method: "POST" })).status).toBe(200);
    expect((await app.request("/scheduled/approvals", { method: "POST" })).status).toBe(200);
    expect(await (await app.request("/healthz")).text()).toBe("ok");
    expect(reached).toEqual(["slack", "scheduled"]);
    reached.length = 0;
    for (const path of [
      "/slack",
      "/slack-admin",
      "/scheduled-exports",
      "/Slack/interactions",
      "/scheduled",
      "/slack/%2e%2e/approvals",
      "/slack/..%2Fapprovals",
      "/scheduled/../approvals",
      "/healthz/../approvals",
    ])
      expect([401, 404], path).toContain((await app.request(path)).status);
    expect((await app.request("/healthz", { method: "POST" })).status).toBe(401);
    expect(reached).toEqual([]);
  });
});

describe("none-local", () => {
  const local = () =>
    consoleAuthentication(
      { ...iapConfig(), CONSOLE_AUTHENTICATION: "none-local", IAP_AUDIENCE: undefined },
      { osUser: "tester" },
    );

  it("acts as local:<OS user> with the banner's flag set", async () => {
    const { app } = appWith(local());
    expect(await (await app.request("http://127.0.0.1:8089/approvals")).json()).toEqual({
      kind: "local",
      identity: "local:tester",
      local: true,
    });
    expect((await app.request("http://localhost:8089/approvals")).status).toBe(200);
  });

  it("answers only this machine under its own name (another host, a rebound name, a LAN peer)", async () => {
    const { app, reached } = appWith(local());
    expect((await app.request("http://evil.example/approvals")).status).toBe(403);
    expect((await app.request("http://127.0.0.1.nip.io/approvals")).status).toBe(403);
    const peer = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
    expect((await app.request("http://127.0.0.1/approvals", {}, peer("192.168.1.20"))).status).toBe(403);
    expect(reached).toEqual([]);
    expect((await app.request("http://127.0.0.1/approvals", {}, peer("::ffff:127.0.0.1"))).status).toBe(200);
    expect((await app.request("http://127.0.0.1/approvals", {}, peer("::1"))).status).toBe(200);
  });

  it("is refused on Cloud Run (K_SERVICE set), and iap without an audience is refused", () => {
    expect(() =>
      consoleAuthentication({ ...iapConfig(), CONSOLE_AUTHENTICATION: "none-local", K_SERVICE: "console" }),
    ).toThrow(/none-local is refused on Cloud Run/);
    expect(() => consoleAuthentication({ ...iapConfig(), IAP_AUDIENCE: undefined })).toThrow(ConfigError);
    expect(() => consoleAuthentication({ ...iapConfig(), K_SERVICE: "console" })).toThrow(/must be https/);
  });
});
