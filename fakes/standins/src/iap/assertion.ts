// Minting the JWT that Identity-Aware Proxy puts in `x-goog-iap-jwt-assertion`: ES256 over P-256, the
// signature in JOSE form (r||s, 64 bytes), a `kid` naming the key in IAP's JWKS. Also every hostile
// shape a verifier must refuse, so tests attack it with real tokens rather than hand-edited strings.
import { createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

export const IAP_ISSUER = "https://cloud.google.com/iap";
/** An audience of the backend-service form (`/projects/NUMBER/global/backendServices/ID`). */
export const STANDIN_IAP_AUDIENCE = "/projects/123456789012/global/backendServices/4242424242424242424";
/** IAP's assertions live 10 minutes. */
export const IAP_ASSERTION_LIFETIME_SECONDS = 600;

/** One signing key: its private half and the public JWK the JWKS serves. */
export interface IapSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `{kty: "EC", crv: "P-256", x, y, kid, alg: "ES256", use: "sig"}`, as gstatic serves it. */
  jwk: Record<string, string>;
}

let keyCounter = 0;

export function generateIapKey(kid = `standin-iap-${process.pid}-${++keyCounter}`): IapSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const exported = publicKey.export({ format: "jwk" });
  const jwk = {
    kty: String(exported.kty),
    crv: String(exported.crv),
    x: String(exported.x),
    y: String(exported.y),
    kid,
    alg: "ES256",
    use: "sig",
  };
  return { kid, privateKey, publicKey, jwk };
}

/** The claims of an assertion; unset ones get IAP's usual values. */
export interface IapClaims {
  email?: string;
  /** IAP's form is `accounts.google.com:<numeric id>`. */
  sub?: string;
  aud?: string;
  iss?: string;
  /** Seconds since the epoch. Default: now. */
  iat?: number;
  /** Seconds since the epoch. Default: iat + 600. */
  exp?: number;
  /** Anything else (hd, google.access_levels, or hostile extras such as `__proto__`). */
  extra?: Record<string, unknown>;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** The payload as IAP writes it; `omit` drops claims entirely (for "missing claim" attacks). */
export function iapPayload(
  claims: IapClaims,
  nowMs: number,
  omit: readonly string[] = [],
): Record<string, unknown> {
  const iat = claims.iat ?? Math.floor(nowMs / 1000);
  const payload: Record<string, unknown> = {
    aud: claims.aud ?? STANDIN_IAP_AUDIENCE,
    email: claims.email ?? "alice@acme.com",
    exp: claims.exp ?? iat + IAP_ASSERTION_LIFETIME_SECONDS,
    iat,
    iss: claims.iss ?? IAP_ISSUER,
    sub: claims.sub ?? "accounts.google.com:104857600000000000001",
    ...claims.extra,
  };
  for (const name of omit) delete payload[name];
  return payload;
}

/** A signed ES256 assertion; `encoding: "der"` signs with the DER form instead (a strict verifier refuses it). */
export function signIapAssertion(
  key: Pick<IapSigningKey, "kid" | "privateKey">,
  payload: Record<string, unknown>,
  options: { encoding?: "ieee-p1363" | "der"; header?: Record<string, unknown> } = {},
): string {
  const header = { alg: "ES256", typ: "JWT", kid: key.kid, ...options.header };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(input), {
    key: key.privateKey,
    dsaEncoding: options.encoding ?? "ieee-p1363",
  });
  return `${input}.${b64url(signature)}`;
}

/** The shapes of a forged or unusable assertion a verifier must refuse (each with a reason of its own). */
export const HOSTILE_IAP_KINDS = [
  "alg-none",
  "hs256-public-key",
  "unknown-kid",
  "forged-known-kid",
  "der-signature",
  "expired",
  "issued-in-future",
  "too-long-lived",
  "wrong-aud",
  "wrong-iss",
  "no-email",
  "no-exp",
  "tampered-payload",
] as const;
export type HostileIapKind = (typeof HOSTILE_IAP_KINDS)[number];

/**
 * Every hostile assertion at once, built from `claims` (which are otherwise valid) and the JWKS's
 * current `key`: the attacker knows the public key and kid, not the private key.
 */
export function hostileIapAssertions(
  key: IapSigningKey,
  claims: IapClaims,
  nowMs: number,
): Record<HostileIapKind, string> {
  const now = Math.floor(nowMs / 1000);
  const good = iapPayload(claims, nowMs);
  const stranger = generateIapKey(`${key.kid}-stranger`);
  const unsigned = (header: Record<string, unknown>) =>
    `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(good))}`;
  // The classic confusion: HMAC keyed with the verifier's own public key, in the PEM a library would load.
  const publicPem = key.publicKey.export({ format: "pem", type: "spki" });
  const hsInput = unsigned({ alg: "HS256", typ: "JWT", kid: key.kid });
  const valid = signIapAssertion(key, good);
  const [validHeader, , validSignature] = valid.split(".");
  return {
    "alg-none": `${unsigned({ alg: "none", typ: "JWT", kid: key.kid })}.`,
    "hs256-public-key": `${hsInput}.${b64url(createHmac("sha256", publicPem).update(hsInput).digest())}`,
    "unknown-kid": signIapAssertion({ kid: "no-such-kid", privateKey: stranger.privateKey }, good),
    "forged-known-kid": signIapAssertion({ kid: key.kid, privateKey: stranger.privateKey }, good),
    "der-signature": signIapAssertion(key, good, { encoding: "der" }),
    expired: signIapAssertion(key, iapPayload({ ...claims, iat: now - 900, exp: now - 300 }, nowMs)),
    "issued-in-future": signIapAssertion(key, iapPayload({ ...claims, iat: now + 300 }, nowMs)),
    "too-long-lived": signIapAssertion(key, iapPayload({ ...claims, iat: now, exp: now + 86_400 }, nowMs)),
    "wrong-aud": signIapAssertion(
      key,
      iapPayload({ ...claims, aud: "/projects/999999999999/apps/someone-else" }, nowMs),
    ),
    "wrong-iss": signIapAssertion(key, iapPayload({ ...claims, iss: "https://accounts.google.com" }, nowMs)),
    "no-email": signIapAssertion(key, iapPayload(claims, nowMs, ["email"])),
    "no-exp": signIapAssertion(key, iapPayload(claims, nowMs, ["exp"])),
    // A valid signature over the real payload, spliced onto a payload naming someone else.
    "tampered-payload": `${validHeader}.${b64url(
      JSON.stringify({ ...good, email: "mallory@acme.com" }),
    )}.${validSignature}`,
  };
}
