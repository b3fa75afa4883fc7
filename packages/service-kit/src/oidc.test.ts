import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonMessageDecoder } from "./decode.js";
import { createSilentLogger } from "./log.js";
import { createOidcAuthenticator, type PushAuthenticator } from "./oidc.js";
import { createMemoryPublisher } from "./publisher.js";
import { createPushApp, pushRoute } from "./push.js";
import { pushRequest } from "./testing/envelope.js";

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

/** A JWKS endpoint whose keys can rotate and which can go down, counting the fetches it answers. */
async function startIssuer(keys: JWK[]) {
  const state = { keys, down: false, fetches: 0 };
  const issuer = createServer((_, res) => {
    state.fetches += 1;
    if (state.down) res.writeHead(500).end("unavailable");
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => issuer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/certs`;
  const close = () => new Promise<void>((resolve) => issuer.close(() => resolve()));
  return { state, url, close };
}

async function signingKey(kid: string) {
  const pair = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
  return { ...pair, jwk, kid };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({
  iss: "https://accounts.google.com",
  aud: AUDIENCE,
  email: PUSHER,
  email_verified: true,
  iat: now() - 10,
  exp: now() + 300,
});

describe("OIDC push authentication refuses what an attacker can forge", () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let k1: Awaited<ReturnType<typeof signingKey>>;
  let auth: PushAuthenticator;
  beforeAll(async () => {
    k1 = await signingKey("k1");
    issuer = await startIssuer([k1.jwk]);
    auth = createOidcAuthenticator({ audience: AUDIENCE, allowedEmails: [PUSHER], jwksUrl: issuer.url });
  });
  afterAll(() => issuer.close());

  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1", ...header }).sign(k1.privateKey);

  it("accepts a well-formed token (the baseline the others change one thing of)", async () => {
    expect(await auth.authenticate(`Bearer ${await sign(validClaims())}`)).toEqual({
      ok: true,
      email: PUSHER,
    });
  });

  it("a wrong issuer → 401", async () => {
    const token = await sign({ ...validClaims(), iss: "https://evil.example" });
    expect(await auth.authenticate(`Bearer ${token}`)).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringContaining("iss"),
    });
  });

  it("alg: none (no signature at all) → 401", async () => {
    const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(validClaims())}.`;
    expect(await auth.authenticate(`Bearer ${token}`)).toMatchObject({ ok: false, status: 401 });
  });

  it("HS256 signed with the RSA public key as the HMAC secret → 401", async () => {
    const secret = new TextEncoder().encode(await exportSPKI(k1.publicKey));
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .sign(secret);
    expect(await auth.authenticate(`Bearer ${token}`)).toMatchObject({ ok: false, status: 401 });
  });

  it("a token without exp (it would never expire) → 401", async () => {
    const { exp: _, ...claims } = validClaims();
    expect(await auth.authenticate(`Bearer ${await sign(claims)}`)).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringContaining("exp"),
    });
  });

  it("a token without iat → 401", async () => {
    const { iat: _, ...claims } = validClaims();
    expect(await auth.authenticate(`Bearer ${await sign(claims)}`)).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringContaining("iat"),
    });
  });
});

describe("OIDC key set: rotation and outages", () => {
  it("an unknown kid refetches the key set once: a rotated-in key is accepted, a still-unknown kid → 401", async () => {
    const k1 = await signingKey("k1");
    const k2 = await signingKey("k2");
    const issuer = await startIssuer([k1.jwk]);
    try {
      const auth = createOidcAuthenticator({
        audience: AUDIENCE,
        allowedEmails: [PUSHER],
        jwksUrl: issuer.url,
        keyRefetchCooldownMs: 0,
      });
      const sign = (key: typeof k1, kid = key.kid) =>
        new SignJWT(validClaims()).setProtectedHeader({ alg: "RS256", kid }).sign(key.privateKey);
      expect(await auth.authenticate(`Bearer ${await sign(k1)}`)).toMatchObject({ ok: true });
      expect(issuer.state.fetches).toBe(1);

      issuer.state.keys = [k1.jwk, k2.jwk]; // Google publishes the new key, then signs with it
      expect(await auth.authenticate(`Bearer ${await sign(k2)}`)).toMatchObject({ ok: true });
      expect(issuer.state.fetches).toBe(2);

      expect(await auth.authenticate(`Bearer ${await sign(k2, "k3")}`)).toMatchObject({
        ok: false,
        status: 401,
      });
      expect(issuer.state.fetches).toBe(3);
    } finally {
      await issuer.close();
    }
  });

  it("the key set endpoint failing → 503 (Pub/Sub retries; a Google outage is not a bad token)", async () => {
    const k1 = await signingKey("k1");
    const issuer = await startIssuer([k1.jwk]);
    try {
      issuer.state.down = true;
      const auth = createOidcAuthenticator({
        audience: AUDIENCE,
        allowedEmails: [PUSHER],
        jwksUrl: issuer.url,
      });
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .sign(k1.privateKey);
      expect(await auth.authenticate(`Bearer ${token}`)).toMatchObject({
        ok: false,
        status: 503,
        reason: expect.stringContaining("key"),
      });
    } finally {
      await issuer.close();
    }
  });

  it("a push app answers the push with that 503, and never runs the handler", async () => {
    const k1 = await signingKey("k1");
    const issuer = await startIssuer([k1.jwk]);
    try {
      issuer.state.down = true;
      let handled = 0;
      const publisher = createMemoryPublisher();
      const app = createPushApp({
        service: "test",
        publisher,
        logger: createSilentLogger(),
        authenticator: createOidcAuthenticator({
          audience: AUDIENCE,
          allowedEmails: [PUSHER],
          jwksUrl: issuer.url,
        }),
        routes: [
          pushRoute("/", jsonMessageDecoder(z.object({})), async () => {
            handled += 1;
          }),
        ],
      });
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .sign(k1.privateKey);
      const response = await app.request(
        "/",
        pushRequest({}, {}, { headers: { authorization: `Bearer ${token}` } }),
      );
      expect(response.status).toBe(503);
      expect(handled).toBe(0);
      expect(publisher.published).toHaveLength(0);
    } finally {
      await issuer.close();
    }
  });

  it("the key set endpoint unreachable → 503", async () => {
    const k1 = await signingKey("k1");
    const issuer = await startIssuer([k1.jwk]);
    await issuer.close(); // nobody listens on that port any more
    const auth = createOidcAuthenticator({
      audience: AUDIENCE,
      allowedEmails: [PUSHER],
      jwksUrl: issuer.url,
    });
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(k1.privateKey);
    expect(await auth.authenticate(`Bearer ${token}`)).toMatchObject({ ok: false, status: 503 });
  });
});
