// What `riposte evidence list` prints: a bundle as a versioned JSON shape (stable: every key always
// present, null when unknown; described in the README) and as lines for a person. The manifest's
// `missing` reasons and names carry text from the cluster (and so from an attacker): the lines are
// made visible and the JSON goes through terminalJson, as for `riposte incidents`.
import type { EvidenceManifest } from "@riposte/contracts";
import { makeVisible } from "../dev/log-format.js";
import type { BundleAt } from "./evidence-bundle.js";
import type { StoredObject } from "./evidence-storage.js";

/** The JSON shape's version: bumped when a key changes meaning or goes away (new keys may be added). */
export const EVIDENCE_JSON_VERSION = 1;

export interface EvidenceObjectView {
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  /** What the bucket listing says about it; null when absent, or when the bucket could not be listed. */
  stored: { size: number; sha256: string | null } | null;
}

export interface EvidenceListView {
  version: number;
  incident: string;
  location: string;
  /** manifest.json exists: the capture finished writing. */
  complete: boolean;
  manifest: {
    cluster: string;
    namespace: string;
    pod: string;
    podUid: string;
    node: string | null;
    capturedAt: string;
  } | null;
  objects: EvidenceObjectView[];
  missing: { name: string; reason: string }[];
  /** Whether the prefix could be listed (storage.objects.list); when false, `stored` says nothing. */
  listed: boolean;
  /** Objects under the prefix the manifest does not name (all of them when there is no manifest). */
  unlisted: string[];
  /** Each object the manifest names whose stored copy is absent or disagrees with it. */
  problems: string[];
}

/** The problem with one object's stored copy, or undefined when the listing agrees with the manifest. */
function storedProblem(object: EvidenceObjectView): string | undefined {
  if (!object.stored) return `${object.name}: absent from the bucket`;
  const { size, sha256 } = object.stored;
  if (size !== object.size || (sha256 !== null && sha256 !== object.sha256))
    return `${object.name}: stored ${size} bytes, sha256 ${sha256 ?? "(none recorded)"}; the manifest says ${object.size} bytes, sha256 ${object.sha256}`;
  return undefined;
}

export function evidenceListView(
  incident: string,
  at: BundleAt,
  manifest: EvidenceManifest | undefined,
  listing: StoredObject[] | undefined,
): EvidenceListView {
  const stored = new Map((listing ?? []).map((object) => [object.name, object]));
  const objects = (manifest?.objects ?? []).map((object) => {
    const copy = stored.get(object.name);
    return {
      name: object.name,
      size: object.size,
      sha256: object.sha256,
      contentType: object.contentType,
      stored: copy ? { size: copy.size, sha256: copy.sha256 } : null,
    };
  });
  const named = new Set([...objects.map((object) => object.name), "manifest.json"]);
  return {
    version: EVIDENCE_JSON_VERSION,
    incident,
    location: at.url,
    complete: manifest !== undefined,
    manifest: manifest
      ? {
          cluster: manifest.cluster,
          namespace: manifest.namespace,
          pod: manifest.pod,
          podUid: manifest.podUid,
          node: manifest.node ?? null,
          capturedAt: manifest.capturedAt,
        }
      : null,
    objects,
    missing: manifest?.missing ?? [],
    listed: listing !== undefined,
    unlisted: (listing ?? []).map((object) => object.name).filter((name) => !named.has(name)),
    problems: listing
      ? objects.map(storedProblem).filter((problem): problem is string => problem !== undefined)
      : [],
  };
}

function status(view: EvidenceListView, object: EvidenceObjectView): string {
  if (!view.listed) return "(not listed)";
  if (!object.stored) return "ABSENT";
  const { size, sha256 } = object.stored;
  if (size !== object.size || (sha256 !== null && sha256 !== object.sha256))
    return `DIFFERS: stored ${size} bytes, sha256 ${sha256 ?? "(none recorded)"}`;
  return sha256 === null ? "stored (no sha256 metadata)" : "stored";
}

/** `missing  NAME: REASON`, one line each: also printed by `get`. */
export function missingLines(missing: readonly { name: string; reason: string }[]): string[] {
  return missing.map(({ name, reason }) => makeVisible(`missing  ${name}: ${reason}`));
}

/** `riposte evidence list` for a complete bundle. */
export function evidenceListLines(view: EvidenceListView, describe: string): string[] {
  const manifest = view.manifest;
  const width = Math.max(4, ...view.objects.map((object) => object.name.length));
  const sizeWidth = Math.max(4, ...view.objects.map((object) => String(object.size).length));
  const lines = [
    `evidence ${view.location}  (${describe})`,
    ...(manifest
      ? [
          `  cluster ${manifest.cluster} · pod ${manifest.namespace}/${manifest.pod} (uid ${manifest.podUid})${manifest.node ? ` · node ${manifest.node}` : ""} · captured ${manifest.capturedAt}`,
        ]
      : []),
    "",
    `objects (${view.objects.length})`,
    ...view.objects.map(
      (object) =>
        `  ${object.name.padEnd(width)}  ${String(object.size).padStart(sizeWidth)}  ${object.sha256}  ${status(view, object)}`,
    ),
    ...(view.missing.length > 0 ? ["", ...missingLines(view.missing)] : []),
    ...(view.unlisted.length > 0 ? ["", `not in the manifest: ${view.unlisted.join(", ")}`] : []),
    ...(view.listed
      ? []
      : ["", "(the bucket could not be listed: `riposte evidence get` verifies each object)"]),
  ];
  return lines.map(makeVisible);
}

/** What is stored under the prefix of a bundle without a manifest. */
export function incompleteLines(view: EvidenceListView, listing: StoredObject[]): string[] {
  const width = Math.max(4, ...listing.map((object) => object.name.length));
  return [
    `stored under ${view.location} so far (${listing.length}):`,
    ...listing.map((object) => `  ${object.name.padEnd(width)}  ${object.size}`),
  ].map(makeVisible);
}
