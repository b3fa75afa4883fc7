// Client for the webhook receiver's admin API, for a process that did not start the receiver
// (an end-to-end test driving `npm start`, the `riposte dev` CLI): read requests, script answers,
// reset. Same shapes as the in-process WebhookReceiver.

import {
  adminPathPrefix,
  type ReceivedRequest,
  type ResponseScript,
  type SlackStandinUser,
} from "./receiver.js";

export interface WebhookReceiverAdmin {
  requests(filter?: { path?: string; since?: number }): Promise<ReceivedRequest[]>;
  script(script: ResponseScript): Promise<void>;
  reset(): Promise<void>;
  /** Adds workspace members the Web API's users.info answers about (a reset keeps them). */
  addSlackUsers(users: SlackStandinUser[]): Promise<void>;
  /** Polls until a request matches (or `timeoutMs`, default 5000, passes). */
  waitFor(
    predicate?: (request: ReceivedRequest) => boolean,
    options?: { timeoutMs?: number; pollMs?: number },
  ): Promise<ReceivedRequest>;
}

/** Raised when the admin API answers something other than success: carries status and body. */
export class WebhookReceiverAdminError extends Error {
  override readonly name = "WebhookReceiverAdminError";
  constructor(
    readonly route: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`webhook receiver admin ${route} answered ${status}: ${body}`);
  }
}

/** `baseUrl` is the receiver's `http://host:port` (its `baseUrl`). */
export function webhookReceiverAdmin(baseUrl: string, fetchImpl: typeof fetch = fetch): WebhookReceiverAdmin {
  const root = `${baseUrl.replace(/\/+$/, "")}${adminPathPrefix}`;

  async function call(method: "GET" | "POST", route: string, body?: unknown): Promise<string> {
    const response = await fetchImpl(`${root}${route}`, {
      method,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }),
    });
    const text = await response.text();
    if (!response.ok) throw new WebhookReceiverAdminError(`${method} ${route}`, response.status, text);
    return text;
  }

  async function requests(filter: { path?: string; since?: number } = {}): Promise<ReceivedRequest[]> {
    const query = new URLSearchParams();
    if (filter.path !== undefined) query.set("path", filter.path);
    if (filter.since !== undefined) query.set("since", String(filter.since));
    const text = await call("GET", `requests?${query}`);
    return (JSON.parse(text) as { requests: ReceivedRequest[] }).requests;
  }

  return {
    requests,
    async script(script) {
      await call("POST", "script", script);
    },
    async reset() {
      await call("POST", "reset");
    },
    async addSlackUsers(users) {
      await call("POST", "slack/users", { users });
    },
    async waitFor(predicate = () => true, { timeoutMs = 5000, pollMs = 50 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      for (;;) {
        const all = await requests();
        seen = all.length;
        const match = all.find(predicate);
        if (match) return match;
        if (Date.now() >= deadline) {
          throw new Error(
            `webhook receiver at ${baseUrl}: no matching request within ${timeoutMs} ms (${seen} received)`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
  };
}
