// Routing: the fixed paths (version, health, OpenAPI, discovery) are answered directly; every other
// path under /api and /apis is decoded into a ResourceRoute (type, namespace, name, subresource, verb).

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  coreApiVersions,
  findGroupVersion,
  negotiateDiscovery,
  versionInfo,
} from "../discovery.js";
import { openApiDocument, openApiRoot } from "../openapi.js";
import { findResource } from "../resources.js";
import { methodNotAllowed, pathNotFound } from "../status.js";
import type { ResourceRoute } from "./context.js";
import { sendJson, sendText } from "./http.js";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  serverAddress: () => string;
}

export type Route =
  | { kind: "resource"; route: ResourceRoute }
  | { kind: "other"; serve: (ctx: RouteContext) => void };

const HEALTH_PATHS = new Set(["/healthz", "/livez", "/readyz"]);

function other(serve: (ctx: RouteContext) => void): Route {
  return { kind: "other", serve };
}

export function routeRequest(method: string, url: URL): Route {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const parts = path.split("/").filter((p) => p !== "");
  if (method !== "GET" && method !== "HEAD" && !(parts[0] === "api" || parts[0] === "apis")) {
    throw methodNotAllowed();
  }
  if (path === "/version") return other(({ res }) => sendJson(res, 200, versionInfo()));
  if (HEALTH_PATHS.has(path)) return other(({ res }) => sendText(res, 200, "ok"));
  if (parts[0] === "openapi") return routeOpenApi(parts);
  if (parts[0] === "api") return routeCore(method, url, parts);
  if (parts[0] === "apis") return routeGroups(method, url, parts);
  throw pathNotFound();
}

function routeOpenApi(parts: string[]): Route {
  if (parts[1] !== "v3") throw pathNotFound();
  if (parts.length === 2) return other(({ res }) => sendJson(res, 200, openApiRoot()));
  const doc = openApiDocument(parts.slice(2).join("/"));
  if (!doc) throw pathNotFound();
  return other(({ res }) => sendJson(res, 200, doc));
}

/** `/api`, `/api/v1` and the core resources under it. */
function routeCore(method: string, url: URL, parts: string[]): Route {
  if (parts.length === 1) return other(serveCoreDiscovery);
  if (parts[1] !== "v1") throw pathNotFound();
  if (parts.length === 2) {
    const gv = findGroupVersion("", "v1");
    if (!gv || method !== "GET") throw methodNotAllowed();
    return other(({ res }) => sendJson(res, 200, apiResourceList(gv)));
  }
  return { kind: "resource", route: parseResourcePath(method, url, "", "v1", parts.slice(2)) };
}

/** `/apis`, `/apis/<group>`, `/apis/<group>/<version>` and the resources under them. */
function routeGroups(method: string, url: URL, parts: string[]): Route {
  if (parts.length === 1) return other(serveGroupsDiscovery);
  const group = parts[1] ?? "";
  if (parts.length === 2) {
    const doc = apiGroupDocument(group);
    if (!doc) throw pathNotFound();
    return other(({ res }) => sendJson(res, 200, doc));
  }
  const version = parts[2] ?? "";
  const gv = findGroupVersion(group, version);
  if (!gv) throw pathNotFound();
  if (parts.length === 3) return other(({ res }) => sendJson(res, 200, apiResourceList(gv)));
  return { kind: "resource", route: parseResourcePath(method, url, group, version, parts.slice(3)) };
}

function serveCoreDiscovery({ req, res, serverAddress }: RouteContext): void {
  const format = negotiateDiscovery(req.headers.accept);
  if (format === "legacy") sendJson(res, 200, coreApiVersions(serverAddress()));
  else
    sendJson(res, 200, aggregatedDiscovery("core", format), {
      "Content-Type": AGGREGATED_CONTENT_TYPE[format],
    });
}

function serveGroupsDiscovery({ req, res }: RouteContext): void {
  const format = negotiateDiscovery(req.headers.accept);
  if (format === "legacy") sendJson(res, 200, apiGroupList());
  else
    sendJson(res, 200, aggregatedDiscovery("groups", format), {
      "Content-Type": AGGREGATED_CONTENT_TYPE[format],
    });
}

function verbFor(method: string, hasName: boolean, watch: boolean): string | undefined {
  switch (method) {
    case "GET":
    case "HEAD":
      return hasName ? "get" : watch ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return undefined;
  }
}

interface PathParts {
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
}

/** Splits `namespaces/<ns>/<resource>/…` (for namespaced resources only) or `<resource>/…`. */
function splitResourceSegments(group: string, version: string, segments: string[]): PathParts {
  const nested =
    segments[0] === "namespaces" && segments.length >= 3
      ? findResource(group, version, segments[2] ?? "")
      : undefined;
  if (nested?.namespaced) {
    if (segments.length > 5) throw pathNotFound();
    return {
      namespace: segments[1] ?? "",
      resource: segments[2] ?? "",
      name: segments[3] ?? "",
      subresource: segments[4] ?? "",
    };
  }
  if (segments.length > 3) throw pathNotFound();
  return {
    namespace: "",
    resource: segments[0] ?? "",
    name: segments[1] ?? "",
    subresource: segments[2] ?? "",
  };
}

/** `/api/v1/namespaces/shop/pods/p1/status` → pods, shop, p1, status. */
function parseResourcePath(
  method: string,
  url: URL,
  group: string,
  version: string,
  rest: string[],
): ResourceRoute {
  let segments = rest;
  let watch = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
  if (segments[0] === "watch") {
    watch = true;
    segments = segments.slice(1);
  }
  const { resource, name, subresource, ...parts } = splitResourceSegments(group, version, segments);
  const type = findResource(group, version, resource);
  if (!type) throw pathNotFound();
  const namespace = type.kind === "Namespace" ? name : parts.namespace;
  const verb = verbFor(method, name !== "", watch);
  if (verb === undefined) throw methodNotAllowed();
  const allowed = subresource ? type.subresources.find((s) => s.name === subresource)?.verbs : type.verbs;
  if (allowed === undefined) throw pathNotFound();
  if (!allowed.includes(verb)) throw methodNotAllowed();
  if (type.namespaced && namespace === "" && (verb === "create" || name !== "")) throw pathNotFound();
  return { type, namespace, name, subresource, verb };
}
