// Writing findings: CreateFinding, UpdateFinding (an upsert that says whether it created, updated
// or changed nothing), SetFindingState and SetMute. Names are checked by names.ts, values by
// finding-content.ts, and updates of existing findings follow field-mask.ts.

import { applyUpdateMask } from "./field-mask.js";
import { checkFindingContent, settableMutes, settableStates } from "./finding-content.js";
import {
  checkFindingId,
  type FindingRef,
  findingName,
  parseFindingName,
  parseSourceParent,
  scopeName,
} from "./names.js";
import { requireSource } from "./sources.js";
import { alreadyExists, invalidArgument, notFound } from "./status-error.js";
import {
  type FindingWriteEffect,
  findingKey,
  type SccStoreState,
  type StoredFinding,
  type StoredSource,
  type WireFinding,
} from "./store-state.js";
import { timestampFromMillis } from "./wire.js";

/** JSON with object keys sorted, so two findings compare equal whatever order fields were set in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** The fields a client may write on creation: everything but the name, OUTPUT_ONLY and `parent`. */
function writableCopy(state: SccStoreState, incoming: WireFinding): WireFinding {
  const wire: WireFinding = {};
  for (const [name, value] of Object.entries(structuredClone(incoming))) {
    const behavior = state.protos.findingFields.get(name)?.behavior;
    if (behavior === "OUTPUT_ONLY" || behavior === "IDENTIFIER" || name === "parent") continue;
    wire[name] = value;
  }
  return wire;
}

/** `source`: the finding's source, already checked by the caller against the name it was sent as. */
function createStoredFinding(
  state: SccStoreState,
  ref: FindingRef,
  incoming: WireFinding,
  source: StoredSource,
): StoredFinding {
  checkFindingContent(state, incoming, "finding");
  if (incoming.eventTime === undefined || incoming.eventTime === null) {
    throw invalidArgument("finding.event_time is required when creating a finding");
  }
  const wire = writableCopy(state, incoming);
  const name = findingName(ref);
  wire.name = name;
  wire.canonicalName = name;
  wire.parent = `${scopeName(ref.scope)}/sources/${ref.sourceId}/locations/${ref.location}`;
  wire.parentDisplayName = source.displayName;
  // The stand-in keeps a requested ACTIVE/INACTIVE and otherwise starts findings ACTIVE.
  wire.state = settableStates.has(incoming.state as string) ? incoming.state : "ACTIVE";
  wire.createTime = timestampFromMillis(state.now());
  const stored = { ref, wire };
  state.findings.set(findingKey(ref), stored);
  return stored;
}

/** The finding named `name` (any scope), or NOT_FOUND. */
function findExisting(state: SccStoreState, name: string, field: string): StoredFinding {
  const ref = parseFindingName(name, field);
  requireSource(state, ref.sourceId, ref.scope, field, name);
  const stored = state.findings.get(findingKey(ref));
  if (!stored) throw notFound(`finding ${findingName(ref)} not found`);
  return stored;
}

export function createFinding(
  state: SccStoreState,
  parent: string,
  findingId: string,
  finding: WireFinding | undefined,
): WireFinding {
  const ref = parseSourceParent(parent, "parent", { organizationsOnly: true, allowAllSources: false });
  checkFindingId(findingId, "finding_id");
  if (!finding) throw invalidArgument("finding is required");
  const full = { ...ref, findingId };
  // The source first, as UpdateFinding does: under another organization it does not exist,
  // whatever findings it has there.
  const source = requireSource(state, ref.sourceId, ref.scope, "parent", parent);
  if (state.findings.has(findingKey(full)))
    throw alreadyExists(`finding ${findingName(full)} already exists`);
  return structuredClone(createStoredFinding(state, full, finding, source).wire);
}

/** Creates or updates; `effect` says which (and "unchanged" for an identical redelivery). */
export function updateFinding(
  state: SccStoreState,
  finding: WireFinding | undefined,
  maskPaths: string[],
): { finding: WireFinding; effect: FindingWriteEffect } {
  if (!finding || typeof finding.name !== "string" || finding.name === "") {
    throw invalidArgument("finding.name is required");
  }
  const ref = parseFindingName(finding.name, "finding.name");
  const source = requireSource(state, ref.sourceId, ref.scope, "finding.name", finding.name);
  const existing = state.findings.get(findingKey(ref));
  if (!existing) {
    // The proto says the mask "should not be specified when creating"; the stand-in ignores it
    // on creation and stores every field sent.
    return {
      finding: structuredClone(createStoredFinding(state, ref, finding, source).wire),
      effect: "created",
    };
  }
  checkFindingContent(state, finding, "finding");
  // Applied to a copy, so a refused path leaves the stored finding as it was.
  const draft = structuredClone(existing.wire);
  applyUpdateMask(state.protos, draft, finding, maskPaths);
  const changed = canonicalJson(draft) !== canonicalJson(existing.wire);
  if (changed) existing.wire = draft;
  return { finding: structuredClone(existing.wire), effect: changed ? "updated" : "unchanged" };
}

export function setFindingState(state: SccStoreState, name: string, findingState: unknown): WireFinding {
  const stored = findExisting(state, name, "name");
  if (!settableStates.has(findingState as string)) {
    throw invalidArgument(
      `state must be ACTIVE or INACTIVE, got ${String(findingState ?? "STATE_UNSPECIFIED")}`,
    );
  }
  stored.wire.state = findingState;
  return structuredClone(stored.wire);
}

export function setMute(state: SccStoreState, name: string, mute: unknown): WireFinding {
  const stored = findExisting(state, name, "name");
  if (!settableMutes.has(mute as string)) {
    throw invalidArgument(
      `mute must be MUTED, UNMUTED or UNDEFINED, got ${String(mute ?? "MUTE_UNSPECIFIED")}`,
    );
  }
  stored.wire.mute = mute;
  stored.wire.muteUpdateTime = timestampFromMillis(state.now());
  return structuredClone(stored.wire);
}
