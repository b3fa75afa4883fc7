// The subresources with their own shape: pods/log (the text the sim was given for the container),
// pods/eviction (a delete with options) and the autoscaling/v1 Scale of workloads (kubectl scale).

import { getNumber, getPath, isObject, type JsonObject, type KubeObject, metaOf } from "../json.js";
import { patchDocument } from "../registry.js";
import { formatLabelSelector, labelSelectorFromObject } from "../selectors.js";
import { badRequest } from "../status.js";
import type { ResourceRequest } from "./context.js";
import { decodeBody, mediaType, sendJson, sendText } from "./http.js";
import { deleteOptionsFrom, isDryRun } from "./params.js";

/** A boolean query parameter as the API server converts it: `true`/`1` (case-insensitive) is true. */
function flag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name)?.toLowerCase();
  return value === "true" || value === "1";
}

function integer(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`${name}: invalid value "${raw}": must be an integer`);
  return Number(raw);
}

export function serveLog({ server, res, url, route }: ResourceRequest): void {
  const pod = server.registry.get(route.type, route.namespace, route.name);
  const container = url.searchParams.get("container") ?? "";
  const tailLines = integer(url, "tailLines");
  const limitBytes = integer(url, "limitBytes");
  const text = server.podLogs.read(pod, {
    ...(container ? { container } : {}),
    previous: flag(url, "previous"),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    timestamps: flag(url, "timestamps"),
  });
  sendText(res, 200, text);
}

export function serveEviction({ server, req, res, url, route, body }: ResourceRequest): void {
  const eviction = decodeBody(body, req.headers["content-type"]);
  const options = deleteOptionsFrom(isObject(eviction) ? eviction.deleteOptions : undefined, url);
  server.registry.delete(route.type, route.namespace, route.name, options);
  sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
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

/** The Scale the client wants: the body of an update, or the current Scale with the patch applied. */
function desiredScale({ req, route, body }: ResourceRequest, current: KubeObject): unknown {
  const contentType = req.headers["content-type"];
  const incoming = decodeBody(body, contentType);
  return route.verb === "patch"
    ? patchDocument(mediaType(contentType), scaleOf(current), incoming)
    : incoming;
}

/** A Scale write is a merge patch of the workload's replicas (guarded by its resourceVersion, if sent). */
function replicasPatch(desired: unknown): JsonObject {
  const replicas = getNumber(desired, ["spec", "replicas"]);
  if (replicas === undefined) throw badRequest("Scale.spec.replicas is required");
  const resourceVersion = isObject(desired) ? metaOf(desired).resourceVersion : undefined;
  return { metadata: resourceVersion ? { resourceVersion } : {}, spec: { replicas } };
}

export function serveScale(request: ResourceRequest): void {
  const { server, res, url, route } = request;
  const { type, namespace, name } = route;
  const current = server.registry.get(type, namespace, name);
  if (route.verb === "get") {
    sendJson(res, 200, scaleOf(current));
    return;
  }
  const patch = replicasPatch(desiredScale(request, current));
  const { object } = server.registry.patch(type, namespace, name, "application/merge-patch+json", patch, {
    dryRun: isDryRun(url),
  });
  sendJson(res, 200, scaleOf(object));
}
