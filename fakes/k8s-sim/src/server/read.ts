// get and list: the object or list as JSON, or as a Table when the client asks for one (kubectl get).

import type { ResourceRequest } from "./context.js";
import { sendJson } from "./http.js";
import { listParams, wantsTable } from "./params.js";
import { listBody, listMetadata, listTable, objectTable } from "./responses.js";

export function serveGet(request: ResourceRequest): void {
  const { server, req, res, route } = request;
  const table = wantsTable(req.headers.accept);
  const obj = server.registry.get(route.type, route.namespace, route.name);
  sendJson(res, 200, table ? objectTable(request, obj) : obj);
}

export function serveList(request: ResourceRequest): void {
  const { server, req, res, url, route } = request;
  const table = wantsTable(req.headers.accept);
  const result = server.registry.list(route.type, route.namespace || undefined, listParams(url));
  if (table) sendJson(res, 200, listTable(request, result));
  else sendJson(res, 200, listBody(route.type, result.items, listMetadata(result)));
}
