// Who decides a held action from the CLI. Against a project's ledger: the email of the caller's Google
// credentials (Application Default Credentials) as `user:EMAIL` — a service account's own email, or for
// a person's credentials (`gcloud auth application-default login`) the email Google's tokeninfo gives
// for their access token. Against the emulators of a `riposte dev`: `local:<OS user>`, which the
// console's decide() accepts only there. No email, no decision: never a guessed or typed identity.
import { Email } from "@riposte/contracts";
import { withTimeout } from "@riposte/service-kit";
import { type GoogleAuth, UserRefreshClient } from "google-auth-library";
import { operatorName } from "./operator-undo.js";

/** Finding the credentials may probe the metadata server; a token refresh and tokeninfo are two calls. */
const IDENTITY_TIMEOUT_MS = 20_000;

/** The caller's Google credentials name no email: nothing may be decided in their name. */
export class DeciderIdentityError extends Error {
  override readonly name = "DeciderIdentityError";
}

const NO_EMAIL_HINT =
  "run `gcloud auth application-default login` (its default scopes include your email), or point GOOGLE_APPLICATION_CREDENTIALS at a service account key";

/** The operator of a local `riposte dev`: their OS login name, marked as local. */
export function localIdentity(): string {
  return `local:${operatorName()}`;
}

/** `user:EMAIL` of the credentials `auth` finds; DeciderIdentityError when they name no email. */
export async function googleIdentity(auth: GoogleAuth): Promise<string> {
  const email = await withTimeout(() => credentialsEmail(auth), {
    what: "finding the email of your Google credentials",
    timeoutMs: IDENTITY_TIMEOUT_MS,
  }).catch((error: unknown) => {
    if (error instanceof DeciderIdentityError) throw error;
    const why = (error as Error).message.split("\n")[0];
    throw new DeciderIdentityError(`no Google identity to decide as (${why}); ${NO_EMAIL_HINT}`);
  });
  const parsed = Email.safeParse(email ?? "");
  if (!parsed.success)
    throw new DeciderIdentityError(
      `your Google credentials name no email address${email ? ` (${JSON.stringify(email.slice(0, 80))} is not one)` : ""}, so nothing can be decided in your name; ${NO_EMAIL_HINT}`,
    );
  return `user:${parsed.data}`;
}

async function credentialsEmail(auth: GoogleAuth): Promise<string | undefined> {
  const client = await auth.getClient();
  if (client instanceof UserRefreshClient) {
    // A person's credentials carry no email: Google says whose the access token is.
    const { token } = await client.getAccessToken();
    if (!token) return undefined;
    const info = await client.getTokenInfo(token);
    if (!info.email) return undefined; // a token without the userinfo.email scope
    // Anyone may open a Google account under an address they do not own: only a verified one counts.
    // (tokeninfo answers the string "true"; the library's type says boolean.)
    if (String(info.email_verified) !== "true")
      throw new DeciderIdentityError(
        `the email of your Google credentials (${JSON.stringify(info.email.slice(0, 80))}) is not verified by Google: nothing can be decided in its name`,
      );
    return info.email;
  }
  // A service account key, an impersonated or attached service account, the metadata server's.
  return (await auth.getCredentials()).client_email;
}
