import { createPublicKey, verify } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOSTILE_IAP_KINDS, IAP_ISSUER, STANDIN_IAP_AUDIENCE } from "./assertion.js";
import { type IapStandin, startIapStandin } from "./standin.js";

let standin: IapStandin;
const NOW = Date.parse("2026-03-01T12:00:00Z");

beforeEach(async () => {
  standin = await startIapStandin({ now: () => NOW, maxAgeSeconds: 120 });
});
afterEach(async () => {
  await standin.close();
});

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header as string, "base64url").toString()),
    payload: JSON.parse(Buffer.from(payload as string, "base64url").toString()),
  };
}

async function jwks(): Promise<{ keys: Record<string, string>[] }> {
  const response = await fetch(standin.jwksUrl);
  expect(response.headers.get("cache-control")).toBe("public, max-age=120");
  return (await response.json()) as { keys: Record<string, string>[] };
}

describe("IAP stand-in", () => {
  it("serves two EC P-256 keys and mints ES256 assertions one of them verifies (JOSE r||s)", async () => {
    const { keys } = await jwks();
    expect(keys.map((k) => [k.kty, k.crv, k.alg, k.use])).toEqual([
      ["EC", "P-256", "ES256", "sig"],
      ["EC", "P-256", "ES256", "sig"],
    ]);
    const token = standin.mint({ email: "bob@acme.com" });
    const { header, payload } = decode(token);
    expect(header).toEqual({ alg: "ES256", typ: "JWT", kid: keys[0]?.kid });
    expect(payload).toMatchObject({
      email: "bob@acme.com",
      aud: STANDIN_IAP_AUDIENCE,
      iss: IAP_ISSUER,
      iat: NOW / 1000,
      exp: NOW / 1000 + 600,
    });
    const [h, p, s] = token.split(".") as [string, string, string];
    const signature = Buffer.from(s, "base64url");
    expect(signature).toHaveLength(64);
    const key = createPublicKey({ key: keys[0] as never, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, signature)).toBe(
      true,
    );
    expect(standin.fetches).toBe(1);
  });

  it("rotates: the next key signs, a fresh one is published, the retired one is gone", async () => {
    const [first, second] = standin.keys.map((k) => k.kid);
    const rotated = standin.rotate();
    expect(rotated).toMatchObject({ retired: first, signing: second });
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([second, rotated.next]);
    expect(decode(standin.mint()).header.kid).toBe(second);
    expect(standin.retiredKeys.map((k) => k.kid)).toEqual([first]);
  });

  it("fails or hangs the next fetches on demand", async () => {
    standin.fail({ status: 500, times: 1 });
    expect((await fetch(standin.jwksUrl)).status).toBe(500);
    expect((await fetch(standin.jwksUrl)).status).toBe(200);
    standin.fail({ hang: true });
    await expect(fetch(standin.jwksUrl, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    standin.clearFaults();
    expect((await fetch(standin.jwksUrl)).status).toBe(200);
  });

  it("makes every hostile kind, each a different token", () => {
    const hostile = standin.hostile({ email: "alice@acme.com" });
    expect(Object.keys(hostile).sort()).toEqual([...HOSTILE_IAP_KINDS].sort());
    expect(new Set(Object.values(hostile)).size).toBe(HOSTILE_IAP_KINDS.length);
    expect(decode(hostile["alg-none"]).header.alg).toBe("none");
    expect(hostile["alg-none"].endsWith(".")).toBe(true);
    expect(decode(hostile["hs256-public-key"]).header.alg).toBe("HS256");
    expect(decode(hostile.expired).payload.exp).toBeLessThan(NOW / 1000);
  });

  it("mints over HTTP for another process", async () => {
    const response = await fetch(`${standin.url}/__standin/assertion`, {
      method: "POST",
      body: JSON.stringify({ email: "carol@acme.com" }),
    });
    expect(decode(await response.text()).payload.email).toBe("carol@acme.com");
  });
});
