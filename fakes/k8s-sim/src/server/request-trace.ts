// The request log entry of one API request: filled in as the request is understood (route, fault,
// user) and recorded when the connection closes, with the status actually sent.

import type { IncomingMessage, ServerResponse } from "node:http";
import { isKubernetesProtobuf } from "../protobuf-ssar.js";
import { type RequestLog, type RequestRecord, summarizeBody } from "../request-log.js";
import type { ResourceRoute } from "./context.js";

export interface RequestTrace {
  record: Omit<RequestRecord, "seq" | "status" | "durationMs">;
  /** No answer is sent on purpose (a dropped or abandoned request). */
  dropped: boolean;
}

export interface TracedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  body: Buffer;
  /** `performance.now()` when the request arrived, before its body was read. */
  started: number;
}

export function traceRequest(requestLog: RequestLog, now: () => Date, request: TracedRequest): RequestTrace {
  const { req, res, method, url, body, started } = request;
  const record: RequestTrace["record"] = {
    time: now().toISOString(),
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  };
  if (req.headers["user-agent"]) record.userAgent = req.headers["user-agent"];
  if (req.headers["content-type"]) record.contentType = req.headers["content-type"];
  const summary = summarizeBody(isKubernetesProtobuf(body) ? "<protobuf>" : body.toString("utf8"));
  if (summary !== undefined) record.bodySummary = summary;
  const trace: RequestTrace = { record, dropped: false };
  requestLog.begin(record);
  res.on("close", () => {
    requestLog.record(
      {
        ...record,
        // A client that went away before any answer was sent got none: 0, not the default 200.
        status: trace.dropped || !res.headersSent ? 0 : res.statusCode,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      },
      record,
    );
  });
  return trace;
}

export function noteResource(record: RequestTrace["record"], route: ResourceRoute): void {
  record.verb = route.verb;
  record.resource = route.type.resource;
  if (route.subresource) record.subresource = route.subresource;
  if (route.namespace) record.namespace = route.namespace;
  if (route.name) record.name = route.name;
}
