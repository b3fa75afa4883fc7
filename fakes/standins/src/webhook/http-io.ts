// Node http plumbing for the receiver: headers as a flat record, a size-limited body reader, body
// parsing (JSON or Slack's form-encoded `payload=`), and plain-text answers.

import type { IncomingMessage, ServerResponse } from "node:http";

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
