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
}

export const GOOGLE_OIDC_DEFAULTS = {
  jwksUrl: "https://www.googleapis.com/oauth2/v3/certs",
  // Google issues both spellings.
  issuers: ["https://accounts.google.com", "accounts.google.com"],
} as const;

export type AuthResult = { ok: true; email: string } | { ok: false; status: 401 | 403; reason: string };

export interface PushAuthenticator {
  authenticate(authorizationHeader: string | undefined): Promise<AuthResult>;
}

export function createOidcAuthenticator(options: OidcOptions): PushAuthenticator {
  // createRemoteJWKSet caches keys and refetches only on an unknown `kid` (with a cooldown), so the
  // key set is fetched once per instance, not per request.
  const keySet =
    options.keySet ?? createRemoteJWKSet(new URL(options.jwksUrl ?? GOOGLE_OIDC_DEFAULTS.jwksUrl));
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
          algorithms: ["RS256"],
        }));
      } catch (error) {
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

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "token expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `token claim ${error.claim} is invalid: ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "token signature is invalid";
  if (error instanceof joseErrors.JOSEError) return `token rejected: ${error.code}`;
  return "token could not be verified";
}
