// Cross-site request forgery: a page on another site must never make a signed-in person's browser
// approve, deny or extend anything. Three independent checks, each enough alone against a plain
// cross-site form; every POST passes all three or is refused with 403 before anything is read:
//   1. where it comes from: Origin names this console (or, without Origin, Sec-Fetch-Site is
//      same-origin); another site, `null` (sandboxed frames) or neither header is refused;
//   2. a double-submit cookie: a random session value (HttpOnly, SameSite=Strict, so no other site's
//      request carries it) that the form must match;
//   3. the form's token is an HMAC of that cookie, the actor and the time it was issued, keyed with the
//      console's secret: a token made for someone else, for another cookie or more than
//      TOKEN_MAX_AGE_MS ago is refused, and without the secret none can be made.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";

export const CSRF_COOKIE = "riposte_csrf";
export const CSRF_FIELD = "_csrf";
/** A form older than this (a tab left open overnight) is refused: reload the page. */
export const TOKEN_MAX_AGE_MS = 12 * 3_600_000;
const CLOCK_SKEW_MS = 60_000;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;
const TOKEN = /^([0-9]{10,13})\.([A-Za-z0-9_-]{43})$/;

export interface CsrfKeys {
  /** HMAC key of tokens (and of the flash cookie). Every instance that serves a form must share it. */
  secret: Uint8Array;
  /** Origins allowed to POST besides the request's own host, e.g. a load balancer's `https://name`. */
  origins?: readonly string[];
  now?: () => number;
}

/** Served over TLS (directly, or by Cloud Run's or a load balancer's front end): cookies get Secure. */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

function mac(secret: Uint8Array, parts: readonly string[]): string {
  return createHmac("sha256", secret).update(parts.join("\0"), "utf8").digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The session's cookie value, set now when the browser has none (or a malformed one). */
export function csrfCookie(c: Context): string {
  const current = getCookie(c, CSRF_COOKIE);
  if (current !== undefined && COOKIE_VALUE.test(current)) return current;
  const value = randomBytes(32).toString("base64url");
  setCookie(c, CSRF_COOKIE, value, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: isHttps(c),
  });
  return value;
}

/** The token the page's forms carry, for this actor and this browser's cookie. */
export function csrfToken(keys: CsrfKeys, identity: string, cookie: string): string {
  const issued = String((keys.now ?? Date.now)());
  return `${issued}.${mac(keys.secret, ["riposte-console-csrf", identity, cookie, issued])}`;
}

/** Why the request may not come from this console's own pages, or undefined when it does. */
export function originProblem(c: Context, origins: readonly string[] = []): string | undefined {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin")
    return `the request came from another site (Sec-Fetch-Site: ${site.slice(0, 40)})`;
  const origin = c.req.header("origin");
  if (origin === undefined)
    return site === "same-origin" ? undefined : "the request says neither where it came from nor its site";
  if (origins.includes(origin)) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return "the request's Origin is not a URL";
  }
  return origin !== "null" && host !== "" && host === c.req.header("host")
    ? undefined
    : "the request came from another origin";
}

/**
 * Why this POST must be refused (checks 1–3 of the header), or undefined when it is this actor's own,
 * from one of this console's pages. `token` is the submitted form field.
 */
export function csrfProblem(
  c: Context,
  keys: CsrfKeys,
  identity: string,
  token: unknown,
): string | undefined {
  const origin = originProblem(c, keys.origins);
  if (origin) return origin;
  const cookie = getCookie(c, CSRF_COOKIE);
  if (cookie === undefined || !COOKIE_VALUE.test(cookie))
    return "the form's session cookie is missing (cookies blocked, or the page was not loaded first)";
  const match = typeof token === "string" ? TOKEN.exec(token) : null;
  if (!match) return "the form carries no valid token";
  const issued = match[1] as string;
  const age = (keys.now ?? Date.now)() - Number(issued);
  if (age > TOKEN_MAX_AGE_MS || age < -CLOCK_SKEW_MS) return "the form has expired: reload the page";
  const expected = mac(keys.secret, ["riposte-console-csrf", identity, cookie, issued]);
  return sameText(expected, match[2] as string)
    ? undefined
    : "the form's token is not this session's (reload the page)";
}
