// create, update and patch of an object or of its status subresource; dry runs store nothing.

import { decodeProtobufJob, ProtobufSubsetError } from "../protobuf-job.js";
import { isKubernetesProtobuf } from "../protobuf-ssar.js";
import type { WriteOptions } from "../registry.js";
import { KubeApiError } from "../status.js";
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

/** `kubectl create job` sends protobuf (typed client); the sim decodes that one shape, JSON/YAML otherwise. */
function decodeCreateBody({ req, route, body }: ResourceRequest): unknown {
  const isJob = route.type.group === "batch" && route.type.kind === "Job" && route.subresource === "";
  if (!isJob || !isKubernetesProtobuf(body)) return decodeBody(body, req.headers["content-type"]);
  try {
    return decodeProtobufJob(body);
  } catch (error) {
    if (!(error instanceof ProtobufSubsetError)) throw error;
    throw new KubeApiError({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 415,
      reason: "UnsupportedMediaType",
      message: `the sim cannot decode this protobuf Job (${error.message})`,
    });
  }
}

export function serveCreate(request: ResourceRequest): void {
  const { server, res, route } = request;
  const options = writeOptions(request);
  const created = server.registry.create(route.type, route.namespace, decodeCreateBody(request), options);
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
