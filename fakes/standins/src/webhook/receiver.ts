// A local HTTP receiver that stands in for Slack incoming webhooks and for generic SOAR webhooks
// (Cortex XSOAR, Splunk SOAR), for the response_url Slack gives with a button click (/actions/…) and
// for the Slack Web API methods Riposte calls (/api/users.info). It records every request, answers
// like Slack does (200 `ok`, 400 with Slack's error codes, the Web API's JSON), and can be scripted
// to answer 429 with Retry-After, 5xx, slowly, or not at all, so retry and rate-limit logic is
// tested against real HTTP. Other processes script and read it through the admin API under
// /__standin/ (see webhookReceiverAdmin).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { BodyTooLargeError, headersOf, listen, parseBody, readBody, send } from "../http-io.js";
import { type AdminContext, adminPathPrefix, handleAdmin } from "./admin-api.js";
import { createRequestLog, type ReceivedRequest, type RequestLog } from "./request-log.js";
import { deliver, type PlannedResponse, planResponse, webhookAnswer } from "./respond.js";
import {
  answerResponseUrl,
  checkResponseMessage,
  type ResponseUrlUses,
  responseUrlPathPrefix,
} from "./response-url.js";
import { createScriptQueues, type ResponseScript, type ScriptQueues } from "./script.js";
import { checkSlackMessage, type SlackCheckResult } from "./slack-api.js";
import { answerWebApi, slackApiPathPrefix } from "./slack-web-api.js";
import { createSlackWorkspace, type SlackStandinUser, type SlackWorkspace } from "./slack-workspace.js";

export { adminPathPrefix } from "./admin-api.js";
export type { ReceivedRequest } from "./request-log.js";
export { responseUrlLimits, responseUrlPathPrefix } from "./response-url.js";
export {
  InvalidResponseScriptError,
  parseResponseScript,
  type ResponseScript,
  type ScriptedResponse,
} from "./script.js";
export type { SlackCheckResult } from "./slack-api.js";
export { slackApiPathPrefix } from "./slack-web-api.js";
export {
  defaultSlackBotScopes,
  defaultSlackBotToken,
  InvalidSlackUserError,
  type SlackStandinUser,
} from "./slack-workspace.js";

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
  /** The bot token the Web API accepts (default `defaultSlackBotToken`). */
  slackBotToken?: string;
  /** That token's scopes (default users:read and users:read.email). */
  slackBotScopes?: readonly string[];
  /** Members users.info knows; more can be added with addSlackUser or the admin API. */
  slackUsers?: readonly SlackStandinUser[];
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
  /** The Web API base to give a client instead of `https://slack.com/api` (`<baseUrl>/api`). */
  readonly slackApiUrl: string;
  /** The bot token the Web API accepts. */
  readonly slackBotToken: string;
  /** Adds a workspace member users.info answers about (or replaces the one with its id). */
  addSlackUser(user: SlackStandinUser): void;
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

interface ReceiverContext extends AdminContext {
  slackPathPrefix: string;
  pendingTimers: Set<NodeJS.Timeout>;
  workspace: SlackWorkspace;
  responseUrlUses: ResponseUrlUses;
}

interface ReadRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  rawBody: string;
  json: unknown;
}

/** What Slack's checks say of a body: for incoming-webhook and response_url paths only. */
function slackCheckOf(context: ReceiverContext, request: ReadRequest): SlackCheckResult | undefined {
  const path = request.url.pathname;
  if (path.startsWith(responseUrlPathPrefix)) return checkResponseMessage(request.json);
  if (path.startsWith(context.slackPathPrefix)) return checkSlackMessage(request.json);
  return undefined;
}

/** The answer when nothing is scripted: the Web API's, a response_url's, or a webhook's. */
function normalAnswer(
  context: ReceiverContext,
  request: ReadRequest,
  slack: SlackCheckResult | undefined,
): PlannedResponse {
  const path = request.url.pathname;
  if (path.startsWith(slackApiPathPrefix)) {
    return answerWebApi(context.workspace, {
      method: request.method,
      apiMethod: path.slice(slackApiPathPrefix.length),
      headers: request.headers,
      rawBody: request.rawBody,
      query: request.url.searchParams,
    });
  }
  if (path.startsWith(responseUrlPathPrefix) && slack) {
    return answerResponseUrl(
      context.responseUrlUses,
      { method: request.method, path, now: Date.now() },
      slack,
    );
  }
  return webhookAnswer(request.method, slack);
}

/** Reads, records and answers one request to a webhook path (anything outside the admin API). */
async function handleWebhook(
  context: ReceiverContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(request, context.maxBodyBytes);
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
  const read: ReadRequest = { method: request.method ?? "", url, headers, rawBody, json: parsed.json };
  const slack = slackCheckOf(context, read);
  const scripted = context.scripts.next(url.pathname);
  const planned = planResponse(scripted, () => normalAnswer(context, read, slack));
  context.log.record({
    seq: context.log.nextSeq(),
    method: read.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    rawBody,
    ...parsed,
    receivedAt: Date.now(),
    response: {
      status: planned.status,
      body: scripted?.dropConnection ? "" : planned.body,
      headers: planned.headers,
      scripted: scripted !== undefined,
    },
    ...(slack && { slack }),
  });
  deliver(request, response, planned, scripted, context.pendingTimers);
}

async function handle(context: ReceiverContext, request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? "/", "http://standin");
  if (url.pathname.startsWith(adminPathPrefix)) await handleAdmin(context, request, response, url);
  else await handleWebhook(context, request, response, url);
}

function createReceiverContext(options: StartWebhookReceiverOptions): ReceiverContext {
  const log: RequestLog = createRequestLog();
  const scripts: ScriptQueues = createScriptQueues();
  const responseUrlUses: ResponseUrlUses = new Map();
  return {
    workspace: createSlackWorkspace({
      ...(options.slackBotToken !== undefined && { botToken: options.slackBotToken }),
      ...(options.slackBotScopes !== undefined && { botScopes: options.slackBotScopes }),
      ...(options.slackUsers !== undefined && { users: options.slackUsers }),
    }),
    responseUrlUses,
    log,
    scripts,
    maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
    slackPathPrefix: options.slackPathPrefix ?? "/services/",
    pendingTimers: new Set(),
    // The workspace's members stay: they are configuration, like the options.
    reset() {
      log.clear();
      scripts.clear();
      responseUrlUses.clear();
    },
  };
}

export async function startWebhookReceiver(
  options: StartWebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const host = options.host ?? "127.0.0.1";
  const context = createReceiverContext(options);
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, `standin_error: ${String(error)}`, {});
    });
  });
  const { port, url: baseUrl } = await listen(server, options.port ?? 0, host);
  const { log, scripts, pendingTimers } = context;

  return {
    baseUrl,
    port,
    get requests() {
      return log.requests;
    },
    delivered: (path) => log.delivered(path),
    url(path = "/") {
      return `${baseUrl}${path.startsWith("/") ? path : `/${path}`}`;
    },
    slackApiUrl: `${baseUrl}${slackApiPathPrefix.slice(0, -1)}`,
    slackBotToken: context.workspace.botToken,
    addSlackUser: (user) => context.workspace.addUser(user),
    script: (script) => scripts.add(script),
    clear: () => log.clear(),
    reset: () => context.reset(),
    waitFor: (predicate = () => true, timeoutMs = 5000) => log.waitFor(predicate, timeoutMs),
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
