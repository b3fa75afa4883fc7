// OIDC on a running service: tokens signed by a local key, published in a local JWKS the service is
// pointed at (PUSH_AUTH_JWKS_URL), pushed over real HTTP the way Pub/Sub's authenticated push does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pushEnvelope } from "@riposte/service-kit/testing";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

const PUSHER = "riposte-pubsub-push@proj.iam.gserviceaccount.com";
let jwks: Server;
let key: CryptoKey;
let pipeline: Pipeline;
let audience: string;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "local", alg: "RS256", use: "sig" };
  jwks = createServer((_, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
  audience = "https://router-riposte.a.run.app/";
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router"],
    env: {
      router: { PUSH_AUTH_AUDIENCE: audience, PUSH_AUTH_ALLOWED_EMAILS: PUSHER, PUSH_AUTH_JWKS_URL: jwksUrl },
    },
  });
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
  await new Promise<void>((resolve) => jwks?.close(() => resolve()));
});

async function token(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; aud?: string; exp?: number | string } = {},
) {
  return new SignJWT({ email: PUSHER, email_verified: true, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "local" })
    .setIssuer("https://accounts.google.com")
    .setAudience(options.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "10m")
    .sign(options.key ?? key);
}

async function push(authorization?: string) {
  const response = await fetch(`http://127.0.0.1:${pipeline.ports.router}/`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(pushEnvelope(freshAlert("modern-terminal-shell.json").json)),
  });
  return response.status;
}

describe("OIDC-authenticated push on a running service", { timeout: 30_000 }, () => {
  it("a valid token from the push service account → 204", async () => {
    expect(await push(`Bearer ${await token({})}`)).toBe(204);
  });

  it.each([
    ["no token", async () => undefined, 401],
    [
      "a forged signature",
      async () => `Bearer ${await token({}, { key: (await generateKeyPair("RS256")).privateKey })}`,
      401,
    ],
    [
      "an expired token",
      async () => `Bearer ${await token({}, { exp: Math.floor(Date.now() / 1000) - 120 })}`,
      401,
    ],
    ["a wrong audience", async () => `Bearer ${await token({}, { aud: "https://elsewhere.run.app/" })}`, 401],
    [
      "a wrong email",
      async () => `Bearer ${await token({ email: "attacker@evil.iam.gserviceaccount.com" })}`,
      403,
    ],
    ["an unverified email", async () => `Bearer ${await token({ email_verified: false })}`, 403],
    [
      "a token without exp (valid forever)",
      async () =>
        `Bearer ${await new SignJWT({ email: PUSHER, email_verified: true })
          .setProtectedHeader({ alg: "RS256", kid: "local" })
          .setIssuer("https://accounts.google.com")
          .setAudience(audience)
          .setIssuedAt()
          .sign(key)}`,
      401,
    ],
  ])("%s → %i, never acked", async (_, header, status) => {
    expect(await push(await header())).toBe(status);
  });
});
