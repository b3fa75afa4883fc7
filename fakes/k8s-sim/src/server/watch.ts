// watch: a stream of JSON events (objects or Table rows) from a resourceVersion or from now, filtered
// by the selectors, until timeoutSeconds pass or the client goes away.

import { type KubeObject, metaOf } from "../json.js";
import { gone } from "../status.js";
import type { StoreEvent, WatchEventType } from "../store.js";
import { buildTable } from "../tables.js";
import type { ResourceRequest } from "./context.js";
import { includeObjectParam, numberParam, selectorParams, wantsTable } from "./params.js";

type Matches = (obj: KubeObject) => boolean;
type SendEvent = (eventType: string, stored: KubeObject) => void;

function eventWriter({ server, req, res, url, route }: ResourceRequest): SendEvent {
  const table = wantsTable(req.headers.accept);
  const includeObject = includeObjectParam(url);
  return (eventType, stored) => {
    const served = server.registry.serve(route.type, stored);
    const object = table
      ? buildTable(route.type.printer, [stored], {
          now: server.now(),
          resourceVersion: metaOf(served).resourceVersion ?? "",
          includeObject,
        })
      : served;
    res.write(`${JSON.stringify({ type: eventType, object })}\n`);
  };
}

/**
 * What a watcher with selectors sees of a store event: an object that starts matching is ADDED and
 * one that stops matching is DELETED, although both still exist.
 */
function watchEventType(event: StoreEvent, matches: Matches): WatchEventType | undefined {
  const now = matches(event.object);
  const before = event.previous ? matches(event.previous) : undefined;
  if (event.type === "ADDED") return now ? "ADDED" : undefined;
  if (event.type === "DELETED") return now ? "DELETED" : undefined;
  if (now && before !== false) return "MODIFIED";
  if (now) return "ADDED";
  if (before && event.previous) return "DELETED";
  return undefined;
}

/**
 * Sends what the watch starts from: the matching objects (no or zero resourceVersion) or the events
 * since the given one. False when that history is gone: the stream then ends with a 410 ERROR event.
 */
function replay(
  request: ResourceRequest,
  matches: Matches,
  send: SendEvent,
  deliver: (e: StoreEvent) => void,
) {
  const { server, res, url, route } = request;
  const { store } = server;
  const rvParam = url.searchParams.get("resourceVersion") ?? "";
  if (rvParam === "" || rvParam === "0") {
    for (const obj of store.list(route.type.storage, route.namespace ? { namespace: route.namespace } : {})) {
      if (matches(obj)) send("ADDED", obj);
    }
    return true;
  }
  const since = store.eventsSince(Number(rvParam));
  if (since === "expired" || !/^\d+$/.test(rvParam)) {
    const status = gone(`too old resource version: ${rvParam} (${store.currentResourceVersion()})`).status;
    res.end(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
    return false;
  }
  for (const event of since) deliver(event);
  return true;
}

export function serveWatch(request: ResourceRequest): void {
  const { server, res, url, route } = request;
  const matches = server.registry.matcher(route.type, route.namespace || undefined, selectorParams(url));
  const send = eventWriter(request);
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  // Clients wait for the response headers before reading events; send them now.
  res.flushHeaders();
  const deliver = (event: StoreEvent) => {
    if (event.storage !== route.type.storage) return;
    const eventType = watchEventType(event, matches);
    if (eventType) send(eventType, event.object);
  };
  if (!replay(request, matches, send, deliver)) return;
  const unsubscribe = server.store.subscribe(deliver);
  const timeoutSeconds = numberParam(url, "timeoutSeconds") ?? 1800;
  const timer = setTimeout(() => res.end(), timeoutSeconds * 1000);
  const cleanup = () => {
    clearTimeout(timer);
    unsubscribe();
  };
  res.on("close", cleanup);
  res.on("finish", cleanup);
}
