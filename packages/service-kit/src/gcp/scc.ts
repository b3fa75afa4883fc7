// Security Command Center v2 names and console links. Sources exist only under an organization
// (`organizations/O/sources/S`); findings are addressed under that organization or under a project or
// folder of it (the parent scope), with an optional location:
//   {organizations/O|projects/P|folders/F}/sources/S[/locations/L]/findings/ID
import { PROJECT_ID_PATTERN } from "./project.js";

/** An organization-level source, as `riposte scc setup` prints it. */
export const SCC_SOURCE_NAME = /^organizations\/([0-9]+)\/sources\/([0-9]+)$/;
const ORGANIZATION = /^organizations\/([0-9]+)$/;
/** Where findings are addressed when not under the organization: a project (id or number) or folder. */
export const SCC_PARENT_SCOPE = new RegExp(
  `^(?:organizations/[0-9]+|folders/[0-9]+|projects/(?:${PROJECT_ID_PATTERN}|[0-9]+))$`,
);
export const SCC_LOCATION = /^[a-z][a-z0-9-]{0,62}$/;
/** Finding ids: alphanumeric, 1–32 characters (an incident key is 32 hex characters). */
const FINDING_ID = /^[A-Za-z0-9]{1,32}$/;

export const SCC_SOURCE_NAME_FORM = "organizations/ORGANIZATION_ID/sources/SOURCE_ID (numeric ids)";
const FINDINGS_CONSOLE = "https://console.cloud.google.com/security/command-center/findings";

export interface SccSourceName {
  /** `organizations/O/sources/S`. */
  name: string;
  organization: string;
  sourceId: string;
}

export function parseSccSourceName(value: string): SccSourceName | undefined {
  const match = SCC_SOURCE_NAME.exec(value);
  if (!match) return undefined;
  return { name: value, organization: `organizations/${match[1]}`, sourceId: match[2] ?? "" };
}

/** `organizations/O` (or a bare numeric id) → `organizations/O`; undefined when it is neither. */
export function parseOrganization(value: string): string | undefined {
  if (/^[0-9]+$/.test(value)) return `organizations/${value}`;
  return ORGANIZATION.test(value) ? value : undefined;
}

/** Where findings are written. */
export interface FindingsLocation {
  source: SccSourceName;
  /** `organizations/O` (default), `projects/P` or `folders/F`. */
  scope: string;
  location: string | undefined;
  /** The ListFindings parent: `{scope}/sources/S[/locations/L]`. */
  parent: string;
}

/**
 * The findings' location from valid parts (SCC_PARENT_SCOPE, SCC_LOCATION). Does not check that an
 * organization scope is the source's own: a writer refuses that, a link to it merely leads nowhere.
 */
export function findingsLocationOf(options: {
  source: SccSourceName;
  scope?: string | undefined;
  location?: string | undefined;
}): FindingsLocation {
  const scope = options.scope ?? options.source.organization;
  const parent = `${scope}/sources/${options.source.sourceId}${options.location ? `/locations/${options.location}` : ""}`;
  return { source: options.source, scope, location: options.location, parent };
}

/** The findings' location from configuration text, or undefined when any part is not valid. */
export function parseFindingsLocation(text: {
  sourceName: string;
  scope?: string | undefined;
  location?: string | undefined;
}): FindingsLocation | undefined {
  const source = parseSccSourceName(text.sourceName);
  if (!source) return undefined;
  if (text.location !== undefined && !SCC_LOCATION.test(text.location)) return undefined;
  if (text.scope !== undefined && !SCC_PARENT_SCOPE.test(text.scope)) return undefined;
  return findingsLocationOf({ source, scope: text.scope, location: text.location });
}

export function isSccFindingId(value: string): boolean {
  return FINDING_ID.test(value);
}

/** The finding's full name; throws a TypeError if `findingId` is not a valid SCC finding id. */
export function findingNameOf(where: FindingsLocation, findingId: string): string {
  if (!isSccFindingId(findingId)) {
    throw new TypeError(
      `finding id ${JSON.stringify(findingId)} is not alphanumeric with 1 to 32 characters`,
    );
  }
  return `${where.parent}/findings/${findingId}`;
}

/**
 * The SCC console page of a finding, or undefined when `findingId` is not valid. The console takes the
 * organization and the finding's name (`resourceId`), the form SCC integrations link back with.
 */
export function findingConsoleUrl(where: FindingsLocation, findingId: string): string | undefined {
  if (!isSccFindingId(findingId)) return undefined;
  const query = new URLSearchParams({
    organizationId: where.source.organization.slice("organizations/".length),
    resourceId: findingNameOf(where, findingId),
  });
  return `${FINDINGS_CONSOLE}?${query}`;
}

export function isFindingConsoleUrl(url: string): boolean {
  return url.startsWith(`${FINDINGS_CONSOLE}?`);
}

/** A finding's full name, as the scc-exporter records it in the ledger. */
const FINDING_NAME =
  /^organizations\/([0-9]+)\/sources\/([0-9]+)(?:\/locations\/([a-z][a-z0-9-]{0,62}))?\/findings\/([A-Za-z0-9]{1,32})$/;

/**
 * The SCC console page of a finding by its full name (the ledger keeps it), when it is addressed under
 * its organization; undefined for any other name — under a project or folder the name does not say
 * the organization the console needs.
 */
export function findingConsoleUrlOfName(name: string): string | undefined {
  const match = FINDING_NAME.exec(name);
  if (!match) return undefined;
  const [, organization, sourceId, location, findingId] = match as unknown as [
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  const source = {
    name: `organizations/${organization}/sources/${sourceId}`,
    organization: `organizations/${organization}`,
    sourceId,
  };
  return findingConsoleUrl(findingsLocationOf({ source, location }), findingId);
}
