// A local stand-in for the two Google OAuth 2.0 endpoints user credentials go through to say who they
// are: POST /token (grant_type=refresh_token → an access token, as `gcloud auth application-default
// login` credentials refresh) and POST /tokeninfo (the token in `Authorization: Bearer`, or an
// `access_token` parameter → its scopes and, when the userinfo.email scope was granted, its email).
// Answers have Google's shapes (tokeninfo's numbers and booleans as strings); a refresh token or an
// access token it does not know is Google's `invalid_grant` / `invalid_token`. Every request is
// recorded with the status it got.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, readBody, sendJson } from "../http-io.js";

export const USERINFO_EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email";
const DEFAULT_SCOPES = ["openid", USERINFO_EMAIL_SCOPE, "https://www.googleapis.com/auth/cloud-platform"];
const TOKEN_LIFETIME_S = 3_599;

export interface GoogleOAuthUser {
  /** The account's email; tokeninfo shows it only when `scopes` hold userinfo.email. */
  email: string;
  /** Granted at login (default: gcloud's openid, userinfo.email, cloud-platform). */
  scopes?: readonly string[];
  /** Whether Google verified that the account owns `email` (default true). */
  emailVerified?: boolean;
}

export interface GoogleOAuthRequest {
  path: string;
  status: number;
}

export interface GoogleOAuthStandin {
  readonly url: string;
  /** For google-auth-library's `endpoints`: oauth2TokenUrl and tokenInfoUrl. */
  readonly endpoints: { oauth2TokenUrl: string; tokenInfoUrl: string };
  readonly requests: readonly GoogleOAuthRequest[];
  /** A refresh token standing for `user` (what an authorized_user credentials file holds). */
  addUser(user: GoogleOAuthUser): string;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  json: unknown;
}

const oauthError = (error: string, description: string): Answer => ({
  status: 400,
  json: { error, error_description: description },
});

export async function startGoogleOAuthStandin(
  options: { port?: number; host?: string } = {},
): Promise<GoogleOAuthStandin> {
  const refreshTokens = new Map<string, GoogleOAuthUser>();
  const accessTokens = new Map<string, { user: GoogleOAuthUser; expiresAt: number }>();
  const requests: GoogleOAuthRequest[] = [];

  function token(form: URLSearchParams): Answer {
    if (form.get("grant_type") !== "refresh_token")
      return oauthError("unsupported_grant_type", "Invalid grant_type");
    const user = refreshTokens.get(form.get("refresh_token") ?? "");
    if (!user) return oauthError("invalid_grant", "Bad Request");
    const accessToken = `ya29.standin-${randomBytes(16).toString("hex")}`;
    accessTokens.set(accessToken, { user, expiresAt: Date.now() + TOKEN_LIFETIME_S * 1_000 });
    const scope = (user.scopes ?? DEFAULT_SCOPES).join(" ");
    return {
      status: 200,
      json: { access_token: accessToken, expires_in: TOKEN_LIFETIME_S, scope, token_type: "Bearer" },
    };
  }

  function tokenInfo(request: IncomingMessage, form: URLSearchParams): Answer {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
    const held = accessTokens.get(bearer ?? form.get("access_token") ?? "");
    if (!held || held.expiresAt <= Date.now()) return oauthError("invalid_token", "Invalid Value");
    const scopes = held.user.scopes ?? DEFAULT_SCOPES;
    const expiresIn = Math.floor((held.expiresAt - Date.now()) / 1_000);
    return {
      status: 200,
      json: {
        azp: "standin.apps.googleusercontent.com",
        aud: "standin.apps.googleusercontent.com",
        sub: "100000000000000000001",
        scope: scopes.join(" "),
        exp: String(Math.floor(held.expiresAt / 1_000)),
        expires_in: String(expiresIn),
        ...(scopes.includes(USERINFO_EMAIL_SCOPE)
          ? { email: held.user.email, email_verified: String(held.user.emailVerified ?? true) }
          : {}),
        access_type: "offline",
      },
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://standin");
    const body = await readBody(request, 64 * 1024).catch(() => Buffer.alloc(0));
    const form = new URLSearchParams(body.toString("utf8"));
    for (const [name, value] of url.searchParams) form.set(name, value);
    const answer: Answer =
      request.method !== "POST"
        ? { status: 405, json: { error: "method_not_allowed" } }
        : url.pathname === "/token"
          ? token(form)
          : url.pathname === "/tokeninfo"
            ? tokenInfo(request, form)
            : { status: 404, json: { error: "not_found" } };
    requests.push({ path: url.pathname, status: answer.status });
    sendJson(response, answer.status, answer.json);
  }

  const server = createServer((request, response) => void handle(request, response));
  const { url } = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  return {
    url,
    endpoints: { oauth2TokenUrl: `${url}/token`, tokenInfoUrl: `${url}/tokeninfo` },
    requests,
    addUser(user) {
      const refreshToken = `1//standin-${randomBytes(16).toString("hex")}`;
      refreshTokens.set(refreshToken, user);
      return refreshToken;
    },
    close: () => closeServer(server),
  };
}
