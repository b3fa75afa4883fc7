// Opt-in verification of the OIDC token Pub/Sub attaches to push requests. Needed when Cloud Run's own
// IAM invoker check is off (with it on, Cloud Run strips the signature and has already checked it).
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";

export interface OidcOptions {
  /** The `aud` the push subscription was configured with (usually the push endpoint URL). */
  audience: string;
  /** Service-account emails allowed to push; Pub/Sub signs as the subscription's push service account. */
  allowedEmails: readonly string[];
  /** Google's keys by default; tests serve their own. */
  jwksUrl?: string;
  issuers?: readonly string[];
  /** Tests can pass a key set directly. */
  keySet?: JWTVerifyGetKey;
  /**
   * A token with an unknown `kid` refetches the key set (Google rotated its keys), at most once per
   * this many ms, so tokens with made-up kids cannot turn into a flood of fetches. Default: jose's 30 s.
   */
  keyRefetchCooldownMs?: number;
}

export const GOOGLE_OIDC_DEFAULTS = {
  jwksUrl: "https://www.googleapis.com/oauth2/v3/certs",
  // Google issues both spellings.
  issuers: ["https://accounts.google.com", "accounts.google.com"],
} as const;

/**
 * 401/403: the token is bad or not ours. 503: the keys to check it could not be fetched — a Google
 * outage, not a bad token (Pub/Sub retries either way; 503 says truthfully which it was).
 */
export type AuthResult = { ok: true; email: string } | { ok: false; status: 401 | 403 | 503; reason: string };

export interface PushAuthenticator {
  authenticate(authorizationHeader: string | undefined): Promise<AuthResult>;
}

export function createOidcAuthenticator(options: OidcOptions): PushAuthenticator {
  // createRemoteJWKSet caches keys (refetched after 10 min) and refetches at once on an unknown `kid`
  // (with a cooldown), so the key set is fetched about once per instance, not per request.
  const keySet = keysOrUnavailable(
    options.keySet ??
      createRemoteJWKSet(new URL(options.jwksUrl ?? GOOGLE_OIDC_DEFAULTS.jwksUrl), {
        ...(options.keyRefetchCooldownMs !== undefined
          ? { cooldownDuration: options.keyRefetchCooldownMs }
          : {}),
      }),
  );
  const issuers = [...(options.issuers ?? GOOGLE_OIDC_DEFAULTS.issuers)];
  const allowed = new Set(options.allowedEmails.map((email) => email.toLowerCase()));

  return {
    async authenticate(header) {
      const match = header?.match(/^Bearer\s+(\S+)$/i);
      if (!match?.[1]) return { ok: false, status: 401, reason: "missing bearer token" };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1], keySet, {
          audience: options.audience,
          issuer: issuers,
          // Only Google's RSA signatures: `none` and HS256 (keyed with the public key) are refused.
          algorithms: ["RS256"],
          // A token without `exp` would be valid forever; Google's always carry both.
          requiredClaims: ["exp", "iat"],
        }));
      } catch (error) {
        if (error instanceof KeysUnavailableError) return { ok: false, status: 503, reason: error.message };
        return { ok: false, status: 401, reason: describeJoseError(error) };
      }
      const email = typeof payload.email === "string" ? payload.email : undefined;
      if (!email) return { ok: false, status: 403, reason: "token has no email claim" };
      if (payload.email_verified !== true)
        return { ok: false, status: 403, reason: `email ${email} is not verified` };
      if (!allowed.has(email.toLowerCase())) {
        return { ok: false, status: 403, reason: `email ${email} is not an allowed push service account` };
      }
      return { ok: true, email };
    },
  };
}

/** The key set could not be fetched or read: nothing is known about the token yet. */
class KeysUnavailableError extends Error {
  override readonly name = "KeysUnavailableError";
}

/**
 * Tells "the token names a key we do not have" (a bad token) from "we could not get the keys" (an
 * outage): jose throws both from the key lookup, the first as JWKSNoMatchingKey or
 * JWKSMultipleMatchingKeys, the second as anything else (network error, timeout, non-200, bad JSON).
 */
function keysOrUnavailable(keySet: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys
      )
        throw error;
      throw new KeysUnavailableError(`cannot fetch the keys to verify push tokens: ${describeCause(error)}`, {
        cause: error,
      });
    }
  };
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "token expired";
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return "token signed with a key not in the key set (unknown kid)";
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `token claim ${error.claim} is invalid: ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "token signature is invalid";
  if (error instanceof joseErrors.JOSEError) return `token rejected: ${error.code}`;
  return "token could not be verified";
}
