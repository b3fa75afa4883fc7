// Which handler answers an authorized resource request: the access review, a subresource with its
// own shape, or the handler of the verb (status writes are ordinary update/patch with status only).

import { methodNotAllowed } from "../status.js";
import { serveSelfSubjectAccessReview } from "./auth.js";
import type { ResourceRequest } from "./context.js";
import { serveDelete, serveDeleteCollection } from "./delete.js";
import { serveGet, serveList } from "./read.js";
import { serveEviction, serveLog, serveScale } from "./subresources.js";
import { serveWatch } from "./watch.js";
import { serveCreate, servePatch, serveUpdate } from "./write.js";

type Handler = (request: ResourceRequest) => void;

const SUBRESOURCE_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ["log", serveLog],
  ["eviction", serveEviction],
  ["scale", serveScale],
]);

const VERB_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ["get", serveGet],
  ["list", serveList],
  ["watch", serveWatch],
  ["create", serveCreate],
  ["update", serveUpdate],
  ["patch", servePatch],
  ["delete", serveDelete],
  ["deletecollection", serveDeleteCollection],
]);

export function serveResource(request: ResourceRequest): void {
  const { route } = request;
  if (route.type.resource === "selfsubjectaccessreviews") {
    const { server, req, res, caller, body } = request;
    serveSelfSubjectAccessReview(res, server.authorizer, caller, body, req.headers["content-type"]);
    return;
  }
  const serve = SUBRESOURCE_HANDLERS.get(route.subresource) ?? VERB_HANDLERS.get(route.verb);
  if (!serve) throw methodNotAllowed();
  serve(request);
}
