// create, update and patch of an object or of its status subresource; dry runs store nothing.

import type { WriteOptions } from "../registry.js";
import type { ResourceRequest } from "./context.js";
import { decodeBody, mediaType, sendJson } from "./http.js";
import { isDryRun } from "./params.js";

/** A write to `…/status` changes only the status; one to the object keeps the stored status. */
function writeOptions({ url, route }: ResourceRequest): WriteOptions {
  return {
    dryRun: isDryRun(url),
    ...(route.subresource === "status" ? { subresource: "status" as const } : {}),
  };
}

export function serveCreate(request: ResourceRequest): void {
  const { server, req, res, route, body } = request;
  const options = writeOptions(request);
  const created = server.registry.create(
    route.type,
    route.namespace,
    decodeBody(body, req.headers["content-type"]),
    options,
  );
  sendJson(res, 201, created);
}

export function serveUpdate(request: ResourceRequest): void {
  const { server, req, res, route, body } = request;
  const options = writeOptions(request);
  const updated = server.registry.update(
    route.type,
    route.namespace,
    route.name,
    decodeBody(body, req.headers["content-type"]),
    options,
  );
  sendJson(res, 200, updated);
}

export function servePatch(request: ResourceRequest): void {
  const { server, req, res, route, body } = request;
  const options = writeOptions(request);
  const contentType = req.headers["content-type"];
  const patch = decodeBody(body, contentType);
  const { object, created } = server.registry.patch(
    route.type,
    route.namespace,
    route.name,
    mediaType(contentType),
    patch,
    options,
  );
  // Server-side apply of an object that did not exist creates it.
  sendJson(res, created ? 201 : 200, object);
}
