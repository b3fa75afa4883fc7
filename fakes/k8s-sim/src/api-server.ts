// The HTTP face of the sim: routes Kubernetes REST paths to the registry, negotiates JSON vs Table
// and discovery formats, authenticates, authorizes, injects faults, streams watches and logs requests.
// Each of those jobs lives in ./server/; this module only wires them in request order.

import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, authorize, nonResourceAttributes, resourceAttributes } from "./server/auth.js";
import type { ApiServerContext } from "./server/context.js";
import { serveResource } from "./server/dispatch.js";
import { applyFault, faultTarget } from "./server/fault-hook.js";
import { readBody, sendStatus } from "./server/http.js";
import { noteResource, type RequestTrace, type TracedRequest, traceRequest } from "./server/request-trace.js";
import { routeRequest } from "./server/routes.js";
import { internalError, KubeApiError } from "./status.js";

export type { ApiServerContext, ResourceRoute } from "./server/context.js";

type ApiRequest = Omit<TracedRequest, "started">;

/** Route, then the injected fault (before authentication: it hits whatever the token), authn, authz, serve. */
async function serveApiRequest(ctx: ApiServerContext, request: ApiRequest, trace: RequestTrace) {
  const { req, res, method, url, body } = request;
  const matched = routeRequest(method, url);
  if (matched.kind === "resource") {
    noteResource(trace.record, matched.route);
    const fault = ctx.faults.take(faultTarget(matched.route));
    if (fault && (await applyFault(fault, req, trace))) return;
  }
  const caller = authenticate(ctx.authenticator, req.headers.authorization);
  trace.record.user = caller.user.name;
  if (matched.kind === "other") {
    authorize(ctx.authorizer, caller, nonResourceAttributes(method, url));
    matched.serve({ req, res, url, serverAddress: () => ctx.serverAddress() });
    return;
  }
  authorize(ctx.authorizer, caller, resourceAttributes(matched.route, url));
  serveResource({ server: ctx, req, res, url, route: matched.route, body, caller });
}

/** An error before the answer started becomes its Status; after, the stream can only be cut. */
function failRequest(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendStatus(
    res,
    error instanceof KubeApiError ? error : internalError((error as Error).message ?? String(error)),
  );
}

async function handleRequest(ctx: ApiServerContext, req: IncomingMessage, res: ServerResponse) {
  const started = performance.now();
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://k8s-sim.invalid");
  const body = await readBody(req);
  if (url.pathname === "/__sim" || url.pathname.startsWith("/__sim/")) {
    await ctx.admin(req, res, url, body);
    return;
  }
  const request: ApiRequest = { req, res, method, url, body };
  const trace = traceRequest(ctx.requestLog, ctx.now, { ...request, started });
  try {
    await serveApiRequest(ctx, request, trace);
  } catch (error) {
    failRequest(res, error);
  }
}

export function createApiRequestHandler(
  ctx: ApiServerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Reached for a body over the size limit (413) and for errors of the admin endpoint.
    handleRequest(ctx, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendStatus(res, error instanceof KubeApiError ? error : internalError(String(error)));
      else res.destroy();
    });
  };
}
