// The HTTP face of the sim: routes Kubernetes REST paths to the registry, negotiates JSON vs Table
// and discovery formats, authenticates, authorizes, injects faults, streams watches and logs requests.

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
  parseAccept,
  versionInfo,
} from "./discovery.js";
import type { FaultInjector } from "./faults.js";
import { getNumber, getPath, isObject, type JsonObject, type KubeObject, metaOf } from "./json.js";
import { openApiDocument, openApiRoot } from "./openapi.js";
import { decodeSelfSubjectAccessReview, isKubernetesProtobuf } from "./protobuf-ssar.js";
import {
  type Authorizer,
  alwaysAllowed,
  forbiddenError,
  type RequestAttributes,
  type TokenAuthenticator,
  type UserInfo,
} from "./rbac.js";
import { type DeleteOptions, patchDocument, type Registry } from "./registry.js";
import type { RequestLog, RequestRecord } from "./request-log.js";
import { summarizeBody } from "./request-log.js";
import { apiVersionOf, findResource, type ResourceType } from "./resources.js";
import { formatLabelSelector, labelSelectorFromObject } from "./selectors.js";
import {
  badRequest,
  gone,
  injectedFailure,
  internalError,
  KubeApiError,
  methodNotAllowed,
  pathNotFound,
  unauthorized,
  unsupportedMediaType,
} from "./status.js";
import type { ObjectStore, StoreEvent } from "./store.js";
import { buildTable, type IncludeObject } from "./tables.js";
import { loadYamlDocuments, ManifestParseError } from "./yaml-docs.js";

