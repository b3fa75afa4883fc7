// Discovery documents: /version, legacy /api, /apis and per-group-version APIResourceLists, and
// aggregated discovery (apidiscovery.k8s.io v2 and v2beta1) negotiated from the Accept header.

import type { JsonObject } from "./json.js";
import { type ApiGroupVersion, apiVersionOf, groupVersions, type ResourceType } from "./resources.js";

/**
 * The installed kubectl is a dispatcher that picks its binary from `minor`; "32" selects the
 * built-in v1.32.4 (kubectl 1.32 is the version the tests drive).
 */
export function versionInfo(): JsonObject {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.4",
    gitCommit: "59526cd4867447956156ae3a602fcbac10a2c335",
    gitTreeState: "clean",
    buildDate: "2025-04-22T16:02:27Z",
    goVersion: "go1.23.6",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export type DiscoveryFormat = "v2" | "v2beta1" | "legacy";

export const AGGREGATED_CONTENT_TYPE: Readonly<Record<"v2" | "v2beta1", string>> = {
  v2: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  v2beta1: "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
};

/** Media-type parameters of each entry in an Accept header, in order. */
export function parseAccept(accept: string | undefined): { type: string; params: Record<string, string> }[] {
  if (!accept) return [];
  return accept.split(",").map((entry) => {
    const [type = "", ...rawParams] = entry.split(";").map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf("=");
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** A client that asked only for v2beta1 (kubectl 1.27–1.29) must not get v2: it would see nothing. */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  const aggregated = parseAccept(accept).filter(
    (m) =>
      m.type === "application/json" &&
      m.params.g === "apidiscovery.k8s.io" &&
      m.params.as === "APIGroupDiscoveryList",
  );
  for (const media of aggregated) {
    if (media.params.v === "v2") return "v2";
    if (media.params.v === "v2beta1") return "v2beta1";
  }
  return "legacy";
}

function legacyResources(gv: ApiGroupVersion): JsonObject[] {
  const out: JsonObject[] = [];
  for (const type of gv.resources) {
    const entry: JsonObject = {
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...type.verbs],
    };
    if (type.shortNames.length > 0) entry.shortNames = [...type.shortNames];
    if (type.categories.length > 0) entry.categories = [...type.categories];
    out.push(entry);
    for (const sub of type.subresources) {
      const subEntry: JsonObject = {
        name: `${type.resource}/${sub.name}`,
        singularName: "",
        namespaced: type.namespaced,
        kind: sub.kind,
        verbs: [...sub.verbs],
      };
      if (sub.group !== type.group || sub.version !== type.version) {
        subEntry.group = sub.group;
        subEntry.version = sub.version;
      }
      out.push(subEntry);
    }
  }
  return out;
}

export function apiResourceList(gv: ApiGroupVersion): JsonObject {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(gv),
    resources: legacyResources(gv),
  };
}

export function coreApiVersions(serverAddress: string): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(gv: ApiGroupVersion): JsonObject {
  const version = { groupVersion: apiVersionOf(gv), version: gv.version };
  return { name: gv.group, versions: [version], preferredVersion: version };
}

export function apiGroupList(): JsonObject {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groupVersions()
      .filter((gv) => gv.group !== "")
      .map(apiGroup),
  };
}

export function apiGroupDocument(group: string): JsonObject | undefined {
  const gv = groupVersions().find((g) => g.group === group && group !== "");
  return gv ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(gv) } : undefined;
}

function aggregatedResource(type: ResourceType): JsonObject {
  const entry: JsonObject = {
    resource: type.resource,
    responseKind: { group: type.group, version: type.version, kind: type.kind },
    scope: type.namespaced ? "Namespaced" : "Cluster",
    singularResource: type.singular,
    verbs: [...type.verbs],
  };
  if (type.shortNames.length > 0) entry.shortNames = [...type.shortNames];
  if (type.categories.length > 0) entry.categories = [...type.categories];
  if (type.subresources.length > 0) {
    entry.subresources = type.subresources.map((sub) => ({
      subresource: sub.name,
      responseKind: { group: sub.group, version: sub.version, kind: sub.kind },
      verbs: [...sub.verbs],
    }));
  }
  return entry;
}

/** `core`: the document for /api (only the legacy group); otherwise for /apis. */
export function aggregatedDiscovery(scope: "core" | "groups", format: "v2" | "v2beta1"): JsonObject {
  const items = groupVersions()
    .filter((gv) => (scope === "core" ? gv.group === "" : gv.group !== ""))
    .map((gv) => ({
      metadata: scope === "core" ? { creationTimestamp: null } : { name: gv.group, creationTimestamp: null },
      versions: [
        { version: gv.version, resources: gv.resources.map(aggregatedResource), freshness: "Current" },
      ],
    }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${format}`, metadata: {}, items };
}

export function findGroupVersion(group: string, version: string): ApiGroupVersion | undefined {
  return groupVersions().find((gv) => gv.group === group && gv.version === version);
}
