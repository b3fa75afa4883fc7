// What the query string and Accept header ask for: tables, selectors, paging, dry runs and the
// options of a delete (which may come from the body or the query, as kubectl sends either).

import { parseAccept } from "../discovery.js";
import { getNumber, isObject } from "../json.js";
import type { DeleteOptions, ListOptions } from "../registry.js";
import { badRequest } from "../status.js";
import type { IncludeObject } from "../tables.js";

export function wantsTable(accept: string | undefined): boolean {
  return parseAccept(accept).some(
    (m) => m.params.as === "Table" && (m.params.g ?? "meta.k8s.io") === "meta.k8s.io",
  );
}

export function includeObjectParam(url: URL): IncludeObject {
  const value = url.searchParams.get("includeObject");
  return value === "None" || value === "Object" ? value : "Metadata";
}

export function numberParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw badRequest(`invalid ${name} ${JSON.stringify(raw)}: expected a number`);
  return value;
}

export function isDryRun(url: URL): boolean {
  return url.searchParams.getAll("dryRun").includes("All");
}

/** `labelSelector` and `fieldSelector`, each only when non-empty. */
export function selectorParams(url: URL): ListOptions {
  const labelSelector = url.searchParams.get("labelSelector");
  const fieldSelector = url.searchParams.get("fieldSelector");
  return { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) };
}

/** Selectors plus paging (`limit`, `continue`). */
export function listParams(url: URL): ListOptions {
  const limit = numberParam(url, "limit");
  const continueToken = url.searchParams.get("continue");
  return {
    ...selectorParams(url),
    ...(limit !== undefined ? { limit } : {}),
    ...(continueToken ? { continueToken } : {}),
  };
}

export function deleteOptionsFrom(body: unknown, url: URL): DeleteOptions {
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
