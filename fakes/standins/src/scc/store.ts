// The state and rules of the SCC v2 stand-in, independent of gRPC, as one object over a
// SccStoreState: sources (sources.ts), finding writes (findings.ts) with update-mask semantics
// (field-mask.ts) and value rules (finding-content.ts), and paged, filtered listing
// (list-findings.ts). Every refusal is an SccStatusError with the code the real API uses.

import { toStandinFinding } from "./finding-view.js";
import { createFinding, setFindingState, setMute, updateFinding } from "./findings.js";
import { type ListFindingsRequest, listFindings } from "./list-findings.js";
import { parseOrganization } from "./names.js";
import { addSource, createSource, getSource, listSources, toStandinSource, updateSource } from "./sources.js";
import {
  createStoreState,
  type FindingWriteEffect,
  type SccStoreOptions,
  type StandinFinding,
  type StandinSource,
  type WireFinding,
  type WireSource,
} from "./store-state.js";

export type {
  FindingWriteEffect,
  SccStoreOptions,
  StandinFinding,
  StandinSource,
  WireFinding,
  WireSource,
} from "./store-state.js";

export function createSccStore(options: SccStoreOptions) {
  const state = createStoreState(options);
  return {
    createSource: (parent: string, source: { displayName?: string; description?: string } | undefined) =>
      createSource(state, parent, source),
    getSource: (name: string): WireSource => getSource(state, name),
    updateSource: (source: Partial<WireSource> | undefined, maskPaths: string[]) =>
      updateSource(state, source, maskPaths),
    listSources: (parent: string, pageSize: unknown, pageToken: string) =>
      listSources(state, parent, pageSize, pageToken),
    createFinding: (parent: string, findingId: string, finding: WireFinding | undefined) =>
      createFinding(state, parent, findingId, finding),
    /** Creates or updates; `effect` says which (and "unchanged" for an identical redelivery). */
    updateFinding: (
      finding: WireFinding | undefined,
      maskPaths: string[],
    ): { finding: WireFinding; effect: FindingWriteEffect } => updateFinding(state, finding, maskPaths),
    setFindingState: (name: string, findingState: unknown) => setFindingState(state, name, findingState),
    setMute: (name: string, mute: unknown) => setMute(state, name, mute),
    listFindings: (request: ListFindingsRequest) => listFindings(state, request),

    /** Adds a source directly (no gRPC), e.g. to prepare a test or `npm start`. */
    seedSource(organizationId: string, displayName: string, description = ""): StandinSource {
      const orgId = parseOrganization(`organizations/${organizationId}`, "organization");
      return toStandinSource(addSource(state, orgId, displayName, description));
    },
    sources: (): StandinSource[] => [...state.sources.values()].map(toStandinSource),
    findings: (): StandinFinding[] => [...state.findings.values()].map((f) => toStandinFinding(state, f)),
    reset(): void {
      state.sources.clear();
      state.findings.clear();
    },
  };
}

export type SccStore = ReturnType<typeof createSccStore>;
