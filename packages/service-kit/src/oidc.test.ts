import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOidcAuthenticator, type PushAuthenticator } from "./oidc.js";

// A local issuer: a key pair, and its public half served as a JWKS over HTTP like Google's.
let server: Server;
let jwksRequests = 0;
let privateKey: CryptoKey;
let authenticator: PushAuthenticator;
const AUDIENCE = "https://pod-killer-abc.run.app/";
const PUSHER = "pubsub-push@riposte.iam.gserviceaccount.com";

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  server = createServer((_, res) => {
    jwksRequests += 1;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  authenticator = createOidcAuthenticator({
    audience: AUDIENCE,
    allowedEmails: [PUSHER],
    jwksUrl: `http://127.0.0.1:${port}/certs`,
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function token(
  claims: Record<string, unknown> = {},
  options: { key?: CryptoKey; expiresAt?: number | string; audience?: string } = {},
) {
  return new SignJWT({ email: PUSHER, email_verified: true, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer("https://accounts.google.com")
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 10)
    .setExpirationTime(options.expiresAt ?? "5m")
    .sign(options.key ?? privateKey);
}

describe("OIDC push authentication", () => {
  it("accepts a valid token and fetches the key set once", async () => {
    for (let i = 0; i < 3; i += 1) {
      expect(await authenticator.authenticate(`Bearer ${await token()}`)).toEqual({
        ok: true,
        email: PUSHER,
      });
    }
    expect(jwksRequests).toBe(1);
  });

  it("rejects a missing or malformed header with 401", async () => {
    expect(await authenticator.authenticate(undefined)).toMatchObject({ ok: false, status: 401 });
    expect(await authenticator.authenticate("Basic abc")).toMatchObject({ ok: false, status: 401 });
  });

  it("rejects a forged signature with 401", async () => {
    const other = await generateKeyPair("RS256");
    expect(await authenticator.authenticate(`Bearer ${await token({}, { key: other.privateKey })}`)).toEqual({
      ok: false,
      status: 401,
      reason: "token signature is invalid",
    });
  });

  it("rejects an expired token with 401", async () => {
    const expired = await token({}, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    expect(await authenticator.authenticate(`Bearer ${expired}`)).toEqual({
      ok: false,
      status: 401,
      reason: "token expired",
    });
  });

  it("rejects a wrong audience with 401 naming the claim", async () => {
    const result = await authenticator.authenticate(
      `Bearer ${await token({}, { audience: "https://elsewhere/" })}`,
    );
    expect(result).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining("aud") });
  });

  it("rejects a service account that is not allowed with 403", async () => {
    const result = await authenticator.authenticate(
      `Bearer ${await token({ email: "intruder@evil.iam.gserviceaccount.com" })}`,
    );
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      reason: expect.stringContaining("not an allowed"),
    });
  });

  it("rejects an unverified email with 403", async () => {
    const result = await authenticator.authenticate(`Bearer ${await token({ email_verified: false })}`);
    expect(result).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining("not verified") });
  });
});