export interface ApiServerContext {
  registry: Registry;
  store: ObjectStore;
  authenticator: TokenAuthenticator;
  authorizer: Authorizer;
  faults: FaultInjector;
  requestLog: RequestLog;
  now: () => Date;
  /** `host:port` as clients reach the server (for APIVersions). */
  serverAddress: () => string;
  /** Handles `/__sim/…`; answers nothing else. */
  admin: (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** A request for a resource, decoded from its path as the API server's RequestInfoFactory does. */
export interface ResourceRoute {
  type: ResourceType;
  namespace: string;
  name: string;
  subresource: string;
  verb: string;
}

type Route =
  | { kind: "resource"; route: ResourceRoute }
  | { kind: "other"; serve: (ctx: RouteContext) => void };

interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

function sendJson(
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

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new KubeApiError({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            code: 413,
            reason: "RequestEntityTooLarge",
            message: `Request entity too large: limit is ${MAX_BODY_BYTES}`,
          }),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Decodes a JSON or YAML request body; protobuf is refused like an unknown format. */
function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (body.length === 0) return undefined;
  if (type === "application/vnd.kubernetes.protobuf" || isKubernetesProtobuf(body)) {
    throw unsupportedMediaType(type, ["application/json", "application/yaml"]);
  }
  const text = body.toString("utf8");
  if (type === "application/yaml" || type === "application/apply-patch+yaml") {
    try {
      const [doc] = loadYamlDocuments(text);
      return doc;
    } catch (error) {
      if (error instanceof ManifestParseError) throw badRequest(`error decoding YAML: ${error.message}`);
      throw error;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

function wantsTable(accept: string | undefined): boolean {
  return parseAccept(accept).some(
    (m) => m.params.as === "Table" && (m.params.g ?? "meta.k8s.io") === "meta.k8s.io",
  );
}

function includeObjectParam(url: URL): IncludeObject {
  const value = url.searchParams.get("includeObject");
  return value === "None" || value === "Object" ? value : "Metadata";
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
  let namespace = "";
  let resource: string;
  let name = "";
  let subresource = "";
  const nested =
    segments[0] === "namespaces" && segments.length >= 3
      ? findResource(group, version, segments[2] ?? "")
      : undefined;
  if (nested?.namespaced) {
    namespace = segments[1] ?? "";
    resource = segments[2] ?? "";
    name = segments[3] ?? "";
    subresource = segments[4] ?? "";
    if (segments.length > 5) throw pathNotFound();
  } else {
    resource = segments[0] ?? "";
    name = segments[1] ?? "";
    subresource = segments[2] ?? "";
    if (segments.length > 3) throw pathNotFound();
  }
  const type = findResource(group, version, resource);
  if (!type) throw pathNotFound();
  if (type.kind === "Namespace") namespace = name;
  const verb = verbFor(method, name !== "", watch);
  if (verb === undefined) throw methodNotAllowed();
  const allowed = subresource ? type.subresources.find((s) => s.name === subresource)?.verbs : type.verbs;
  if (allowed === undefined) throw pathNotFound();
  if (!allowed.includes(verb)) throw methodNotAllowed();
  if (type.namespaced && namespace === "" && (verb === "create" || name !== "")) throw pathNotFound();
  return { type, namespace, name, subresource, verb };
}

function deleteOptionsFrom(body: unknown, url: URL): DeleteOptions {
  const options: DeleteOptions = {};
  const source = isObject(body) ? body : {};
  const grace = getNumber(source, ["gracePeriodSeconds"]) ?? numberParam(url, "gracePeriodSeconds");
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const preconditions = isObject(source.preconditions) ? source.preconditions : undefined;
  if (preconditions) {
    options.preconditions = {};
    if (typeof preconditions.uid === "string") options.preconditions.uid = preconditions.uid;
    if (typeof preconditions.resourceVersion === "string") {
      options.preconditions.resourceVersion = preconditions.resourceVersion;
    }
  }
  const propagation =
    typeof source.propagationPolicy === "string"
      ? source.propagationPolicy
      : url.searchParams.get("propagationPolicy");
  if (propagation) options.propagationPolicy = propagation;
  if (source.orphanDependents === true) options.propagationPolicy = "Orphan";
  if (isDryRun(url) || (Array.isArray(source.dryRun) && source.dryRun.includes("All"))) options.dryRun = true;
  return options;
}

function numberParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw badRequest(`invalid ${name} ${JSON.stringify(raw)}: expected a number`);
  return value;
}

function isDryRun(url: URL): boolean {
  return url.searchParams.getAll("dryRun").includes("All");
}

function listBody(type: ResourceType, items: KubeObject[], metadata: JsonObject): JsonObject {
  return {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata,
    // Typed lists from kube-apiserver carry no kind/apiVersion on their items.
    items: items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest),
  };
}

/** The autoscaling/v1 Scale view of a workload (what `kubectl scale` reads and patches). */
function scaleOf(obj: KubeObject): JsonObject {
  const meta = metaOf(obj);
  const selector = formatLabelSelector(labelSelectorFromObject(getPath(obj, ["spec", "selector"])));
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: getNumber(obj, ["spec", "replicas"]) ?? 0 },
    status: {
      replicas: getNumber(obj, ["status", "replicas"]) ?? 0,
      selector: selector === "<none>" ? "" : selector,
    },
  };
}

export function createApiRequestHandler(
  ctx: ApiServerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { registry, store } = ctx;

  const route = (method: string, url: URL): Route => {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const parts = path.split("/").filter((p) => p !== "");
    const other = (serve: (c: RouteContext) => void): Route => ({ kind: "other", serve });
    if (method !== "GET" && method !== "HEAD" && !(parts[0] === "api" || parts[0] === "apis")) {
      throw methodNotAllowed();
    }
    if (path === "/version") return other(({ res }) => sendJson(res, 200, versionInfo()));
    if (path === "/healthz" || path === "/livez" || path === "/readyz")
      return other(({ res }) => sendText(res, 200, "ok"));
    if (parts[0] === "openapi") {
      if (parts[1] !== "v3") throw pathNotFound();
      if (parts.length === 2) return other(({ res }) => sendJson(res, 200, openApiRoot()));
      const doc = openApiDocument(parts.slice(2).join("/"));
      if (!doc) throw pathNotFound();
      return other(({ res }) => sendJson(res, 200, doc));
    }
    if (parts[0] === "api") {
      if (parts.length === 1) {
        return other(({ req, res }) => {
          const format = negotiateDiscovery(req.headers.accept);
          if (format === "legacy") sendJson(res, 200, coreApiVersions(ctx.serverAddress()));
          else
            sendJson(res, 200, aggregatedDiscovery("core", format), {
              "Content-Type": AGGREGATED_CONTENT_TYPE[format],
            });
        });
      }
      if (parts[1] !== "v1") throw pathNotFound();
      if (parts.length === 2) {
        const gv = findGroupVersion("", "v1");
        if (!gv || method !== "GET") throw methodNotAllowed();
        return other(({ res }) => sendJson(res, 200, apiResourceList(gv)));
      }
      return { kind: "resource", route: parseResourcePath(method, url, "", "v1", parts.slice(2)) };
    }
    if (parts[0] === "apis") {
      if (parts.length === 1) {
        return other(({ req, res }) => {
          const format = negotiateDiscovery(req.headers.accept);
          if (format === "legacy") sendJson(res, 200, apiGroupList());
          else
            sendJson(res, 200, aggregatedDiscovery("groups", format), {
              "Content-Type": AGGREGATED_CONTENT_TYPE[format],
            });
        });
      }
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
    throw pathNotFound();
  };

  const authorize = (user: UserInfo, fullAccess: boolean, attributes: Omit<RequestAttributes, "user">) => {
    if (fullAccess) return;
    const full: RequestAttributes = { ...attributes, user };
    if (alwaysAllowed(full)) return;
    const decision = ctx.authorizer.authorize(full);
    if (!decision.allowed) throw forbiddenError(full, decision.reason);
  };

  const handleWatch = (req: IncomingMessage, res: ServerResponse, r: ResourceRoute, url: URL) => {
    const { type } = r;
    const listOptions = {
      ...(url.searchParams.get("labelSelector")
        ? { labelSelector: url.searchParams.get("labelSelector") ?? "" }
        : {}),
      ...(url.searchParams.get("fieldSelector")
        ? { fieldSelector: url.searchParams.get("fieldSelector") ?? "" }
        : {}),
    };
    const matches = registry.matcher(type, r.namespace || undefined, listOptions);
    const table = wantsTable(req.headers.accept);
    const includeObject = includeObjectParam(url);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
    // Clients wait for the response headers before reading events; send them now.
    res.flushHeaders();
    const send = (eventType: string, stored: KubeObject) => {
      const served = registry.serve(type, stored);
      const object = table
        ? buildTable(type.printer, [stored], {
            now: ctx.now(),
            resourceVersion: metaOf(served).resourceVersion ?? "",
            includeObject,
          })
        : served;
      res.write(`${JSON.stringify({ type: eventType, object })}\n`);
    };
    const deliver = (event: StoreEvent) => {
      if (event.storage !== type.storage) return;
      const now = matches(event.object);
      const before = event.previous ? matches(event.previous) : undefined;
      if (event.type === "ADDED" && now) send("ADDED", event.object);
      else if (event.type === "DELETED" && now) send("DELETED", event.object);
      else if (event.type === "MODIFIED") {
        if (now && before !== false) send("MODIFIED", event.object);
        else if (now) send("ADDED", event.object);
        else if (before && event.previous) send("DELETED", event.object);
      }
    };
    const rvParam = url.searchParams.get("resourceVersion") ?? "";
    if (rvParam === "" || rvParam === "0") {
      for (const obj of store.list(type.storage, r.namespace ? { namespace: r.namespace } : {})) {
        if (matches(obj)) send("ADDED", obj);
      }
    } else {
      const since = store.eventsSince(Number(rvParam));
      if (since === "expired" || !/^\d+$/.test(rvParam)) {
        const status = gone(
          `too old resource version: ${rvParam} (${store.currentResourceVersion()})`,
        ).status;
        res.end(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
        return;
      }
      for (const event of since) deliver(event);
    }
    const unsubscribe = store.subscribe(deliver);
    const timeoutSeconds = numberParam(url, "timeoutSeconds") ?? 1800;
    const timer = setTimeout(() => res.end(), timeoutSeconds * 1000);
    const cleanup = () => {
      clearTimeout(timer);
      unsubscribe();
    };
    res.on("close", cleanup);
    res.on("finish", cleanup);
  };

  const selfSubjectAccessReview = (
    res: ServerResponse,
    user: UserInfo,
    fullAccess: boolean,
    body: Buffer,
    contentType: string | undefined,
  ) => {
    let review: unknown;
    if (isKubernetesProtobuf(body)) {
      try {
        review = decodeSelfSubjectAccessReview(body);
      } catch (error) {
        throw badRequest(`cannot decode SelfSubjectAccessReview: ${(error as Error).message}`);
      }
    } else {
      review = decodeBody(body, contentType);
    }
    const spec = isObject(review) && isObject(review.spec) ? review.spec : {};
    const resource = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
    const nonResource = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
    const attributes: RequestAttributes = {
      user,
      verb: String((resource ?? nonResource)?.verb ?? ""),
      resourceRequest: resource !== undefined,
      apiGroup: String(resource?.group ?? ""),
      resource: String(resource?.resource ?? ""),
      subresource: String(resource?.subresource ?? ""),
      namespace: String(resource?.namespace ?? ""),
      name: String(resource?.name ?? ""),
      path: String(nonResource?.path ?? ""),
    };
    const allowed = fullAccess || alwaysAllowed(attributes) || ctx.authorizer.authorize(attributes).allowed;
    sendJson(res, 201, {
      kind: "SelfSubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed },
    });
  };

  const serveResource = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    r: ResourceRoute,
    body: Buffer,
    user: UserInfo,
    fullAccess: boolean,
  ) => {
    const { type, namespace, name, subresource, verb } = r;
    const contentType = req.headers["content-type"];
    const dryRun = isDryRun(url);
    const table = wantsTable(req.headers.accept);
    const respond = (code: number, obj: KubeObject) => {
      if (table && (verb === "get" || verb === "list")) {
        sendJson(
          res,
          code,
          buildTable(type.printer, [type.view ? type.view.toStorage(obj) : obj], {
            now: ctx.now(),
            resourceVersion: metaOf(obj).resourceVersion ?? "",
            includeObject: includeObjectParam(url),
          }),
        );
      } else {
        sendJson(res, code, obj);
      }
    };

    if (type.resource === "selfsubjectaccessreviews") {
      selfSubjectAccessReview(res, user, fullAccess, body, contentType);
      return;
    }

    if (subresource === "log") {
      registry.get(type, namespace, name);
      sendText(res, 200, "");
      return;
    }
    if (subresource === "eviction") {
      const eviction = decodeBody(body, contentType);
      const options = deleteOptionsFrom(isObject(eviction) ? eviction.deleteOptions : undefined, url);
      registry.delete(type, namespace, name, options);
      sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
      return;
    }
    if (subresource === "scale") {
      const current = registry.get(type, namespace, name);
      if (verb === "get") {
        sendJson(res, 200, scaleOf(current));
        return;
      }
      const incoming = decodeBody(body, contentType);
      const desired =
        verb === "patch" ? patchDocument(mediaType(contentType), scaleOf(current), incoming) : incoming;
      const replicas = getNumber(desired, ["spec", "replicas"]);
      if (replicas === undefined) throw badRequest("Scale.spec.replicas is required");
      const resourceVersion = isObject(desired) ? metaOf(desired).resourceVersion : undefined;
      const { object } = registry.patch(
        type,
        namespace,
        name,
        "application/merge-patch+json",
        { metadata: resourceVersion ? { resourceVersion } : {}, spec: { replicas } },
        { dryRun },
      );
      sendJson(res, 200, scaleOf(object));
      return;
    }
    const writeOptions = { dryRun, ...(subresource === "status" ? { subresource: "status" as const } : {}) };

    switch (verb) {
      case "get":
        respond(200, registry.get(type, namespace, name));
        return;
      case "list": {
        const limit = numberParam(url, "limit");
        const result = registry.list(type, namespace || undefined, {
          ...(url.searchParams.get("labelSelector")
            ? { labelSelector: url.searchParams.get("labelSelector") ?? "" }
            : {}),
          ...(url.searchParams.get("fieldSelector")
            ? { fieldSelector: url.searchParams.get("fieldSelector") ?? "" }
            : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(url.searchParams.get("continue")
            ? { continueToken: url.searchParams.get("continue") ?? "" }
            : {}),
        });
        const metadata: JsonObject = { resourceVersion: result.resourceVersion };
        if (result.continueToken) {
          metadata.continue = result.continueToken;
          metadata.remainingItemCount = result.remainingItemCount;
        }
        if (table) {
          const stored = result.items.map((item) => (type.view ? type.view.toStorage(item) : item));
          sendJson(
            res,
            200,
            buildTable(type.printer, stored, {
              now: ctx.now(),
              resourceVersion: result.resourceVersion,
              includeObject: includeObjectParam(url),
              ...(result.continueToken ? { continueToken: result.continueToken } : {}),
            }),
          );
        } else {
          sendJson(res, 200, listBody(type, result.items, metadata));
        }
        return;
      }
      case "watch":
        handleWatch(req, res, r, url);
        return;
      case "create":
        respond(201, registry.create(type, namespace, decodeBody(body, contentType), writeOptions));
        return;
      case "update":
        respond(200, registry.update(type, namespace, name, decodeBody(body, contentType), writeOptions));
        return;
      case "patch": {
        const patch = decodeBody(body, contentType);
        const { object, created } = registry.patch(
          type,
          namespace,
          name,
          mediaType(contentType),
          patch,
          writeOptions,
        );
        respond(created ? 201 : 200, object);
        return;
      }
      case "delete":
        sendJson(
          res,
          200,
          registry.delete(type, namespace, name, deleteOptionsFrom(decodeBody(body, contentType), url)).body,
        );
        return;
      case "deletecollection": {
        const deleted = registry.deleteCollection(
          type,
          namespace || undefined,
          {
            ...(url.searchParams.get("labelSelector")
              ? { labelSelector: url.searchParams.get("labelSelector") ?? "" }
              : {}),
            ...(url.searchParams.get("fieldSelector")
              ? { fieldSelector: url.searchParams.get("fieldSelector") ?? "" }
              : {}),
          },
          deleteOptionsFrom(decodeBody(body, contentType), url),
        );
        sendJson(
          res,
          200,
          listBody(type, deleted, { resourceVersion: String(store.currentResourceVersion()) }),
        );
        return;
      }
      default:
        throw methodNotAllowed();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://k8s-sim.invalid");
    const body = await readBody(req);
    if (url.pathname === "/__sim" || url.pathname.startsWith("/__sim/")) {
      await ctx.admin(req, res, url, body);
      return;
    }
    const record: Omit<RequestRecord, "seq" | "status" | "durationMs"> = {
      time: ctx.now().toISOString(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
    };
    if (req.headers["user-agent"]) record.userAgent = req.headers["user-agent"];
    if (req.headers["content-type"]) record.contentType = req.headers["content-type"];
    const summary = summarizeBody(isKubernetesProtobuf(body) ? "<protobuf>" : body.toString("utf8"));
    if (summary !== undefined) record.bodySummary = summary;
    let dropped = false;
    res.on("close", () => {
      ctx.requestLog.record({
        ...record,
        // A client that went away before any answer was sent got none: 0, not the default 200.
        status: dropped || !res.headersSent ? 0 : res.statusCode,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    });
    try {
      const matched = route(method, url);
      if (matched.kind === "resource") {
        const r = matched.route;
        record.verb = r.verb;
        record.resource = r.type.resource;
        if (r.subresource) record.subresource = r.subresource;
        if (r.namespace) record.namespace = r.namespace;
        if (r.name) record.name = r.name;
        const fault = ctx.faults.take({
          verb: r.verb,
          resource: r.type.resource,
          subresource: r.subresource,
          namespace: r.namespace,
          name: r.name,
        });
        if (fault) {
          record.faultId = fault.id;
          if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
          // The client gave up during the delay (its deadline passed): like an API server whose request
          // context is cancelled before the write, nothing is done; the log shows status 0.
          if (req.socket.destroyed) {
            dropped = true;
            return;
          }
          if (fault.drop) {
            dropped = true;
            req.socket.destroy();
            return;
          }
          if (fault.status !== undefined) throw injectedFailure(fault.status, fault.retryAfterSeconds);
        }
      }
      const authentication = ctx.authenticator.authenticate(req.headers.authorization);
      if (authentication.kind === "unauthorized") throw unauthorized();
      record.user = authentication.user.name;
      const { user, fullAccess } = authentication;
      if (matched.kind === "other") {
        authorize(user, fullAccess, {
          verb: method === "HEAD" ? "get" : method.toLowerCase(),
          resourceRequest: false,
          apiGroup: "",
          resource: "",
          subresource: "",
          namespace: "",
          name: "",
          path: url.pathname,
        });
        matched.serve({ req, res, url });
        return;
      }
      const r = matched.route;
      authorize(user, fullAccess, {
        verb: r.verb,
        resourceRequest: true,
        apiGroup: r.type.group,
        resource: r.type.resource,
        subresource: r.subresource,
        namespace: r.namespace,
        name: r.name,
        path: url.pathname,
      });
      serveResource(req, res, url, r, body, user, fullAccess);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiError =
        error instanceof KubeApiError ? error : internalError((error as Error).message ?? String(error));
      sendJson(res, apiError.status.code, apiError.status, { ...apiError.headers });
    }
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        const apiError = error instanceof KubeApiError ? error : internalError(String(error));
        sendJson(res, apiError.status.code, apiError.status, { ...apiError.headers });
      } else {
        res.destroy();
      }
    });
  };
}
