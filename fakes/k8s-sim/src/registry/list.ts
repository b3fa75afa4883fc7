// list: the matching objects, read through an index when a field selector allows it, one page at a
// time with opaque continue tokens (the resourceVersion and the key to resume from).

import { isObject, type KubeObject, metaOf } from "../json.js";
import type { ResourceType } from "../resources.js";
import type { FieldRequirement } from "../selectors.js";
import { badRequest } from "../status.js";
import type { ObjectStore } from "../store.js";
import { matcherFor, parseSelectors } from "./matching.js";
import { servedForm } from "./objects.js";
import type { ListOptions, ListResult } from "./types.js";

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeContinue(raw: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (isObject(parsed) && typeof parsed.rv === "number" && typeof parsed.start === "string") {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: ${JSON.stringify(raw)}`);
}

/** The store lists in this key order (as etcd does), so a page resumes at the first key not yet sent. */
function keyOf(obj: KubeObject): string {
  const meta = metaOf(obj);
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

/** The namespace's objects, or only those under an indexed field's value (e.g. a node's pods). */
function candidatesFor(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  fields: FieldRequirement[],
): KubeObject[] {
  const indexedField = fields.find((f) => f.operator === "=" && store.hasIndex(type.storage, f.field));
  const ns = type.namespaced && namespace ? namespace : undefined;
  return store.list(type.storage, {
    ...(ns !== undefined ? { namespace: ns } : {}),
    ...(indexedField ? { indexed: { field: indexedField.field, value: indexedField.value } } : {}),
  });
}

function pageOf(
  type: ResourceType,
  filtered: KubeObject[],
  requestedLimit: number | undefined,
  resourceVersion: number,
): ListResult {
  const limit = requestedLimit && requestedLimit > 0 ? requestedLimit : undefined;
  const page = limit !== undefined ? filtered.slice(0, limit) : filtered;
  const result: ListResult = {
    items: page.map((obj) => servedForm(type, obj)),
    resourceVersion: String(resourceVersion),
  };
  const nextItem = limit !== undefined ? filtered[limit] : undefined;
  if (nextItem !== undefined) {
    result.continueToken = encodeContinue({ rv: resourceVersion, start: keyOf(nextItem) });
    result.remainingItemCount = filtered.length - page.length;
  }
  return result;
}

export function listObjects(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  options: ListOptions,
): ListResult {
  const selectors = parseSelectors(type, options);
  const matches = matcherFor(type, namespace, selectors);
  let candidates = candidatesFor(store, type, namespace, selectors.fields);
  const resourceVersion = store.currentResourceVersion();
  if (options.continueToken) {
    const token = decodeContinue(options.continueToken);
    candidates = candidates.filter((obj) => keyOf(obj) >= token.start);
  }
  return pageOf(type, candidates.filter(matches), options.limit, resourceVersion);
}
