// The evidence bundle's layout in Cloud Storage, shared by the capture service (writes it) and
// `riposte evidence` (reads and verifies it): gs://BUCKET/<cluster>/<namespace>/<pod>/<incident>/ holds
// the bundle's objects and, written last, manifest.json listing each one's size and SHA-256. Every
// path segment is validated here: pod and container names come from an alert, and an unchecked one
// could climb out of the prefix (`..`) or make a name another incident's.
import { z } from "zod";
import { isIncidentKey } from "./incident-key.js";
import {
  isClusterName,
  isDns1123Label,
  isNamespaceName,
  isNodeName,
  isPodName,
  isPodUid,
} from "./k8s-names.js";

// Cloud Storage's naming rules for a bucket without dots (dotted names need domain verification).
const BUCKET_NAME = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;

/** The evidence bucket's name, as the services that write to it are configured with it. */
export const EvidenceBucketName = z
  .string()
  .regex(BUCKET_NAME, {
    error:
      "expected a bucket name: 3–63 lowercase letters, digits, - and _, starting and ending with a letter or digit",
  })
  .refine((name) => !name.startsWith("goog"), { error: "a bucket name cannot start with goog" });

/** Written after every other object of the bundle: its presence means the bundle is complete. */
export const EVIDENCE_MANIFEST = "manifest.json";

/** Custom metadata key holding an object's SHA-256 (hex), set when it is created. */
export const EVIDENCE_SHA256_METADATA = "sha256";

/** Where one incident's bundle lives. */
export interface EvidenceLocation {
  cluster: string;
  namespace: string;
  pod: string;
  incident: string;
}

/** Why `location` cannot name a bundle (the first bad segment), or undefined when it can. */
export function evidenceLocationProblem(location: EvidenceLocation): string | undefined {
  const checks: [keyof EvidenceLocation, (value: string) => boolean, string][] = [
    ["cluster", isClusterName, "a DNS-1123 label"],
    ["namespace", isNamespaceName, "a DNS-1123 label"],
    ["pod", isPodName, "a DNS-1123 subdomain"],
    ["incident", isIncidentKey, "an incident key"],
  ];
  for (const [field, valid, expected] of checks) {
    const value = location[field];
    if (typeof value !== "string" || !valid(value))
      return `${field} ${JSON.stringify(String(value).slice(0, 80))} is not ${expected}`;
  }
  return undefined;
}

/** `<cluster>/<namespace>/<pod>/<incident>/`; throws a TypeError naming the bad segment. */
export function evidencePrefix(location: EvidenceLocation): string {
  const problem = evidenceLocationProblem(location);
  if (problem) throw new TypeError(`no evidence prefix: ${problem}`);
  return `${location.cluster}/${location.namespace}/${location.pod}/${location.incident}/`;
}

/** The object a container's log goes to: `logs/<container>.log`, or `.previous.log` for the instance before. */
export function containerLogObject(container: string, previous: boolean): string {
  // A pod spec's container name (a DNS-1123 label), not Falco's runtime container.name.
  if (!isDns1123Label(container))
    throw new TypeError(`container name ${JSON.stringify(container.slice(0, 80))} is not a DNS-1123 label`);
  return `logs/${container}${previous ? ".previous" : ""}.log`;
}

// Relative names inside a bundle: lowercase segments of [a-z0-9._-] that never start with a dot, so
// neither `..` nor a hidden name can appear, and none reaches outside the prefix.
const OBJECT_NAME = /^(?:[a-z0-9][a-z0-9._-]{0,252}\/){0,2}[a-z0-9][a-z0-9._-]{0,252}$/;

export function isEvidenceObjectName(name: string): boolean {
  return OBJECT_NAME.test(name) && name !== EVIDENCE_MANIFEST;
}

const IsoTimestamp = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp" });
const Sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: "expected a SHA-256 as 64 lowercase hex digits" });

export const EvidenceObject = z.strictObject({
  /** Relative to the bundle's prefix, e.g. `pod.json`, `logs/web.previous.log`. */
  name: z.string().refine(isEvidenceObjectName, { error: "not an evidence object name" }),
  size: z.int().min(0),
  sha256: Sha256Hex,
  contentType: z.string().min(1).max(100),
});
export type EvidenceObject = z.infer<typeof EvidenceObject>;

export const EvidenceManifest = z.strictObject({
  v: z.literal(1),
  incident: z.string().refine(isIncidentKey, { error: "not an incident key" }),
  cluster: z.string().refine(isClusterName, { error: "not a valid cluster name" }),
  namespace: z.string().refine(isNamespaceName, { error: "not a valid namespace" }),
  pod: z.string().refine(isPodName, { error: "not a valid pod name" }),
  podUid: z.string().refine(isPodUid, { error: "not a valid pod UID" }),
  node: z.string().refine(isNodeName, { error: "not a valid node name" }).optional(),
  /** When the bundle was collected (the manifest's own write comes right after). */
  capturedAt: IsoTimestamp,
  /**
   * The delivery that wrote it: two deliveries at once collect the same bytes, and the one whose
   * manifest create was answered 412 tells its own manifest (a lost response) from the other's by this.
   */
  captureId: z.uuid({ error: "expected a UUID" }),
  objects: z.array(EvidenceObject),
  /** What could not be collected, and why (e.g. a container with no previous instance has no previous log). */
  missing: z.array(z.strictObject({ name: z.string().max(300), reason: z.string().max(500) })),
});
export type EvidenceManifest = z.infer<typeof EvidenceManifest>;
