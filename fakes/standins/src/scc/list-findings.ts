// ListFindings: which findings a parent covers (scope, source or "-", location), the filter
// (filter.ts), order_by ("<field> [desc]", comma-separated), paging, and the result shape with a
// `resource` derived from the resource name.

import { parseFindingFilter } from "./filter.js";
import { toStandinFinding } from "./finding-view.js";
import { parseSourceParent, type Scope, type SourceRef, scopeName } from "./names.js";
import { pageOf } from "./paging.js";
import { snakeToCamel } from "./protos.js";
import { requireSource } from "./sources.js";
import { invalidArgument } from "./status-error.js";
import type { SccStoreState, StandinFinding, StoredFinding } from "./store-state.js";
import { timestampToMillis, type WireTimestamp } from "./wire.js";

export interface ListFindingsRequest {
  parent?: string;
  filter?: string;
  orderBy?: string;
  pageSize?: unknown;
  pageToken?: string;
}

interface SortKey {
  /** camelCase, as on StandinFinding. */
  field: string;
  descending: boolean;
}

const orderableFields = new Set([
  "name",
  "parent",
  "state",
  "category",
  "resource_name",
  "event_time",
  "severity",
]);

function parseOrderBy(orderBy: string): SortKey[] {
  return orderBy
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [field = "", direction, ...extra] = part.split(/\s+/);
      if (
        !orderableFields.has(field) ||
        extra.length > 0 ||
        (direction !== undefined && direction !== "desc")
      ) {
        throw invalidArgument(
          `order_by "${orderBy}": "${part}" is not "<field> [desc]" with field one of ${[...orderableFields].join(", ")}`,
        );
      }
      return { field: snakeToCamel(field), descending: direction === "desc" };
    });
}

function eventTimeMillisOf(finding: StandinFinding): number | undefined {
  return finding.raw.eventTime ? timestampToMillis(finding.raw.eventTime as WireTimestamp) : undefined;
}

function sortValue(finding: StandinFinding, field: string): string | number {
  if (field === "eventTime") return eventTimeMillisOf(finding) ?? 0;
  return String((finding as unknown as Record<string, unknown>)[field] ?? "");
}

function sortFindings(findings: StandinFinding[], order: readonly SortKey[]): void {
  if (order.length === 0) return;
  findings.sort((a, b) => {
    for (const { field, descending } of order) {
      const x = sortValue(a, field);
      const y = sortValue(b, field);
      if (x !== y) return (x < y ? -1 : 1) * (descending ? -1 : 1);
    }
    return 0;
  });
}

function inScope(state: SccStoreState, stored: StoredFinding, scope: Scope): boolean {
  if (scope.kind === "organizations") return state.sources.get(stored.ref.sourceId)?.orgId === scope.id;
  if (scopeName(stored.ref.scope) === scopeName(scope)) return true;
  // A project-level listing also shows org-level findings on that project's resources.
  return (
    scope.kind === "projects" && String(stored.wire.resourceName ?? "").includes(`/projects/${scope.id}/`)
  );
}

function isUnder(state: SccStoreState, stored: StoredFinding, parent: SourceRef): boolean {
  return (
    (parent.sourceId === "-" || stored.ref.sourceId === parent.sourceId) &&
    stored.ref.location === parent.location &&
    inScope(state, stored, parent.scope)
  );
}

function toListResult(finding: StandinFinding) {
  return {
    finding: finding.raw,
    resource: {
      name: finding.resourceName,
      displayName: finding.resourceName.split("/").at(-1) ?? "",
      ...(finding.resourceName.startsWith("//") && {
        service: finding.resourceName.slice(2).split("/")[0] ?? "",
        cloudProvider: "GOOGLE_CLOUD_PLATFORM",
      }),
    },
  };
}

export function listFindings(state: SccStoreState, request: ListFindingsRequest) {
  const parent = request.parent ?? "";
  const ref = parseSourceParent(parent, "parent", { organizationsOnly: false, allowAllSources: true });
  if (ref.sourceId !== "-") requireSource(state, ref.sourceId, ref.scope, "parent", parent);
  const filter = request.filter ?? "";
  const predicate = parseFindingFilter(filter);
  const orderBy = request.orderBy ?? "";
  const order = parseOrderBy(orderBy);

  const matching = [...state.findings.values()]
    .filter((stored) => isUnder(state, stored, ref))
    .map((stored) => toStandinFinding(state, stored))
    .filter((f) => predicate({ ...f, eventTimeMillis: eventTimeMillisOf(f) }));
  sortFindings(matching, order);
  const query = `${parent}\n${filter}\n${orderBy}`;
  const { page, nextPageToken } = pageOf(matching, request.pageSize, request.pageToken ?? "", query);
  return { listFindingsResults: page.map(toListResult), nextPageToken, totalSize: matching.length };
}
