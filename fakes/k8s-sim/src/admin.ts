// The `/__sim/` admin endpoint: faults, the request log, seeding and reset over HTTP, for other
// processes (`riposte dev`, e2e tests) that cannot hold the SimCluster object. No authentication.

import type { IncomingMessage, ServerResponse } from "node:http";
import { type FaultInjector, type FaultSpec, FaultSpecError } from "./faults.js";
import { type JobOutcomeRule, JobOutcomeRuleError, jobOutcomeRule } from "./job-controller.js";
import { isObject, type KubeObject } from "./json.js";
import type { ContainerLogs, ContainerRef } from "./pod-logs.js";
import type { RequestLog } from "./request-log.js";
import { KubeApiError } from "./status.js";
import { ManifestParseError } from "./yaml-docs.js";

export interface AdminTarget {
  faults: FaultInjector;
  requestLog: RequestLog;
  reset(): void;
  apply(manifests: string): KubeObject[];
  addToken(token: string, user: string, groups?: string[]): void;
  setLogs(container: ContainerRef, logs: ContainerLogs): void;
  setJobOutcome(rule: JobOutcomeRule): void;
}

const ENDPOINTS = [
  "GET    /__sim/requests[?since=<seq>&limit=<n>]  request log, oldest first",
  "DELETE /__sim/requests                          clear the request log",
  "GET    /__sim/faults                            active faults",
  "POST   /__sim/faults   {resource?,verb?,namespace?,name?,status?,retryAfterSeconds?,latencyMs?,drop?,times}",
  "DELETE /__sim/faults                            clear all faults",
  "POST   /__sim/apply    YAML or JSON manifests   create-or-replace objects",
  "POST   /__sim/tokens   {token,user,groups?}     add a bearer token",
  "POST   /__sim/logs     {namespace,pod,container?,current?,previous?}  set a container's logs",
  "POST   /__sim/job-outcomes {namePrefix?,labelSelector?,namespace?,outcome,afterMs?}  how matching Jobs end",
  "POST   /__sim/reset                             back to the startup state; clears faults and log",
];

function send(res: ServerResponse, code: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(code);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch (error) {
    throw new AdminRequestError(`request body is not JSON: ${(error as Error).message}`);
  }
}

class AdminRequestError extends Error {}

export function createAdminHandler(target: AdminTarget) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/\/+$/, "");
    try {
      switch (`${method} ${path}`) {
        case "GET /__sim":
          send(res, 200, { endpoints: ENDPOINTS });
          return;
        case "GET /__sim/requests": {
          const since = Number(url.searchParams.get("since") ?? "0");
          const limit = Number(url.searchParams.get("limit") ?? "0");
          let items = target.requestLog.entries().filter((r) => r.seq > since);
          if (limit > 0) items = items.slice(-limit);
          send(res, 200, { items });
          return;
        }
        case "DELETE /__sim/requests":
          target.requestLog.clear();
          send(res, 204);
          return;
        case "GET /__sim/faults":
          send(res, 200, { items: target.faults.list() });
          return;
        case "POST /__sim/faults": {
          const spec = parseJson(body);
          if (!isObject(spec)) throw new AdminRequestError("fault must be a JSON object");
          send(res, 201, target.faults.inject(spec as unknown as FaultSpec));
          return;
        }
        case "DELETE /__sim/faults":
          target.faults.clear();
          send(res, 204);
          return;
        case "POST /__sim/apply":
          send(res, 200, { items: target.apply(body.toString("utf8")) });
          return;
        case "POST /__sim/tokens": {
          const spec = parseJson(body);
          if (!isObject(spec) || typeof spec.token !== "string" || typeof spec.user !== "string") {
            throw new AdminRequestError('expected {"token": string, "user": string, "groups"?: string[]}');
          }
          const groups = Array.isArray(spec.groups) ? spec.groups.map(String) : [];
          target.addToken(spec.token, spec.user, groups);
          send(res, 204);
          return;
        }
        case "POST /__sim/logs": {
          const spec = parseJson(body);
          const text = (key: string) =>
            isObject(spec) && typeof spec[key] === "string" ? spec[key] : undefined;
          const namespace = text("namespace");
          const pod = text("pod");
          if (!namespace || !pod || (isObject(spec) && spec.container !== undefined && !text("container"))) {
            throw new AdminRequestError(
              'expected {"namespace": string, "pod": string, "container"?: string, "current"?: string, "previous"?: string}',
            );
          }
          const container = text("container");
          const current = text("current");
          const previous = text("previous");
          try {
            target.setLogs(
              { namespace, pod, ...(container ? { container } : {}) },
              {
                ...(current !== undefined ? { current } : {}),
                ...(previous !== undefined ? { previous } : {}),
              },
            );
          } catch (error) {
            throw new AdminRequestError((error as Error).message);
          }
          send(res, 204);
          return;
        }
        case "POST /__sim/job-outcomes":
          target.setJobOutcome(jobOutcomeRule(parseJson(body)));
          send(res, 204);
          return;
        case "POST /__sim/reset":
          target.reset();
          send(res, 204);
          return;
        default:
          send(res, 404, { error: `no admin endpoint ${method} ${path}`, endpoints: ENDPOINTS });
      }
    } catch (error) {
      if (error instanceof KubeApiError) send(res, error.status.code, error.status);
      else if (error instanceof FaultSpecError) send(res, 400, { error: error.message, field: error.field });
      else if (
        error instanceof AdminRequestError ||
        error instanceof ManifestParseError ||
        error instanceof JobOutcomeRuleError
      ) {
        send(res, 400, { error: error.message });
      } else send(res, 500, { error: (error as Error).message });
    }
  };
}
