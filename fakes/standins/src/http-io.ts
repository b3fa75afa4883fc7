// Node http plumbing the stand-ins share: headers as a flat record, a size-limited body reader, body
// parsing (JSON or Slack's form-encoded `payload=`), plain-text and JSON answers, listening on a port,
// and closing (open connections too, so a hanging answer cannot keep a test waiting).

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Lower-case header names; repeated headers joined with ", ". */
export function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

export class BodyTooLargeError extends Error {}

export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
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
export function parseBody(rawBody: string, contentType: string | undefined): { json?: unknown } {
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

export function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  response.end(body);
}

/** A JSON answer, as Google's and Slack's APIs give one. */
export function sendJson(
  response: ServerResponse,
  status: number,
  json: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(json));
}

/** Listens on `port` (0: any free one) and `host`; resolves with the port and base URL it got. */
export async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}` };
}

/** Stops listening and ends every open connection (kept-alive or left hanging); resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
