// A minimal OpenAPI v3 surface: enough for `kubectl create -f` / `apply -f` with default
// validation. Each group-version document names every kind with a PATCH operation that accepts
// `fieldValidation`, which tells kubectl the server validates fields itself (kubectl-wire.md §3).

import { createHash } from "node:crypto";
import type { JsonObject } from "./json.js";
import { type ApiGroupVersion, apiVersionOf, groupVersions } from "./resources.js";

function gvPath(gv: ApiGroupVersion): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

function operation(
  gv: ApiGroupVersion,
  kind: string,
  action: "post" | "patch",
  operationId: string,
): JsonObject {
  return {
    operationId,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: gv.group, version: gv.version, kind },
    parameters: [
      { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
      { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
      { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
    ],
    responses: { "200": { description: "OK" } },
  };
}

export function groupVersionDocument(gv: ApiGroupVersion): JsonObject {
  const paths: JsonObject = {};
  for (const type of gv.resources) {
    const base = `/${gvPath(gv)}${type.namespaced ? "/namespaces/{namespace}" : ""}/${type.resource}`;
    const id = `${type.kind}${apiVersionOf(gv).replace(/[^A-Za-z0-9]/g, "")}`;
    paths[base] = { post: operation(gv, type.kind, "post", `create${id}`) };
    paths[`${base}/{name}`] = { patch: operation(gv, type.kind, "patch", `patch${id}`) };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.4" },
    paths,
    components: { schemas: {} },
  };
}

function hashOf(doc: JsonObject): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
}

export function openApiRoot(): JsonObject {
  const paths: JsonObject = {};
  for (const gv of groupVersions()) {
    const path = gvPath(gv);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(groupVersionDocument(gv))}` };
  }
  return { paths };
}

/** The document for `/openapi/v3/<path>`, e.g. `api/v1` or `apis/apps/v1`. */
export function openApiDocument(path: string): JsonObject | undefined {
  const gv = groupVersions().find((g) => gvPath(g) === path);
  return gv ? groupVersionDocument(gv) : undefined;
}
