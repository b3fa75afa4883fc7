// A local HTTP server for the Cloud Storage JSON API, so the real @google-cloud/storage client (see
// storageClientOptionsFor) uploads, downloads, lists and deletes over the same wire protocol, error
// shapes and preconditions as in production. It implements what the client uses for buckets
// get/insert and objects; anything else answers 501. Faults can be injected per operation, and every
// request is recorded with the status it got.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { BodyTooLargeError, listen, readBody } from "../http-io.js";
import { StorageApiError } from "./api-error.js";
import {
  createStorageFaultQueue,
  type StorageFault,
  type StorageFaults,
  type StorageOperation,
} from "./faults.js";
import { type Answer, type RouteContext, routeRequest, type StorageRequest } from "./routes.js";
import { createStorageStore, type StandinBucket, type StandinObject } from "./store.js";
import type { ResumableSession } from "./uploads.js";

export type { StorageFault, StorageFaults, StorageOperation, StorageOperationGroup } from "./faults.js";
export type { StandinBucket, StandinObject } from "./store.js";

export interface StartStorageStandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The project buckets are created in when the request names none. Default "riposte-standin". */
  projectId?: string;
  /** Clock in ms, for generations and timestamps. Default Date.now. */
  now?: () => number;
  /** Larger request bodies get 413. Default 64 MiB. */
  maxBodyBytes?: number;
}

export interface StorageRequestRecord {
  /** 1, 2, 3… in arrival order. */
  seq: number;
  method: string;
  /** Path without the query, as received (object names percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** undefined when the stand-in does not implement the request (answered 501). */
  operation?: StorageOperation;
  /** Bytes in the request body. */
  bodyBytes: number;
  /** The status answered; 0 when an injected fault dropped the connection. */
  status: number;
  /** The error reason answered, e.g. "conditionNotMet". */
  reason?: string;
  injected: boolean;
  at: number;
}

export interface StorageStandin {
  /** `http://host:port`: give it to the client as `apiEndpoint` (or STORAGE_EMULATOR_HOST). */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly StorageRequestRecord[];
  readonly faults: StorageFaults;
  readonly buckets: StandinBucket[];
  /** Every live object (latest generation), optionally of one bucket. */
  objects(bucket?: string): StandinObject[];
  /** The live object, or undefined. */
  object(bucket: string, name: string): StandinObject | undefined;
  /** Creates a bucket directly (as `riposte` setup or Terraform would). */
  seedBucket(name: string): StandinBucket;
  /** Writes an object directly, as a new generation. */
  seedObject(bucket: string, name: string, data: Buffer | string, contentType?: string): StandinObject;
  /** Resumable sessions not yet finished. */
  readonly openUploadSessions: number;
  /** Forgets requests (faults and state stay). */
  clearRequests(): void;
  /** Forgets buckets, objects, sessions, requests and faults. */
  reset(): void;
  close(): Promise<void>;
}

