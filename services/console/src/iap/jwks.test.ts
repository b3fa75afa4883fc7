// The key cache against the IAP stand-in over HTTP: max-age, rotation, unknown kids, concurrency, and
// a key endpoint that fails or hangs.
import { type IapStandin, startIapStandin } from "@riposte/standins";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheSeconds, createJwks, JwksUnavailableError, parseJwks } from "./jwks.js";

let standin: IapStandin;
let clock = Date.parse("2026-03-01T12:00:00Z");
const now = () => clock;

beforeEach(async () => {
  standin = await startIapStandin({ maxAgeSeconds: 300, now });
});
afterEach(async () => {
  await standin.close();
});

const jwksFor = (options: { timeoutMs?: number } = {}) =>
  createJwks({ url: standin.jwksUrl, now, ...options });

describe("IAP key set", () => {
  it("fetches once and keeps the keys for the answer's max-age", async () => {
    const jwks = jwksFor();
    const [first, second] = standin.keys;
    expect(await jwks.keyFor(first?.kid as string)).toBeDefined();
    expect(await jwks.keyFor(second?.kid as string)).toBeDefined();
    clock += 299_000;
    await jwks.keyFor(first?.kid as string);
    expect(standin.fetches).toBe(1);
    clock += 2_000;
    await jwks.keyFor(first?.kid as string);
    expect(standin.fetches).toBe(2);
  });

  it("follows a rotation: a kid it does not hold refetches the set", async () => {
    const jwks = jwksFor();
    await jwks.keyFor(standin.keys[0]?.kid as string);
    standin.rotate();
    const { signing } = standin.rotate(); // neither of the two keys it holds signs now
    clock += 61_000;
    expect(await jwks.keyFor(signing)).toBeDefined();
    expect(standin.fetches).toBe(2);
  });

  it("refetches for unknown kids at most once a minute, however many come at once", async () => {
    const jwks = jwksFor();
    await jwks.keyFor(standin.keys[0]?.kid as string);
    clock += 61_000;
    const kids = Array.from({ length: 100 }, (_, i) => `made-up-${i}`);
    expect(await Promise.all(kids.map((kid) => jwks.keyFor(kid)))).toEqual(kids.map(() => undefined));
    expect(standin.fetches).toBe(2);
    clock += 59_000;
    expect(await jwks.keyFor("made-up-again")).toBeUndefined();
    expect(standin.fetches).toBe(2);
    clock += 2_000;
    await jwks.keyFor("made-up-again");
    expect(standin.fetches).toBe(3);
  });

  it("shares one fetch between concurrent first requests", async () => {
    const jwks = jwksFor();
    const kid = standin.keys[0]?.kid as string;
    const found = await Promise.all(Array.from({ length: 20 }, () => jwks.keyFor(kid)));
    expect(found.every(Boolean)).toBe(true);
    expect(standin.fetches).toBe(1);
  });

  it("a failing key endpoint is JwksUnavailableError, and the next request fetches again", async () => {
    const jwks = jwksFor();
    standin.fail({ status: 500, times: 2 });
    await expect(jwks.keyFor("any")).rejects.toThrow(JwksUnavailableError);
    await expect(jwks.keyFor("any")).rejects.toThrow(/HTTP 500/);
    expect(await jwks.keyFor(standin.keys[0]?.kid as string)).toBeDefined();
    expect(standin.fetches).toBe(3);
  });

  it("a hanging key endpoint is JwksUnavailableError within the bound, not a hung request", async () => {
    const jwks = jwksFor({ timeoutMs: 300 });
    standin.fail({ hang: true });
    const started = performance.now();
    await expect(jwks.keyFor("any")).rejects.toThrow(/cannot fetch IAP's keys: .*timed out after 300 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("an answer that is not a key set of ES256 keys is JwksUnavailableError", async () => {
    const jwks = jwksFor();
    for (const body of [
      "<html>",
      '{"keys": "none"}',
      '{"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]}',
      '{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k", "x": "AAAA", "y": "AAAA"}]}',
    ]) {
      standin.fail({ body, times: 1 });
      await expect(jwks.keyFor("k")).rejects.toThrow(JwksUnavailableError);
    }
  });

  it("keeps only P-256 ES256 signing keys, and a __proto__ kid is just a name", () => {
    const good = standin.keys[0]?.jwk as Record<string, string>;
    const keys = parseJwks({
      keys: [
        { ...good, kid: "__proto__" },
        { ...good, kid: "enc", use: "enc" },
        { ...good, kid: "rs", alg: "RS256" },
        { ...good, kid: "p384", crv: "P-384" },
      ],
    });
    expect([...keys.keys()]).toEqual(["__proto__"]);
  });

  it("keeps an answer for max-age less its Age, between a minute and a day", () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    expect(cacheSeconds(headers({ "cache-control": "public, max-age=3600", age: "600" }), 300)).toBe(3000);
    expect(cacheSeconds(headers({}), 300)).toBe(300);
    expect(cacheSeconds(headers({ "cache-control": "no-cache, max-age=0" }), 300)).toBe(60);
    expect(cacheSeconds(headers({ "cache-control": "max-age=99999999" }), 300)).toBe(86_400);
  });
});
