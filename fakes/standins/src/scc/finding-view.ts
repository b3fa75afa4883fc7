// A stored finding as tests read it (StandinFinding): plain strings with the proto's defaults for
// unset enums, ISO times, JSON source properties, and a copy of the stored message.

import { sourceName } from "./names.js";
import type { SccStoreState, StandinFinding, StoredFinding } from "./store-state.js";
import { timestampToIso, valueToJson, type WireTimestamp, type WireValue } from "./wire.js";

export function toStandinFinding(state: SccStoreState, stored: StoredFinding): StandinFinding {
  const w = stored.wire;
  const str = (key: string, fallback = "") => (typeof w[key] === "string" ? (w[key] as string) : fallback);
  const source = state.sources.get(stored.ref.sourceId);
  return {
    name: str("name"),
    parent: str("parent"),
    findingId: stored.ref.findingId,
    source: source ? sourceName(source.orgId, source.sourceId) : `?/sources/${stored.ref.sourceId}`,
    location: stored.ref.location,
    resourceName: str("resourceName"),
    category: str("category"),
    state: str("state", "STATE_UNSPECIFIED"),
    severity: str("severity", "SEVERITY_UNSPECIFIED"),
    findingClass: str("findingClass", "FINDING_CLASS_UNSPECIFIED"),
    mute: str("mute", "MUTE_UNSPECIFIED"),
    description: str("description"),
    externalUri: str("externalUri"),
    eventTime: w.eventTime ? timestampToIso(w.eventTime as WireTimestamp) : undefined,
    createTime: timestampToIso(w.createTime as WireTimestamp),
    sourceProperties: Object.fromEntries(
      Object.entries((w.sourceProperties as Record<string, WireValue> | undefined) ?? {}).map(([k, v]) => [
        k,
        valueToJson(v),
      ]),
    ),
    raw: structuredClone(w),
  };
}
