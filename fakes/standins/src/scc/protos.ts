// Loads the Security Command Center v2 service definition from the protos shipped inside
// @google-cloud/security-center (build/protos/protos.json, the same descriptor the real client
// uses), and reads each Finding field's google.api.field_behavior from it, so the stand-in's idea of
// "immutable" and "output only" comes from Google's protos rather than a hand-written list.

import { createRequire } from "node:module";
import { type GrpcObject, loadPackageDefinition, type ServiceDefinition } from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";

export type FieldBehavior = "IDENTIFIER" | "OUTPUT_ONLY" | "IMMUTABLE" | "REQUIRED" | "OPTIONAL" | "MUTABLE";

export interface FindingField {
  /** camelCase, as requests arrive in the stand-in (protos.json uses JSON names). */
  name: string;
  /** snake_case, as in .proto files and update masks. */
  protoName: string;
  behavior: FieldBehavior;
  repeated: boolean;
  isMap: boolean;
}

export interface SccProtos {
  /** google.cloud.securitycenter.v2.SecurityCenter, ready for grpc.Server#addService. */
  service: ServiceDefinition;
  /** Finding fields by camelCase name. */
  findingFields: ReadonlyMap<string, FindingField>;
  /** Names of the v2 RPCs, e.g. "UpdateFinding". */
  methodNames: readonly string[];
}

/** The proto-loader options the stand-in relies on: enums as names, int64 as strings, no defaults. */
export const protoLoaderOptions = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
} as const;

interface JsonField {
  type: string;
  id: number;
  rule?: string;
  keyType?: string;
  options?: Record<string, unknown>;
}
interface JsonNamespace {
  nested?: Record<string, JsonNamespace>;
  fields?: Record<string, JsonField>;
  methods?: Record<string, unknown>;
}

export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function lookup(root: JsonNamespace, dotted: string): JsonNamespace {
  let node = root;
  for (const part of dotted.split(".")) {
    const next = node.nested?.[part];
    if (!next)
      throw new Error(
        `protos.json has no ${dotted} (missing ${part}); is @google-cloud/security-center 9.x installed?`,
      );
    node = next;
  }
  return node;
}

let cached: SccProtos | undefined;

/** Loads once per process (~100 ms); the result is immutable, so sharing it is safe. */
export function loadSccProtos(): SccProtos {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const json = require("@google-cloud/security-center/build/protos/protos.json") as JsonNamespace;
  const definition = fromJSON(json as Parameters<typeof fromJSON>[0], protoLoaderOptions);
  const loaded = loadPackageDefinition(definition) as unknown as {
    google: { cloud: { securitycenter: { v2: { SecurityCenter: { service: ServiceDefinition } } } } };
  } & GrpcObject;
  const service = loaded.google.cloud.securitycenter.v2.SecurityCenter.service;

  const v2 = lookup(json, "google.cloud.securitycenter.v2");
  const findingFields = new Map<string, FindingField>();
  for (const [name, field] of Object.entries(lookup(v2, "Finding").fields ?? {})) {
    const behavior = field.options?.["(google.api.field_behavior)"];
    findingFields.set(name, {
      name,
      protoName: camelToSnake(name),
      behavior: typeof behavior === "string" ? (behavior as FieldBehavior) : "MUTABLE",
      repeated: field.rule === "repeated",
      isMap: field.keyType !== undefined,
    });
  }
  cached = {
    service,
    findingFields,
    methodNames: Object.keys(lookup(v2, "SecurityCenter").methods ?? {}),
  };
  return cached;
}
