// IAP's public keys (https://www.gstatic.com/iap/verify/public_key-jwk), fetched once and kept for the
// response's Cache-Control max-age. A kid we do not hold refetches the set (Google rotated), at most once
// a minute, so made-up kids cannot turn into a flood of fetches. A fetch that fails, hangs past its
// bound or returns no usable key is a JwksUnavailableError: 503, an outage, never a refused person.
import { createPublicKey, type KeyObject } from "node:crypto";
import { withTimeout } from "@riposte/service-kit";

export const GOOGLE_IAP_JWKS_URL = "https://www.gstatic.com/iap/verify/public_key-jwk";

/** The keys to check an assertion could not be had: 503, not 401. */
export class JwksUnavailableError extends Error {
  override readonly name = "JwksUnavailableError";
}

export interface JwksOptions {
  url: string;
  /** Longest wait for one fetch, body included. Default 3 s. */
  timeoutMs?: number;
  /** An unknown kid refetches at most this often. Default 60 s. */
  refetchCooldownMs?: number;
  /** Kept this long when the answer gives no max-age. Default 300 s. */
  defaultMaxAgeSeconds?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /** Default the global fetch. */
  fetch?: typeof fetch;
}

export interface Jwks {
  /** The key of `kid`, or undefined when IAP publishes none; throws JwksUnavailableError. */
  keyFor(kid: string): Promise<KeyObject | undefined>;
}

/** Kept at least this long whatever the answer says (keys are published well ahead of use)… */
const MIN_CACHE_SECONDS = 60;
/** …and at most a day. */
const MAX_CACHE_SECONDS = 86_400;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_KEYS = 100;

interface KeySet {
  keys: Map<string, KeyObject>;
  expiresAt: number;
}

/** Seconds the answer may be kept: max-age less Age (a CDN's copy is that much older), clamped. */
export function cacheSeconds(headers: Headers, fallback: number): number {
  const maxAge = /(?:^|[,\s])max-age=(\d+)/i.exec(headers.get("cache-control") ?? "")?.[1];
  const age = Number(headers.get("age") ?? 0);
  const seconds = (maxAge === undefined ? fallback : Number(maxAge)) - (Number.isFinite(age) ? age : 0);
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}

/** The ES256 keys of a JWKS document; keys of another type or curve, or broken ones, are skipped. */
export function parseJwks(body: unknown): Map<string, KeyObject> {
  const list = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new JwksUnavailableError("IAP's key set is not a JWKS ({keys: […]})");
  const keys = new Map<string, KeyObject>();
  for (const entry of list.slice(0, MAX_KEYS)) {
    const jwk = entry as Record<string, unknown>;
    if (jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.kid !== "string") continue;
    if ((jwk.alg !== undefined && jwk.alg !== "ES256") || (jwk.use !== undefined && jwk.use !== "sig"))
      continue;
    if (typeof jwk.x !== "string" || typeof jwk.y !== "string") continue;
    try {
      keys.set(
        jwk.kid,
        createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, format: "jwk" }),
      );
    } catch {
      // Not a point on the curve: not a key anyone can sign for.
    }
  }
  if (keys.size === 0) throw new JwksUnavailableError("IAP's key set holds no usable ES256 (P-256) key");
  return keys;
}

async function fetchKeySet(options: Required<Omit<JwksOptions, "now">>, now: number): Promise<KeySet> {
  const { url, timeoutMs } = options;
  try {
    return await withTimeout(
      async (signal) => {
        const response = await options.fetch(url, { signal, redirect: "error" });
        if (response.status !== 200)
          throw new JwksUnavailableError(`${url} answered HTTP ${response.status}`);
        const text = await response.text();
        if (text.length > MAX_BODY_BYTES) throw new JwksUnavailableError(`${url} answered more than 256 KB`);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new JwksUnavailableError(`${url} answered something that is not JSON`);
        }
        const seconds = cacheSeconds(response.headers, options.defaultMaxAgeSeconds);
        return { keys: parseJwks(body), expiresAt: now + seconds * 1000 };
      },
      { what: `fetch IAP's keys from ${url}`, timeoutMs },
    );
  } catch (error) {
    if (error instanceof JwksUnavailableError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new JwksUnavailableError(`cannot fetch IAP's keys: ${detail}`, { cause: error });
  }
}

export function createJwks(options: JwksOptions): Jwks {
  const now = options.now ?? Date.now;
  const settings = {
    url: options.url,
    timeoutMs: options.timeoutMs ?? 3_000,
    refetchCooldownMs: options.refetchCooldownMs ?? 60_000,
    defaultMaxAgeSeconds: options.defaultMaxAgeSeconds ?? 300,
    fetch: options.fetch ?? fetch,
  };
  let current: KeySet | undefined;
  let inFlight: Promise<KeySet> | undefined;
  let lastFetchAt = Number.NEGATIVE_INFINITY;

  /** One fetch at a time: concurrent requests share it. */
  const refresh = (): Promise<KeySet> => {
    if (inFlight) return inFlight;
    lastFetchAt = now();
    inFlight = fetchKeySet(settings, lastFetchAt)
      .then((keySet) => {
        current = keySet;
        return keySet;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    async keyFor(kid) {
      // Expired: the keys may have been withdrawn, so they are not used past their max-age.
      const keySet = current && now() < current.expiresAt ? current : await refresh();
      const key = keySet.keys.get(kid);
      if (key || now() - lastFetchAt < settings.refetchCooldownMs) return key;
      return (await refresh()).keys.get(kid);
    },
  };
}
