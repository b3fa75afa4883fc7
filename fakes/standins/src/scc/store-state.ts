// What the SCC stand-in remembers, and the shapes it hands out: sources under organizations and
// findings keyed by (source, location, finding id). Every store unit takes this state explicitly.

import type { FindingRef } from "./names.js";
import type { SccProtos } from "./protos.js";
import type { JsonValue } from "./wire.js";

/** A Finding message as proto-loader gives it (camelCase keys, enums as names, int64 as strings). */
export type WireFinding = Record<string, unknown>;
export type WireSource = { name: string; displayName: string; description: string; canonicalName: string };

/** A finding as tests read it: plain values, ISO times, plain source properties. */
export interface StandinFinding {
  /** Full name, always with a location: `organizations/O/sources/S/locations/global/findings/ID`. */
  name: string;
  parent: string;
  findingId: string;
  /** The source's own name, `organizations/O/sources/S`. */
  source: string;
  location: string;
  resourceName: string;
  category: string;
  state: string;
  severity: string;
  findingClass: string;
  mute: string;
  description: string;
  externalUri: string;
  /** RFC 3339, full precision; undefined when never set. */
  eventTime: string | undefined;
  createTime: string;
  sourceProperties: Record<string, JsonValue>;
  /** The stored protobuf object (camelCase), for fields not listed above. */
  raw: WireFinding;
}

export interface StandinSource {
  name: string;
  organization: string;
  displayName: string;
  description: string;
}

export type FindingWriteEffect = "created" | "updated" | "unchanged";

export interface SccStoreOptions {
  protos: SccProtos;
  /** Clock in ms; tests may fix it. */
  now: () => number;
  /** event_time may be at most this far in the future (clock skew) before INVALID_ARGUMENT. */
  futureEventTimeToleranceMs: number;
}

export interface StoredSource {
  orgId: string;
  sourceId: string;
  displayName: string;
  description: string;
}

export interface StoredFinding {
  ref: FindingRef;
  wire: WireFinding;
}

export interface SccStoreState extends SccStoreOptions {
  /** By source id (source ids are unique across organizations). */
  readonly sources: Map<string, StoredSource>;
  /** By findingKey(ref). */
  readonly findings: Map<string, StoredFinding>;
  nextSourceNumber: number;
}

export function createStoreState(options: SccStoreOptions): SccStoreState {
  return { ...options, sources: new Map(), findings: new Map(), nextSourceNumber: 1001 };
}

/** The scope is not part of the key: the same source, location and id name one finding. */
export function findingKey(ref: FindingRef): string {
  return `${ref.sourceId}/${ref.location}/${ref.findingId}`;
}
