// The wire: reading request bodies (bounded, JSON or YAML) and writing JSON, text and Status answers.

import type { IncomingMessage, ServerResponse } from "node:http";
import { isKubernetesProtobuf } from "../protobuf-ssar.js";
import { badRequest, KubeApiError, unsupportedMediaType } from "../status.js";
import { loadYamlDocuments, ManifestParseError } from "../yaml-docs.js";

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The Status of an API error, with its headers (Retry-After on 429). */
export function sendStatus(res: ServerResponse, error: KubeApiError): void {
  sendJson(res, error.status.code, error.status, { ...error.headers });
}

function requestEntityTooLarge(): KubeApiError {
  return new KubeApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    code: 413,
    reason: "RequestEntityTooLarge",
    message: `Request entity too large: limit is ${MAX_BODY_BYTES}`,
  });
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(requestEntityTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function decodeYaml(text: string): unknown {
  try {
    const [doc] = loadYamlDocuments(text);
    return doc;
  } catch (error) {
    if (error instanceof ManifestParseError) throw badRequest(`error decoding YAML: ${error.message}`);
    throw error;
  }
}

function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

/** Decodes a JSON or YAML request body; protobuf is refused like an unknown format. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (body.length === 0) return undefined;
  if (type === "application/vnd.kubernetes.protobuf" || isKubernetesProtobuf(body)) {
    throw unsupportedMediaType(type, ["application/json", "application/yaml"]);
  }
  const text = body.toString("utf8");
  if (type === "application/yaml" || type === "application/apply-patch+yaml") return decodeYaml(text);
  return decodeJson(text);
}
