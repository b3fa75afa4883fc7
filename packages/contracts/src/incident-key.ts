// The incident key: one identifier per real alert, stable across Pub/Sub redeliveries and
// falcosidekick re-sends (which carry a new `uuid`), used for idempotency and as the SCC finding id
// (alphanumeric, ≤ 32 chars). It hashes what identifies the event itself, never delivery metadata.

import { createHash } from "node:crypto";

export interface IncidentKeyParts {
  rule: string;
  /** The top-level `hostname` of the alert (the node, or the Falco instance for plugin sources). */
  hostname?: string | undefined;
  containerId?: string | undefined;
  /** Event time in nanoseconds since the epoch. */
  timeNs: bigint;
}

const INCIDENT_KEY = /^[0-9a-f]{32}$/;

/**
 * 32 lowercase hex chars: the first 128 bits of SHA-256 over a JSON array of the parts. JSON array
 * encoding is unambiguous (no separator can be forged from inside a value) and keeps an absent
 * hostname/container (`null`) distinct from an empty one. The version tag lets a future scheme coexist.
 */
export function incidentKeyOf(parts: IncidentKeyParts): string {
  const canonical = JSON.stringify([
    "riposte-incident-v1",
    parts.rule,
    parts.hostname ?? null,
    parts.containerId ?? null,
    parts.timeNs.toString(),
  ]);
  return createHash("sha256").update(canonical, "utf8").digest("hex").slice(0, 32);
}

export function isIncidentKey(value: string): boolean {
  return INCIDENT_KEY.test(value);
}
