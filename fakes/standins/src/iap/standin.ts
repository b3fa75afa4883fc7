// A local stand-in for Identity-Aware Proxy's key endpoint (https://www.gstatic.com/iap/verify/public_key-jwk):
// it serves a JWKS of EC P-256 keys with a Cache-Control max-age, rotates them as Google does (the next
// key published before it signs), counts fetches, and can fail or hang on demand. It mints the
// assertions IAP would put in `x-goog-iap-jwt-assertion`, valid and hostile, for the console's tests.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, readBody, send, sendJson } from "../http-io.js";
import {
  generateIapKey,
  type HostileIapKind,
  hostileIapAssertions,
  type IapClaims,
  type IapSigningKey,
  iapPayload,
  signIapAssertion,
} from "./assertion.js";

/** Where the JWKS is served, the same path as on gstatic. */
export const IAP_JWKS_PATH = "/iap/verify/public_key-jwk";
/** Admin routes for another process: POST assertion (claims JSON → token text), POST rotate. */
export const IAP_ADMIN_PREFIX = "/__standin/";

export interface StartIapStandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Cache-Control max-age of the JWKS, seconds. Default 300. */
  maxAgeSeconds?: number;
  /** Clock in ms, for minted iat/exp. Default Date.now. */
  now?: () => number;
}

/** What the next JWKS fetches get instead of the keys. */
export interface IapJwksFault {
  /** An HTTP status to answer (default 503 unless `hang` or `body`). */
  status?: number;
  /** A 200 with this body instead (e.g. not JSON, or keys of the wrong type). */
  body?: string;
  /** Never answer (the connection stays open until the stand-in closes). */
  hang?: boolean;
  /** How many fetches it applies to. Default: every one until `clearFaults()`. */
  times?: number;
}

export interface IapStandin {
  readonly url: string;
  readonly port: number;
  /** Give this to the console as IAP_JWKS_URL. */
  readonly jwksUrl: string;
  /** The keys served, in order: [0] signs now, [1] is the next one (published ahead, as Google does). */
  readonly keys: readonly IapSigningKey[];
  /** Keys rotated out: tokens they sign name a kid the JWKS no longer has. */
  readonly retiredKeys: readonly IapSigningKey[];
  /** JWKS requests answered (faulted ones included). */
  readonly fetches: number;
  /** A valid assertion (with `key`: signed by that key instead of keys[0]). */
  mint(claims?: IapClaims, options?: { key?: IapSigningKey }): string;
  /** Every hostile assertion for otherwise valid `claims`. */
  hostile(claims?: IapClaims): Record<HostileIapKind, string>;
  /** Retires keys[0]; keys[1] signs from now on; a fresh key is published as the next one. */
  rotate(): { retired: string; signing: string; next: string };
  fail(fault: IapJwksFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

function answerJwks(
  response: ServerResponse,
  keys: readonly IapSigningKey[],
  maxAgeSeconds: number,
  fault: IapJwksFault | undefined,
): void {
  if (fault?.hang) return; // left open: the caller's own timeout has to end it
  if (fault?.body !== undefined) {
    send(response, fault.status ?? 200, fault.body, { "content-type": "application/json" });
    return;
  }
  if (fault) {
    send(response, fault.status ?? 503, "stand-in: injected JWKS failure", {});
    return;
  }
  sendJson(
    response,
    200,
    { keys: keys.map((key) => key.jwk) },
    { "cache-control": `public, max-age=${maxAgeSeconds}` },
  );
}

export async function startIapStandin(options: StartIapStandinOptions = {}): Promise<IapStandin> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? Date.now;
  const maxAgeSeconds = options.maxAgeSeconds ?? 300;
  let keys: IapSigningKey[] = [generateIapKey(), generateIapKey()];
  const retiredKeys: IapSigningKey[] = [];
  let faults: IapJwksFault[] = [];
  let fetches = 0;

  const signingKey = () => keys[0] as IapSigningKey;
  const mint = (claims: IapClaims = {}, mintOptions: { key?: IapSigningKey } = {}) =>
    signIapAssertion(mintOptions.key ?? signingKey(), iapPayload(claims, now()));
  const rotate = () => {
    const retired = keys.shift() as IapSigningKey;
    retiredKeys.push(retired);
    keys = [...keys, generateIapKey()];
    return { retired: retired.kid, signing: signingKey().kid, next: (keys[1] as IapSigningKey).kid };
  };

  function takeFault(): IapJwksFault | undefined {
    const fault = faults[0];
    if (fault?.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) faults.shift();
    }
    return fault;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://standin").pathname;
    const route = `${request.method} ${path}`;
    if (route === `GET ${IAP_JWKS_PATH}`) {
      fetches += 1;
      answerJwks(response, keys, maxAgeSeconds, takeFault());
    } else if (route === `POST ${IAP_ADMIN_PREFIX}assertion`) {
      const claims = JSON.parse((await readBody(request, 64 * 1024)).toString("utf8") || "{}") as IapClaims;
      send(response, 200, mint(claims), {});
    } else if (route === `POST ${IAP_ADMIN_PREFIX}rotate`) {
      send(response, 200, JSON.stringify(rotate()), { "content-type": "application/json" });
    } else {
      send(response, 404, `no route ${route.slice(0, 200)}`, {});
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 400, `stand-in: ${String(error)}`, {});
    });
  });
  const { port, url } = await listen(server, options.port ?? 0, host);

  return {
    url,
    port,
    jwksUrl: `${url}${IAP_JWKS_PATH}`,
    get keys() {
      return keys;
    },
    retiredKeys,
    get fetches() {
      return fetches;
    },
    mint,
    hostile: (claims = {}) => hostileIapAssertions(signingKey(), claims, now()),
    rotate,
    fail(fault) {
      faults.push({ ...fault });
    },
    clearFaults() {
      faults = [];
    },
    close: () => closeServer(server),
  };
}
