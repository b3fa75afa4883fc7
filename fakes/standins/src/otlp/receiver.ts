// A local OTLP/HTTP trace receiver (JSON encoding, what @opentelemetry/exporter-trace-otlp-http
// sends by default): `riposte dev` runs one, and the trace tests collect their spans with it.
// POST /v1/traces stores spans; GET /api/spans?traceId=…|attribute=key=value reads them back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind number: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  service: string;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error */
  statusCode: number;
  statusMessage?: string;
}

export interface OtlpReceiver {
  url: string;
  port: number;
  /** The base for OTEL_EXPORTER_OTLP_ENDPOINT (exporters append /v1/traces). */
  endpoint: string;
  spans(filter?: { traceId?: string; attribute?: [string, string] }): CollectedSpan[];
  waitForSpans(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  clear(): void;
  close(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

function decodeAnyValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeAnyValue);
  return undefined;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((entry) => [entry.key, decodeAnyValue(entry.value)]));
}

/** OTLP/JSON ids are hex; some encoders send base64 — accept both. */
function hexId(id: string | undefined, bytes: number): string | undefined {
  if (!id) return undefined;
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`, "i").test(id)) return id.toLowerCase();
  const decoded = Buffer.from(id, "base64");
  return decoded.length === bytes ? decoded.toString("hex") : undefined;
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId?: string;
        spanId?: string;
        parentSpanId?: string;
        name?: string;
        kind?: number;
        startTimeUnixNano?: string | number;
        endTimeUnixNano?: string | number;
        attributes?: OtlpKeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

export function parseExportRequest(body: ExportRequest): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const traceId = hexId(span.traceId, 16);
        const spanId = hexId(span.spanId, 8);
        if (!traceId || !spanId) continue;
        const start = String(span.startTimeUnixNano ?? "0");
        const end = String(span.endTimeUnixNano ?? start);
        const parentSpanId = hexId(span.parentSpanId, 8);
        spans.push({
          traceId,
          spanId,
          ...(parentSpanId ? { parentSpanId } : {}),
          name: span.name ?? "",
          kind: span.kind ?? 0,
          startTimeUnixNano: start,
          endTimeUnixNano: end,
          durationMs: Number((BigInt(end) - BigInt(start)) / 1000n) / 1000,
          service: String(resource["service.name"] ?? "unknown"),
          attributes: attributesOf(span.attributes),
          statusCode: span.status?.code ?? 0,
          ...(span.status?.message ? { statusMessage: span.status.message } : {}),
        });
      }
    }
  }
  return spans;
}

const MAX_SPANS = 200_000;

export async function startOtlpReceiver(
  options: { port?: number; host?: string } = {},
): Promise<OtlpReceiver> {
  let stored: CollectedSpan[] = [];
  const select = (filter: { traceId?: string; attribute?: [string, string] } = {}) =>
    stored.filter(
      (span) =>
        (!filter.traceId || span.traceId === filter.traceId) &&
        (!filter.attribute || String(span.attributes[filter.attribute[0]]) === filter.attribute[1]),
    );

  const readBody = (request: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve(Buffer.concat(chunks)));
      request.on("error", reject);
    });

  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://receiver");
    if (request.method === "POST" && url.pathname === "/v1/traces") {
      if (!(request.headers["content-type"] ?? "").includes("json")) {
        return answer(response, 415, {
          error: "this receiver accepts OTLP/HTTP JSON only (application/json)",
        });
      }
      try {
        const spans = parseExportRequest(
          JSON.parse((await readBody(request)).toString("utf8")) as ExportRequest,
        );
        stored.push(...spans);
        if (stored.length > MAX_SPANS) stored = stored.slice(stored.length - MAX_SPANS);
        return answer(response, 200, {});
      } catch (error) {
        return answer(response, 400, {
          error: `not an OTLP JSON export request: ${(error as Error).message}`,
        });
      }
    }
    if (request.method === "GET" && url.pathname === "/api/spans") {
      const attribute = url.searchParams.get("attribute");
      const separator = attribute?.indexOf("=") ?? -1;
      return answer(response, 200, {
        spans: select({
          ...(url.searchParams.get("traceId") ? { traceId: url.searchParams.get("traceId") as string } : {}),
          ...(attribute && separator > 0
            ? {
                attribute: [attribute.slice(0, separator), attribute.slice(separator + 1)] as [
                  string,
                  string,
                ],
              }
            : {}),
        }),
      });
    }
    return answer(response, 404, { error: "POST /v1/traces or GET /api/spans" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    port,
    endpoint: url,
    spans: select,
    async waitForSpans(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (predicate(stored)) return stored;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return stored;
    },
    clear() {
      stored = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
