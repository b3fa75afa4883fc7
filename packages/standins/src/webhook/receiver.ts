// A local HTTP receiver that stands in for Slack incoming webhooks and for generic SOAR webhooks
// (Cortex XSOAR, Splunk SOAR). It records every request, answers like Slack does (200 `ok`, 400
// with Slack's error codes), and can be scripted to answer 429 with Retry-After, 5xx, slowly, or not
// at all, so the notifier's retry and rate-limit logic is tested against real HTTP. Other processes
// script and read it through the admin API under /__standin/ (see webhookReceiverAdmin).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkSlackPayload } from "./slack-payload.js";

/** One scripted answer. Scripts are consumed in order; when empty the receiver answers normally. */
export interface ScriptedResponse {
  status: number;
  /** Sets the `Retry-After` header (seconds), as Slack does with 429. */
  retryAfterSeconds?: number;
  /** Body to send; defaults to Slack's word for the status (`rate_limited`, `internal_error`, …). */
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
  /** Destroy the connection instead of answering: the client sees a network error. */
  dropConnection?: boolean;
}

export interface ResponseScript {
  /** Only requests to exactly this path; without it, any path (after path-specific scripts). */
  path?: string;
  responses: ScriptedResponse[];
}

export interface SlackCheckResult {
  ok: boolean;
  /** Slack's answer code when refused: invalid_payload, invalid_blocks, too_many_attachments. */
  error?: string;
  /** What exactly is wrong, with JSON pointers. */
  problems: string[];
  /** The top-level text exceeded 40,000 characters; Slack would post it truncated. */
  textTruncated: boolean;
}

export interface ReceivedRequest {
  /** 1, 2, 3… in arrival order; stable across clear() so `since` polling works. */
  seq: number;
  method: string;
  path: string;
  /** The query string without `?`, or "". */
  query: string;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body exactly as received (UTF-8), e.g. to verify an HMAC signature. */
  rawBody: string;
  /** The parsed body when it was JSON (or Slack's form-encoded `payload=`). */
  json?: unknown;
  /** Date.now() when the body had been read. */
  receivedAt: number;
  response: { status: number; body: string; headers: Record<string, string>; scripted: boolean };
  /** Present for Slack paths: what Slack's validation said. */
  slack?: SlackCheckResult;
}

export interface StartWebhookReceiverOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Requests whose path starts with this are checked as Slack messages (real Slack webhook URLs are
   * `https://hooks.slack.com/services/T…/B…/…`). Any other path is a generic webhook: any body, 200.
   */
  slackPathPrefix?: string;
  /** Larger bodies get 413. Default 5 MiB. */
  maxBodyBytes?: number;
}