/** Client options for `new Storage(storageClientOptionsFor(standin))`; add retryOptions as needed. */
export function storageClientOptionsFor(standin: { url: string }, projectId = "riposte-standin") {
  // A custom apiEndpoint makes the client send no credentials (useAuthWithCustomEndpoint is false),
  // so no Google credentials or metadata server are looked up.
  return { apiEndpoint: standin.url, projectId };
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function errorAnswer(error: StorageApiError): Answer {
  return { status: error.status, json: error.body };
}

function faultAnswer(fault: StorageFault): Answer {
  const status = fault.status ?? 503;
  return errorAnswer(
    new StorageApiError(
      status,
      "backendError",
      fault.message ?? `HTTP ${status} injected by the Cloud Storage stand-in`,
    ),
  );
}

/** Runs the route unless a "before" fault applies; the answer given and whether a fault made it. */
function answerFor(
  route: ReturnType<typeof routeRequest>,
  faults: ReturnType<typeof createStorageFaultQueue>,
): { answer: Answer; fault?: StorageFault } {
  if (!route) {
    return {
      answer: errorAnswer(
        new StorageApiError(501, "notImplemented", "Not implemented by the Cloud Storage stand-in."),
      ),
    };
  }
  const fault = faults.take(route.operation);
  if (fault && fault.when !== "after") return { answer: faultAnswer(fault), fault };
  let answer: Answer;
  try {
    answer = route.run(fault);
  } catch (error) {
    if (!(error instanceof StorageApiError)) throw error;
    answer = errorAnswer(error);
  }
  return fault ? { answer: faultAnswer(fault), fault } : { answer };
}

function send(response: ServerResponse, answer: Answer): void {
  if (answer.json !== undefined) {
    response.writeHead(answer.status, {
      "content-type": "application/json; charset=UTF-8",
      ...answer.headers,
    });
    response.end(JSON.stringify(answer.json));
    return;
  }
  response.writeHead(answer.status, {
    ...answer.headers,
    "content-length": String(answer.body?.length ?? 0),
  });
  response.end(answer.body);
}

/** Path prefix of the admin API (POST faults: a StorageFault as JSON; DELETE faults: clears them). */
export const STORAGE_ADMIN_PREFIX = "/__standin/";

const FAULT_ON = new Set<string>([
  "bucket",
  "object",
  "upload",
  "bucket.get",
  "bucket.insert",
  "object.get",
  "object.download",
  "object.list",
  "object.delete",
  "upload.media",
  "upload.multipart",
  "upload.resumable-start",
  "upload.resumable-chunk",
  "upload.resumable-cancel",
]);

/** A fault from the admin API's JSON, or what is wrong with it. */
async function readFault(request: IncomingMessage): Promise<StorageFault | string> {
  let value: unknown;
  try {
    value = JSON.parse((await readBody(request, 64 * 1024)).toString("utf8"));
  } catch {
    return "the body is not JSON";
  }
  if (typeof value !== "object" || value === null) return "expected a JSON object";
  const fault = value as Record<string, unknown>;
  for (const key of Object.keys(fault))
    if (!["on", "status", "dropConnection", "times", "when", "message"].includes(key))
      return `unknown field ${key}`;
  if (fault.on !== undefined && !FAULT_ON.has(String(fault.on)))
    return `on: unknown operation ${String(fault.on)}`;
  const status = fault.status;
  if (status !== undefined && !(Number.isInteger(status) && Number(status) >= 400 && Number(status) <= 599))
    return "status: expected an HTTP error status (400–599)";
  if (status === undefined && fault.dropConnection !== true) return "status: required unless dropConnection";
  const times = fault.times;
  if (times !== undefined && !(Number.isInteger(times) && Number(times) >= 1 && Number(times) <= 1_000_000))
    return "times: expected an integer from 1 to 1000000";
  if (fault.when !== undefined && fault.when !== "before" && fault.when !== "after")
    return "when: expected before or after";
  if (fault.message !== undefined && typeof fault.message !== "string") return "message: expected a string";
  return fault as StorageFault;
}

export async function startStorageStandin(options: StartStorageStandinOptions = {}): Promise<StorageStandin> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const store = createStorageStore(now);
  const sessions = new Map<string, ResumableSession>();
  const context: RouteContext = { store, sessions, projectId: options.projectId ?? "riposte-standin" };
  const faults = createStorageFaultQueue();
  let requests: StorageRequestRecord[] = [];
  let seq = 1;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://standin");
    if (url.pathname.startsWith(STORAGE_ADMIN_PREFIX)) {
      await handleAdmin(request, response, url);
      return;
    }
    const headers = headersOf(request);
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      send(
        response,
        errorAnswer(new StorageApiError(413, "badRequest", "Request body too large for the stand-in.")),
      );
      return;
    }
    const storageRequest: StorageRequest = {
      method: request.method ?? "GET",
      url,
      headers,
      body,
      origin: `http://${headers.host ?? `${host}:${port}`}`,
    };
    const route = routeRequest(context, storageRequest);
    const { answer, fault } = answerFor(route, faults);
    const reason = (answer.json as { error?: { errors?: { reason?: string }[] } } | undefined)?.error
      ?.errors?.[0]?.reason;
    requests.push({
      seq: seq++,
      method: storageRequest.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(route && { operation: route.operation }),
      bodyBytes: body.length,
      status: fault?.dropConnection ? 0 : answer.status,
      ...(reason && !fault?.dropConnection && { reason }),
      injected: fault !== undefined,
      at: now(),
    });
    if (fault?.dropConnection) request.socket.destroy();
    else send(response, answer);
  }

  /** Another process (an e2e test of `npm start`) scripts faults here; never recorded or faulted. */
  async function handleAdmin(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const route = `${request.method} ${url.pathname.slice(STORAGE_ADMIN_PREFIX.length)}`;
    if (route === "POST faults") {
      const fault = await readFault(request);
      if (typeof fault === "string") {
        send(response, { status: 400, json: { error: fault } });
        return;
      }
      faults.inject(fault);
      response.writeHead(204).end();
      return;
    }
    if (route === "DELETE faults") {
      faults.clear();
      response.writeHead(204).end();
      return;
    }
    send(response, { status: 404, json: { error: `no admin route ${route}` } });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        send(
          response,
          errorAnswer(new StorageApiError(500, "backendError", `stand-in bug: ${String(error)}`)),
        );
      }
    });
  });
  const { port, url } = await listen(server, options.port ?? 0, host);

  return {
    url,
    port,
    get requests() {
      return requests;
    },
    faults: {
      inject: faults.inject,
      clear: faults.clear,
      get pending() {
        return faults.pending;
      },
    },
    get buckets() {
      return store.buckets();
    },
    objects: (bucket) => store.objects(bucket),
    object(bucket, name) {
      return store.objects(bucket).find((o) => o.name === name);
    },
    seedBucket: (name) => store.createBucket(name, context.projectId),
    seedObject(bucket, name, data, contentType) {
      return store.write({
        bucket,
        name,
        data: Buffer.from(data),
        resource: contentType ? { contentType } : {},
        preconditions: {},
      });
    },
    get openUploadSessions() {
      return [...sessions.values()].filter((s) => !s.outcome).length;
    },
    clearRequests() {
      requests = [];
    },
    reset() {
      store.reset();
      sessions.clear();
      requests = [];
      faults.clear();
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
