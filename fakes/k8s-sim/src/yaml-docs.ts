// Multi-document YAML (and JSON, a subset of YAML) as Kubernetes manifests and RBAC files use it.

import { parseAllDocuments } from "yaml";

export class ManifestParseError extends Error {
  readonly documentIndex: number;
  constructor(documentIndex: number, detail: string) {
    super(`YAML document ${documentIndex + 1} cannot be parsed: ${detail}`);
    this.name = "ManifestParseError";
    this.documentIndex = documentIndex;
  }
}

/** Every non-empty document of a YAML stream, as plain JSON values. Throws ManifestParseError. */
export function loadYamlDocuments(text: string): unknown[] {
  const out: unknown[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (!("errors" in doc)) return;
    const [first] = doc.errors;
    if (first) throw new ManifestParseError(index, first.message);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  });
  return out;
}
