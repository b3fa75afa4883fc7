// A small keep-alive HTTP/1.1 load generator over raw sockets. It does as little as a client can (one
// prebuilt request written, the status line and length read back), so that on a two-core machine the
// server under test, not the client, is what runs out of CPU. Enough HTTP for what a push endpoint
// answers: Content-Length or chunked bodies, no pipelining.
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";

export interface LoadOptions {
  port: number;
  path?: string;
  /** Keep-alive connections, each with one request in flight. */
  connections: number;
  durationMs: number;
  /** The next request body (called once per request). */
  nextBody: () => Buffer;
}

export interface LoadResult {
  /** Responses completed within the window. */
  completed: number;
  elapsedMs: number;
  perSecond: number;
  /** Response count per HTTP status. */
  statuses: Record<number, number>;
  errors: number;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CHUNKED_END = Buffer.from("0\r\n\r\n");

export function requestHead(path: string, bodyLength: number): Buffer {
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${bodyLength}\r\n\r\n`,
  );
}

/**
 * Where the first complete response in `buffer` ends and its status, or undefined when more bytes are
 * needed. Exported for its test.
 */
export function parseResponse(buffer: Buffer): { status: number; end: number } | undefined {
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const head = buffer.toString("latin1", 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + HEADER_END.length;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, end: bodyStart };
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return buffer.length >= end ? { status, end } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const terminator = buffer.indexOf(CHUNKED_END, bodyStart);
    return terminator < 0 ? undefined : { status, end: terminator + CHUNKED_END.length };
  }
  return { status, end: bodyStart };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const path = options.path ?? "/";
  const statuses: Record<number, number> = {};
  let completed = 0;
  let errors = 0;
  let sending = true;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const runConnection = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ port: options.port, host: "127.0.0.1", noDelay: true });
      let pending: Buffer = Buffer.alloc(0);
      const send = () => {
        const body = options.nextBody();
        socket.write(Buffer.concat([requestHead(path, body.length), body]));
      };
      socket.once("connect", send);
      socket.on("data", (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        for (;;) {
          const response = parseResponse(pending);
          if (!response) return;
          pending = pending.subarray(response.end);
          const now = performance.now();
          if (now <= deadline) {
            completed += 1;
            statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          }
          if (sending && now < deadline) send();
          else socket.end();
        }
      });
      socket.on("error", () => {
        errors += 1;
      });
      socket.on("close", () => resolve());
    });

  const stopper = setTimeout(() => {
    sending = false;
  }, options.durationMs);
  await Promise.all(Array.from({ length: options.connections }, runConnection));
  clearTimeout(stopper);
  const elapsedMs = Math.min(performance.now(), deadline) - started;
  return { completed, elapsedMs, perSecond: (completed / elapsedMs) * 1000, statuses, errors };
}

/** One POST on a fresh connection; resolves with the status, rejects on a connection error. */
export function postOnce(port: number, path: string, body: Buffer, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": body.length, connection: "close" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export async function getJson<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!response.ok) throw new Error(`GET ${path} on port ${port}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
