// Bodies of list and table answers, as kube-apiserver shapes them.

import { type JsonObject, type KubeObject, metaOf } from "../json.js";
import type { ListResult } from "../registry.js";
import { apiVersionOf, type ResourceType } from "../resources.js";
import { buildTable } from "../tables.js";
import type { ResourceRequest } from "./context.js";
import { includeObjectParam } from "./params.js";

export function listBody(type: ResourceType, items: KubeObject[], metadata: JsonObject): JsonObject {
  return {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata,
    // Typed lists from kube-apiserver carry no kind/apiVersion on their items.
    items: items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest),
  };
}

export function listMetadata(result: ListResult): JsonObject {
  const metadata: JsonObject = { resourceVersion: result.resourceVersion };
  if (result.continueToken) {
    metadata.continue = result.continueToken;
    metadata.remainingItemCount = result.remainingItemCount;
  }
  return metadata;
}

/** The printer reads the stored form (an events.k8s.io event prints as the core event it is). */
function storedForm(type: ResourceType, served: KubeObject): KubeObject {
  return type.view ? type.view.toStorage(served) : served;
}

export function objectTable({ server, url, route }: ResourceRequest, obj: KubeObject): JsonObject {
  return buildTable(route.type.printer, [storedForm(route.type, obj)], {
    now: server.now(),
    resourceVersion: metaOf(obj).resourceVersion ?? "",
    includeObject: includeObjectParam(url),
  });
}

export function listTable({ server, url, route }: ResourceRequest, result: ListResult): JsonObject {
  const stored = result.items.map((item) => storedForm(route.type, item));
  return buildTable(route.type.printer, stored, {
    now: server.now(),
    resourceVersion: result.resourceVersion,
    includeObject: includeObjectParam(url),
    ...(result.continueToken ? { continueToken: result.continueToken } : {}),
  });
}