export interface WebhookReceiver {
  /** `http://host:port`, no trailing slash. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received since the last clear()/reset(), admin requests excluded. */
  readonly requests: readonly ReceivedRequest[];
  /** Requests answered 2xx (i.e. messages Slack would have posted), optionally for one path. */
  delivered(path?: string): ReceivedRequest[];
  /** Absolute URL of `path` on this receiver (default `/`). */
  url(path?: string): string;
  /** Queue scripted answers. */
  script(script: ResponseScript): void;
  /** Forget recorded requests (scripts stay). */
  clear(): void;
  /** Forget recorded requests and pending scripts. */
  reset(): void;
  /**
   * The first request (already received or still to come) matching `predicate`. Rejects after
   * `timeoutMs` (default 5000) saying how many requests were seen.
   */
  waitFor(predicate?: (request: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/** Path prefix of the admin API; requests under it are never recorded or scripted. */
export const adminPathPrefix = "/__standin/";

const defaultBodyForStatus: Record<number, string> = {
  200: "ok",
  400: "invalid_payload",
  403: "action_prohibited",
  404: "no_service",
  410: "channel_is_archived",
  429: "rate_limited",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

/** Problems in a script received as JSON (admin API) or from code: which field, what was expected. */
export class InvalidResponseScriptError extends Error {
  override readonly name = "InvalidResponseScriptError";
}

/** Checks a script (e.g. parsed from the admin API) and returns it typed. */
export function parseResponseScript(input: unknown): ResponseScript {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidResponseScriptError(
      `script: expected an object {path?, responses}, got ${typeof input}`,
    );
  }
  const raw = input as Record<string, unknown>;
  if (raw.path !== undefined && (typeof raw.path !== "string" || !raw.path.startsWith("/"))) {
    throw new InvalidResponseScriptError(
      `script.path: expected a string starting with "/", got ${JSON.stringify(raw.path)}`,
    );
  }
  if (!Array.isArray(raw.responses)) {
    throw new InvalidResponseScriptError("script.responses: expected an array");
  }
  const responses = raw.responses.map((item: unknown, index): ScriptedResponse => {
    const where = `script.responses[${index}]`;
    if (typeof item !== "object" || item === null)
      throw new InvalidResponseScriptError(`${where}: expected an object`);
    const r = item as Record<string, unknown>;
    if (typeof r.status !== "number" || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) {
      throw new InvalidResponseScriptError(
        `${where}.status: expected an HTTP status 100..599, got ${JSON.stringify(r.status)}`,
      );
    }
    for (const key of ["retryAfterSeconds", "delayMs"] as const) {
      const v = r[key];
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
        throw new InvalidResponseScriptError(
          `${where}.${key}: expected a number >= 0, got ${JSON.stringify(v)}`,
        );
      }
    }
    if (r.body !== undefined && typeof r.body !== "string") {
      throw new InvalidResponseScriptError(`${where}.body: expected a string`);
    }
    if (r.dropConnection !== undefined && typeof r.dropConnection !== "boolean") {
      throw new InvalidResponseScriptError(`${where}.dropConnection: expected a boolean`);
    }
    let headers: Record<string, string> | undefined;
    if (r.headers !== undefined) {
      if (typeof r.headers !== "object" || r.headers === null) {
        throw new InvalidResponseScriptError(`${where}.headers: expected an object of strings`);
      }
      headers = {};
      for (const [name, value] of Object.entries(r.headers)) {
        if (typeof value !== "string") {
          throw new InvalidResponseScriptError(`${where}.headers.${name}: expected a string`);
        }
        headers[name] = value;
      }
    }
    return {
      status: r.status,
      ...(r.retryAfterSeconds !== undefined && { retryAfterSeconds: r.retryAfterSeconds as number }),
      ...(r.delayMs !== undefined && { delayMs: r.delayMs as number }),
      ...(r.body !== undefined && { body: r.body as string }),
      ...(r.dropConnection !== undefined && { dropConnection: r.dropConnection as boolean }),
      ...(headers !== undefined && { headers }),
    };
  });
  return { ...(typeof raw.path === "string" && { path: raw.path }), responses };
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLargeError());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** JSON body, or Slack's `application/x-www-form-urlencoded` form with a `payload` field. */
function parseBody(rawBody: string, contentType: string | undefined): { json?: unknown } {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  try {
    if (type === "application/x-www-form-urlencoded") {
      const payload = new URLSearchParams(rawBody).get("payload");
      return payload === null ? {} : { json: JSON.parse(payload) };
    }
    return rawBody.length === 0 ? {} : { json: JSON.parse(rawBody) };
  } catch {
    return {};
  }
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  response.end(body);
}

export async function startWebhookReceiver(
  options: StartWebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const host = options.host ?? "127.0.0.1";
  const slackPathPrefix = options.slackPathPrefix ?? "/services/";
  const maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;

  let requests: ReceivedRequest[] = [];
  let nextSeq = 1;
  const scriptsByPath = new Map<string, ScriptedResponse[]>();
  let anyPathScript: ScriptedResponse[] = [];
  const waiters = new Set<(request: ReceivedRequest) => void>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  function nextScripted(path: string): ScriptedResponse | undefined {
    const forPath = scriptsByPath.get(path);
    if (forPath && forPath.length > 0) return forPath.shift();
    return anyPathScript.shift();
  }

  function addScript(script: ResponseScript): void {
    const checked = parseResponseScript(script);
    if (checked.path === undefined) {
      anyPathScript.push(...checked.responses);
      return;
    }
    const queue = scriptsByPath.get(checked.path) ?? [];
    queue.push(...checked.responses);
    scriptsByPath.set(checked.path, queue);
  }

  function reset(): void {
    requests = [];
    scriptsByPath.clear();
    anyPathScript = [];
  }

  function record(entry: ReceivedRequest): void {
    requests.push(entry);
    for (const notify of [...waiters]) notify(entry);
  }

  async function handleAdmin(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const route = `${request.method} ${url.pathname.slice(adminPathPrefix.length)}`;
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    switch (route) {
      case "GET requests": {
        const path = url.searchParams.get("path");
        const since = Number(url.searchParams.get("since")) || 0;
        json(200, {
          requests: requests.filter((r) => r.seq > since && (path === null || r.path === path)),
        });
        return;
      }
      case "POST script": {
        const body = (await readBody(request, maxBodyBytes)).toString("utf8");
        try {
          addScript(parseResponseScript(JSON.parse(body)));
        } catch (error) {
          json(400, { error: error instanceof Error ? error.message : String(error) });
          return;
        }
        response.writeHead(204).end();
        return;
      }
      case "POST reset":
        reset();
        response.writeHead(204).end();
        return;
      case "GET health":
        json(200, { ok: true, requests: requests.length });
        return;
      default:
        json(404, {
          error: `unknown admin route ${route}; expected GET requests, POST script, POST reset, GET health`,
        });
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://standin");
    if (url.pathname.startsWith(adminPathPrefix)) {
      await handleAdmin(request, response, url);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        send(response, 413, "request_too_large", {});
        return;
      }
      throw error;
    }
    const rawBody = body.toString("utf8");
    const headers = headersOf(request);
    const parsed = parseBody(rawBody, headers["content-type"]);
    const isSlack = url.pathname.startsWith(slackPathPrefix);

    let slack: SlackCheckResult | undefined;
    if (isSlack) {
      const check = checkSlackPayload(parsed.json);
      slack = check.ok
        ? { ok: true, problems: [], textTruncated: check.textTruncated }
        : { ok: false, error: check.error, problems: check.problems, textTruncated: false };
    }

    const scripted = nextScripted(url.pathname);
    let status = 200;
    let responseBody = "ok";
    let responseHeaders: Record<string, string> = {};
    if (scripted) {
      status = scripted.status;
      responseBody = scripted.body ?? defaultBodyForStatus[status] ?? "";
      responseHeaders = { ...scripted.headers };
      if (scripted.retryAfterSeconds !== undefined) {
        responseHeaders["retry-after"] = String(scripted.retryAfterSeconds);
      }
    } else if (request.method !== "POST") {
      status = 405;
      responseBody = "method_not_allowed";
    } else if (slack && !slack.ok) {
      status = 400;
      responseBody = slack.error ?? "invalid_payload";
    }

    const entry: ReceivedRequest = {
      seq: nextSeq++,
      method: request.method ?? "",
      path: url.pathname,
      query: url.search.slice(1),
      headers,
      rawBody,
      ...parsed,
      receivedAt: Date.now(),
      response: {
        status,
        body: scripted?.dropConnection ? "" : responseBody,
        headers: responseHeaders,
        scripted: scripted !== undefined,
      },
      ...(slack && { slack }),
    };
    record(entry);

    const answer = () => {
      if (scripted?.dropConnection) {
        request.socket.destroy();
        return;
      }
      send(response, status, responseBody, responseHeaders);
    };
    if (scripted?.delayMs) {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        answer();
      }, scripted.delayMs);
      pendingTimers.add(timer);
    } else {
      answer();
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, `standin_error: ${String(error)}`, {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    baseUrl,
    port,
    get requests() {
      return requests;
    },
    delivered(path) {
      return requests.filter(
        (r) => r.response.status >= 200 && r.response.status < 300 && (path === undefined || r.path === path),
      );
    },
    url(path = "/") {
      return `${baseUrl}${path.startsWith("/") ? path : `/${path}`}`;
    },
    script: addScript,
    clear() {
      requests = [];
    },
    reset,
    waitFor(predicate = () => true, timeoutMs = 5000) {
      const existing = requests.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = (request: ReceivedRequest) => {
          if (!predicate(request)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(request);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `webhook receiver: no matching request within ${timeoutMs} ms (${requests.length} received: ${requests
                .map((r) => `${r.method} ${r.path} → ${r.response.status}`)
                .join(", ")})`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
