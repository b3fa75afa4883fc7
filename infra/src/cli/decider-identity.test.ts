// Who the CLI decides as against a real project: the email of the caller's Google credentials, read
// with the real google-auth-library — a service account key as is, a person's credentials through
// Google's OAuth endpoints (the stand-in: token refresh, tokeninfo). No (verified) email: no identity.
import { generateKeyPairSync } from "node:crypto";
import { type GoogleOAuthStandin, startGoogleOAuthStandin } from "@riposte/standins";
import { GoogleAuth, UserRefreshClient } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeciderIdentityError, googleIdentity, localIdentity } from "./decider-identity.js";

const PRIVATE_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs8",
  format: "pem",
}) as string;

const serviceAccount = (clientEmail: string) =>
  new GoogleAuth({ credentials: { client_email: clientEmail, private_key: PRIVATE_KEY } });

let oauth: GoogleOAuthStandin;
beforeAll(async () => {
  oauth = await startGoogleOAuthStandin();
});
afterAll(() => oauth.close());

/** A person's credentials, as `gcloud auth application-default login` leaves them, against the stand-in. */
function person(user: Parameters<GoogleOAuthStandin["addUser"]>[0]): GoogleAuth {
  const client = new UserRefreshClient({
    clientId: "standin.apps.googleusercontent.com",
    clientSecret: "standin-secret",
    refreshToken: oauth.addUser(user),
    endpoints: oauth.endpoints,
  });
  return new GoogleAuth({ authClient: client });
}

describe("the decider's identity", () => {
  it("locally: local:<OS user>", () => {
    expect(localIdentity()).toMatch(/^local:[A-Za-z0-9._@+-]{1,64}$/);
  });

  it("a service account key: its client_email, lower case", async () => {
    expect(await googleIdentity(serviceAccount("Deployer@acme-prod.iam.gserviceaccount.com"))).toBe(
      "user:deployer@acme-prod.iam.gserviceaccount.com",
    );
  });

  it("a person's credentials: the email Google's tokeninfo gives for their token", async () => {
    const before = oauth.requests.length;
    expect(await googleIdentity(person({ email: "alice@acme.com" }))).toBe("user:alice@acme.com");
    expect(oauth.requests.slice(before)).toEqual([
      { path: "/token", status: 200 },
      { path: "/tokeninfo", status: 200 },
    ]);
  });

  it("no email, an unverified one, or one that is not an address: a clear error, no identity", async () => {
    const cases: [GoogleAuth, RegExp][] = [
      [
        person({ email: "alice@acme.com", scopes: ["https://www.googleapis.com/auth/cloud-platform"] }),
        /your Google credentials name no email address.*gcloud auth application-default login/,
      ],
      [
        person({ email: "alice@acme.com", emailVerified: false }),
        /"alice@acme.com"\) is not verified by Google/,
      ],
      [
        serviceAccount("alice@acme.com\nuser:root@acme.com"),
        /name no email address \("alice@acme.com\\nuser:/,
      ],
      [serviceAccount("alice@acme.com\u202e"), /name no email address/],
      [serviceAccount(`${"a".repeat(10_000)}@acme.com`), /name no email address/],
    ];
    for (const [auth, message] of cases) {
      const error = await googleIdentity(auth).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(DeciderIdentityError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
