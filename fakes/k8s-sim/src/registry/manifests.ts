// Manifests as users write them: multi-document YAML or JSON, objects, and List kinds flattened.

import { isObject, type KubeObject } from "../json.js";
import { loadYamlDocuments } from "../yaml-docs.js";

/** Parses one or more YAML/JSON documents (a `List` is flattened) into objects. */
export function parseManifests(input: string | KubeObject | readonly (string | KubeObject)[]): KubeObject[] {
  const inputs = Array.isArray(input) ? input : [input];
  const out: KubeObject[] = [];
  for (const item of inputs as (string | KubeObject)[]) {
    const docs = typeof item === "string" ? loadYamlDocuments(item) : [item];
    for (const doc of docs) {
      if (!isObject(doc)) continue;
      if (typeof doc.kind === "string" && doc.kind.endsWith("List") && Array.isArray(doc.items)) {
        for (const entry of doc.items) if (isObject(entry)) out.push(entry);
      } else {
        out.push(doc);
      }
    }
  }
  return out;
}
