// The record of what the receiver was sent: numbered requests with the answer each got, and
// waiters for requests still to come.

import type { SlackCheckResult } from "./slack-api.js";

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

export interface RequestLog {
  /** Since the last clear(); a new array after each clear(). */
  readonly requests: ReceivedRequest[];
  /** The seq for the next request. */
  nextSeq(): number;
  record(entry: ReceivedRequest): void;
  clear(): void;
  /** Requests answered 2xx, optionally for one path. */
  delivered(path?: string): ReceivedRequest[];
  /** Requests after seq `since`, optionally for one path (the admin API's polling). */
  since(since: number, path: string | null): ReceivedRequest[];
  waitFor(predicate: (request: ReceivedRequest) => boolean, timeoutMs: number): Promise<ReceivedRequest>;
}

function summary(requests: readonly ReceivedRequest[]): string {
  return requests.map((r) => `${r.method} ${r.path} → ${r.response.status}`).join(", ");
}

export function createRequestLog(): RequestLog {
  let requests: ReceivedRequest[] = [];
  let seq = 1;
  const waiters = new Set<(request: ReceivedRequest) => void>();

  function waitForNext(
    predicate: (request: ReceivedRequest) => boolean,
    timeoutMs: number,
  ): Promise<ReceivedRequest> {
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
            `webhook receiver: no matching request within ${timeoutMs} ms (${requests.length} received: ${summary(requests)})`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  return {
    get requests() {
      return requests;
    },
    nextSeq: () => seq++,
    record(entry) {
      requests.push(entry);
      for (const notify of [...waiters]) notify(entry);
    },
    clear() {
      requests = [];
    },
    delivered(path) {
      return requests.filter(
        (r) => r.response.status >= 200 && r.response.status < 300 && (path === undefined || r.path === path),
      );
    },
    since(since, path) {
      return requests.filter((r) => r.seq > since && (path === null || r.path === path));
    },
    waitFor(predicate, timeoutMs) {
      const existing = requests.find(predicate);
      if (existing) return Promise.resolve(existing);
      return waitForNext(predicate, timeoutMs);
    },
  };
}
