// Parses and checks SCC v2 resource names the way the API's HTTP bindings and proto comments define
// them: sources live only under organizations; findings can be addressed under an organization, a
// folder or a project, with an optional location (absent = "global"). Every refusal names the field,
// the value and the accepted forms.

import { invalidArgument } from "./status-error.js";

export type ScopeKind = "organizations" | "folders" | "projects";

export interface Scope {
  kind: ScopeKind;
  id: string;
}

export interface SourceRef {
  scope: Scope;
  /** Numeric source id, or "-" (all sources) where allowed. */
  sourceId: string;
  /** "global" when the name has no /locations/ segment. */
  location: string;
}

export interface FindingRef extends SourceRef {
  findingId: string;
}

export const findingIdPattern = /^[A-Za-z0-9]{1,32}$/;
const numericId = /^[0-9]+$/;
// Project ids: 6–30 chars, lowercase letters, digits, hyphens, starting with a letter; or a number.
const projectId = /^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]+)$/;
const locationId = /^[a-z][a-z0-9-]{0,62}$/;

export const forms = {
  organization: "organizations/{organization_id}",
  sourcesParent: "organizations/{organization_id}, folders/{folder_id} or projects/{project_id}",
  source: "organizations/{organization_id}/sources/{source_id}",
  sourceParent: "{organizations|folders|projects}/{id}/sources/{source_id}[/locations/{location_id}]",
  orgSourceParent: "organizations/{organization_id}/sources/{source_id}[/locations/{location_id}]",
  finding:
    "{organizations|folders|projects}/{id}/sources/{source_id}[/locations/{location_id}]/findings/{finding_id}",
} as const;

export function scopeName(scope: Scope): string {
  return `${scope.kind}/${scope.id}`;
}

export function sourceName(orgId: string, sourceId: string): string {
  return `organizations/${orgId}/sources/${sourceId}`;
}

export function findingName(ref: FindingRef): string {
  return `${scopeName(ref.scope)}/sources/${ref.sourceId}/locations/${ref.location}/findings/${ref.findingId}`;
}

function checkScope(kind: string, id: string, field: string, value: string): Scope {
  if (kind === "organizations" || kind === "folders") {
    if (!numericId.test(id)) {
      throw invalidArgument(`${field} "${value}": ${kind} id must be numeric, got "${id}"`);
    }
    return { kind, id };
  }
  if (kind === "projects") {
    if (!projectId.test(id)) {
      throw invalidArgument(
        `${field} "${value}": "${id}" is neither a project id (6–30 lowercase letters, digits, hyphens) nor a project number`,
      );
    }
    return { kind, id };
  }
  throw invalidArgument(`${field} "${value}": unknown parent kind "${kind}"`);
}

function checkSourceId(sourceId: string, field: string, value: string, allowAll: boolean): void {
  if (allowAll && sourceId === "-") return;
  if (!numericId.test(sourceId)) {
    throw invalidArgument(
      `${field} "${value}": source id must be numeric${allowAll ? ' (or "-")' : ""}, got "${sourceId}"`,
    );
  }
}

function checkLocation(location: string | undefined, field: string, value: string): string {
  if (location === undefined) return "global";
  if (!locationId.test(location)) {
    throw invalidArgument(
      `${field} "${value}": invalid location "${location}" (expected e.g. global, us, eu)`,
    );
  }
  return location;
}

/** CreateSource parent: `organizations/{id}` only. */
export function parseOrganization(value: string, field: string): string {
  const match = /^organizations\/([^/]+)$/.exec(value);
  if (!match) {
    const hint = /^(folders|projects)\//.test(value)
      ? "; sources can only be created under an organization"
      : "";
    throw invalidArgument(`${field} "${value}" is not a valid parent: expected ${forms.organization}${hint}`);
  }
  return checkScope("organizations", match[1] ?? "", field, value).id;
}

/** ListSources parent: an organization, folder or project. */
export function parseSourcesParent(value: string, field: string): Scope {
  const match = /^(organizations|folders|projects)\/([^/]+)$/.exec(value);
  if (!match)
    throw invalidArgument(`${field} "${value}" is not a valid parent: expected ${forms.sourcesParent}`);
  return checkScope(match[1] ?? "", match[2] ?? "", field, value);
}

/** GetSource / UpdateSource name: `organizations/{org}/sources/{src}`. */
export function parseSourceName(value: string, field: string): { orgId: string; sourceId: string } {
  const match = /^organizations\/([^/]+)\/sources\/([^/]+)$/.exec(value);
  if (!match)
    throw invalidArgument(`${field} "${value}" is not a valid source name: expected ${forms.source}`);
  const orgId = checkScope("organizations", match[1] ?? "", field, value).id;
  const sourceId = match[2] ?? "";
  checkSourceId(sourceId, field, value, false);
  return { orgId, sourceId };
}

/**
 * A source as a parent of findings. CreateFinding accepts only organizations; ListFindings accepts
 * all three scopes and "-" for all sources.
 */
export function parseSourceParent(
  value: string,
  field: string,
  options: { organizationsOnly: boolean; allowAllSources: boolean },
): SourceRef {
  const match = /^(organizations|folders|projects)\/([^/]+)\/sources\/([^/]+)(?:\/locations\/([^/]+))?$/.exec(
    value,
  );
  const expected = options.organizationsOnly ? forms.orgSourceParent : forms.sourceParent;
  if (!match || (options.organizationsOnly && match[1] !== "organizations")) {
    throw invalidArgument(`${field} "${value}" is not a valid parent: expected ${expected}`);
  }
  const scope = checkScope(match[1] ?? "", match[2] ?? "", field, value);
  const sourceId = match[3] ?? "";
  checkSourceId(sourceId, field, value, options.allowAllSources);
  return { scope, sourceId, location: checkLocation(match[4], field, value) };
}

/** A finding's full name, as in UpdateFinding's finding.name and SetFindingState's name. */
export function parseFindingName(value: string, field: string): FindingRef {
  const match =
    /^(organizations|folders|projects)\/([^/]+)\/sources\/([^/]+)(?:\/locations\/([^/]+))?\/findings\/([^/]*)$/.exec(
      value,
    );
  if (!match)
    throw invalidArgument(`${field} "${value}" is not a valid finding name: expected ${forms.finding}`);
  const scope = checkScope(match[1] ?? "", match[2] ?? "", field, value);
  const sourceId = match[3] ?? "";
  checkSourceId(sourceId, field, value, false);
  const location = checkLocation(match[4], field, value);
  const findingId = match[5] ?? "";
  checkFindingId(findingId, `the finding id of ${field}`);
  return { scope, sourceId, location, findingId };
}

export function checkFindingId(findingId: string, field: string): void {
  if (!findingIdPattern.test(findingId)) {
    throw invalidArgument(
      `${field} "${findingId}" is invalid: it must be alphanumeric (A-Z, a-z, 0-9) and 1 to 32 characters long, got ${findingId.length} characters`,
    );
  }
}
