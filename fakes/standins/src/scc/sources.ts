// Sources: CreateSource / GetSource / UpdateSource / ListSources and the checks every source
// passes (display name 1–64 characters and unique within its organization, description ≤ 1024).

import {
  parseOrganization,
  parseSourceName,
  parseSourcesParent,
  type Scope,
  scopeName,
  sourceName,
} from "./names.js";
import { pageOf } from "./paging.js";
import { alreadyExists, invalidArgument, notFound } from "./status-error.js";
import type { SccStoreState, StandinSource, StoredSource, WireSource } from "./store-state.js";

export function toWireSource(source: StoredSource): WireSource {
  const name = sourceName(source.orgId, source.sourceId);
  return { name, displayName: source.displayName, description: source.description, canonicalName: name };
}

export function toStandinSource(source: StoredSource): StandinSource {
  return {
    name: sourceName(source.orgId, source.sourceId),
    organization: `organizations/${source.orgId}`,
    displayName: source.displayName,
    description: source.description,
  };
}

/** The source `sourceId`, or NOT_FOUND naming `field` and `value` (the name the client sent). */
export function requireSource(
  state: SccStoreState,
  sourceId: string,
  scope: Scope | undefined,
  field: string,
  value: string,
): StoredSource {
  const source = state.sources.get(sourceId);
  // A source belongs to one organization; under folders/projects the stand-in cannot check ancestry.
  if (!source || (scope?.kind === "organizations" && scope.id !== source.orgId)) {
    throw notFound(
      `${field} "${value}": source ${scope ? scopeName(scope) : "organizations/?"}/sources/${sourceId} not found`,
    );
  }
  return source;
}

function checkSourceFields(
  state: SccStoreState,
  orgId: string,
  displayName: string,
  description: string,
  exceptId?: string,
): void {
  if (displayName.length < 1 || displayName.length > 64) {
    throw invalidArgument(`source.display_name must be 1 to 64 characters, got ${displayName.length}`);
  }
  if (description.length > 1024) {
    throw invalidArgument(`source.description must be at most 1024 characters, got ${description.length}`);
  }
  for (const other of state.sources.values()) {
    if (other.orgId === orgId && other.displayName === displayName && other.sourceId !== exceptId) {
      throw alreadyExists(
        `source.display_name "${displayName}" is already used by ${sourceName(orgId, other.sourceId)} (it must be unique within organizations/${orgId})`,
      );
    }
  }
}

/** Checks and stores a new source with the next free id. */
export function addSource(
  state: SccStoreState,
  orgId: string,
  displayName: string,
  description: string,
): StoredSource {
  checkSourceFields(state, orgId, displayName, description);
  const stored = { orgId, sourceId: String(state.nextSourceNumber++), displayName, description };
  state.sources.set(stored.sourceId, stored);
  return stored;
}

export function createSource(
  state: SccStoreState,
  parent: string,
  source: { displayName?: string; description?: string } | undefined,
): WireSource {
  const orgId = parseOrganization(parent, "parent");
  return toWireSource(addSource(state, orgId, source?.displayName ?? "", source?.description ?? ""));
}

export function getSource(state: SccStoreState, name: string): WireSource {
  const { orgId, sourceId } = parseSourceName(name, "name");
  return toWireSource(requireSource(state, sourceId, { kind: "organizations", id: orgId }, "name", name));
}

export function updateSource(
  state: SccStoreState,
  source: Partial<WireSource> | undefined,
  maskPaths: string[],
): WireSource {
  if (!source?.name) throw invalidArgument("source.name is required");
  const { orgId, sourceId } = parseSourceName(source.name, "source.name");
  const stored = requireSource(
    state,
    sourceId,
    { kind: "organizations", id: orgId },
    "source.name",
    source.name,
  );
  const paths = maskPaths.length === 0 ? ["display_name", "description"] : maskPaths;
  let { displayName, description } = stored;
  for (const path of paths) {
    if (path === "display_name" || path === "displayName") displayName = source.displayName ?? "";
    else if (path === "description") description = source.description ?? "";
    else
      throw invalidArgument(`update_mask path "${path}": only display_name and description can be updated`);
  }
  checkSourceFields(state, orgId, displayName, description, sourceId);
  stored.displayName = displayName;
  stored.description = description;
  return toWireSource(stored);
}

export function listSources(state: SccStoreState, parent: string, pageSize: unknown, pageToken: string) {
  const scope = parseSourcesParent(parent, "parent");
  // Folders and projects: the stand-in cannot know their organization, so it lists every source.
  const all = [...state.sources.values()].filter(
    (s) => scope.kind !== "organizations" || s.orgId === scope.id,
  );
  const { page, nextPageToken } = pageOf(all, pageSize, pageToken, parent);
  return { sources: page.map(toWireSource), nextPageToken };
}
