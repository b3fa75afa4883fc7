// delete and deletecollection, with the options kubectl sends in the body or the query.

import type { ResourceRequest } from "./context.js";
import { decodeBody, sendJson } from "./http.js";
import { deleteOptionsFrom, selectorParams } from "./params.js";
import { listBody } from "./responses.js";

export function serveDelete({ server, req, res, url, route, body }: ResourceRequest): void {
  const options = deleteOptionsFrom(decodeBody(body, req.headers["content-type"]), url);
  sendJson(res, 200, server.registry.delete(route.type, route.namespace, route.name, options).body);
}

export function serveDeleteCollection({ server, req, res, url, route, body }: ResourceRequest): void {
  const options = deleteOptionsFrom(decodeBody(body, req.headers["content-type"]), url);
  const deleted = server.registry.deleteCollection(
    route.type,
    route.namespace || undefined,
    selectorParams(url),
    options,
  );
  const resourceVersion = String(server.store.currentResourceVersion());
  sendJson(res, 200, listBody(route.type, deleted, { resourceVersion }));
}
