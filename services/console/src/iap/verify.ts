// Verifies the JWT Identity-Aware Proxy signs into `x-goog-iap-jwt-assertion`, with node:crypto alone:
// IAP signs with ES256 only, so nothing else is accepted (no `none`, no HS256 keyed with a public key,
// no RSA), the signature must be JOSE's r||s (64 bytes, not DER), the kid must be in IAP's key set, and
// iss, aud, exp and iat are checked as Google's signed-headers guide says (30 s of clock skew).
import { type KeyObject, verify } from "node:crypto";
import { Email } from "@riposte/contracts";

export const IAP_ISSUER = "https://cloud.google.com/iap";
/** Google's allowance for clock skew on exp and iat. */
export const IAP_CLOCK_SKEW_SECONDS = 30;
/** IAP's assertions live 10 minutes; the guide bounds a token's lifetime at that plus twice the skew. */
export const IAP_MAX_LIFETIME_SECONDS = 600 + 2 * IAP_CLOCK_SKEW_SECONDS;
/** IAP's assertions are about 1 KB; anything far larger is not one (and is not parsed). */
const MAX_ASSERTION_CHARS = 8 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The assertion is missing, malformed, forged, expired or not for us: 401, with a reason a person reads. */
export class IapAssertionError extends Error {
  override readonly name = "IapAssertionError";
}

/** Who IAP says the request is from. */
export interface IapIdentity {
  /** `user:EMAIL`, normalised as contracts' Email does (the form approvers are listed in). */
  identity: `user:${string}`;
  email: string;
  /** IAP's stable user id, `accounts.google.com:<number>`, when present. */
  sub?: string;
}

export interface VerifyOptions {
  /** IAP_AUDIENCE: the assertion's `aud` must be exactly this. */
  audience: string;
  /** The public key of a kid, or undefined when the key set has none (may throw JwksUnavailableError). */
  keyFor(kid: string): Promise<KeyObject | undefined>;
  /** Now, ms since the epoch. */
  now: number;
}

/** A short, quoted rendering of an attacker's value for a reason (never the whole of it). */
function quoted(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new IapAssertionError(`the assertion's ${what} is not base64url JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new IapAssertionError(`the assertion's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

interface Parts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signedInput: Buffer;
  signature: Buffer;
}

function split(token: string): Parts {
  if (token.length > MAX_ASSERTION_CHARS)
    throw new IapAssertionError(`the assertion is longer than ${MAX_ASSERTION_CHARS} characters`);
  const parts = token.split(".");
  const [header = "", payload = "", signature = ""] = parts;
  // An empty signature (alg none's) passes here so that its refusal names the algorithm.
  if (
    parts.length !== 3 ||
    !BASE64URL.test(header) ||
    !BASE64URL.test(payload) ||
    !(signature === "" || BASE64URL.test(signature))
  )
    throw new IapAssertionError("the assertion is not a signed JWT (three base64url parts)");
  return {
    header: decodeJsonPart(header, "header"),
    payload: decodeJsonPart(payload, "payload"),
    signedInput: Buffer.from(`${header}.${payload}`, "ascii"),
    signature: Buffer.from(signature, "base64url"),
  };
}

/** ES256 in JOSE form is r||s, 32 bytes each; a DER signature (70–72 bytes) is not IAP's. */
function checkSignatureForm(signature: Buffer, token: string): void {
  if (signature.length !== 64 || !token.endsWith(`.${signature.toString("base64url")}`))
    throw new IapAssertionError("the signature is not an ES256 signature (64 bytes, r||s)");
}

/** alg and kid, before any key is looked up: the algorithm is ours to choose, never the token's. */
function checkHeader(header: Record<string, unknown>): string {
  if (header.alg !== "ES256")
    throw new IapAssertionError(`algorithm ${quoted(header.alg)} is refused: IAP signs with ES256 only`);
  // A critical extension we do not implement must not be ignored (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw new IapAssertionError("the assertion names critical extensions");
  const kid = header.kid;
  if (typeof kid !== "string" || kid.length === 0 || kid.length > 256)
    throw new IapAssertionError("the assertion names no key id (kid)");
  return kid;
}

function numericClaim(payload: Record<string, unknown>, name: "exp" | "iat"): number {
  const value = payload[name];
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new IapAssertionError(`the assertion has no numeric ${name} claim`);
  return value;
}

/** iss, aud, exp, iat and the lifetime between them. */
function checkClaims(payload: Record<string, unknown>, audience: string, nowMs: number): void {
  if (payload.iss !== IAP_ISSUER)
    throw new IapAssertionError(`issuer ${quoted(payload.iss)} is not ${IAP_ISSUER}`);
  // IAP's aud is one string; an array (or a near match) is not ours.
  if (payload.aud !== audience)
    throw new IapAssertionError(`the assertion is for audience ${quoted(payload.aud)}, not this console's`);
  const now = nowMs / 1000;
  const exp = numericClaim(payload, "exp");
  const iat = numericClaim(payload, "iat");
  if (exp <= now - IAP_CLOCK_SKEW_SECONDS)
    throw new IapAssertionError(`the assertion expired at ${new Date(exp * 1000).toISOString()}`);
  if (iat > now + IAP_CLOCK_SKEW_SECONDS)
    throw new IapAssertionError(
      `the assertion is issued in the future (${new Date(iat * 1000).toISOString()})`,
    );
  if (exp - iat > IAP_MAX_LIFETIME_SECONDS)
    throw new IapAssertionError(
      `the assertion lives ${exp - iat} s, longer than IAP's ${IAP_MAX_LIFETIME_SECONDS} s`,
    );
}

function identityOf(payload: Record<string, unknown>): IapIdentity {
  const email = Email.safeParse(payload.email);
  if (!email.success) throw new IapAssertionError("the assertion carries no usable email claim");
  const sub = typeof payload.sub === "string" && payload.sub.length <= 256 ? payload.sub : undefined;
  return { identity: `user:${email.data}`, email: email.data, ...(sub === undefined ? {} : { sub }) };
}

/**
 * The identity in a valid IAP assertion. Throws IapAssertionError (401) for anything else; a key set
 * that cannot be fetched surfaces as keyFor's own error (503), never as a refusal of the token.
 */
export async function verifyIapAssertion(
  token: string | undefined,
  options: VerifyOptions,
): Promise<IapIdentity> {
  const jwt = token?.trim() ?? "";
  if (jwt === "")
    throw new IapAssertionError("no x-goog-iap-jwt-assertion header: the request did not come through IAP");
  const { header, payload, signedInput, signature } = split(jwt);
  const kid = checkHeader(header);
  checkSignatureForm(signature, jwt);
  const key = await options.keyFor(kid);
  if (!key) throw new IapAssertionError(`key id ${quoted(kid)} is not in IAP's key set`);
  const valid = verify("sha256", signedInput, { key, dsaEncoding: "ieee-p1363" }, signature);
  if (!valid) throw new IapAssertionError("the assertion's signature does not verify");
  // Claims are read only once the signature says IAP wrote them.
  checkClaims(payload, options.audience, options.now);
  return identityOf(payload);
}
