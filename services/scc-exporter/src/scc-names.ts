// Where Riposte's findings live in Security Command Center v2. Sources exist only under an organization
// (`organizations/O/sources/S`, made by `riposte scc setup`); findings are addressed under that
// organization or, with SCC_PARENT_SCOPE, under a project or folder of it, with an optional location:
//   {organizations/O|projects/P|folders/F}/sources/S[/locations/L]/findings/ID
import { z } from "zod";

const NUMERIC = "[0-9]+";
const SOURCE_NAME = new RegExp(`^organizations/(${NUMERIC})/sources/(${NUMERIC})$`);
const ORGANIZATION = new RegExp(`^organizations/(${NUMERIC})$`);
// Project ids (6–30 lowercase letters, digits, hyphens, starting with a letter) or project numbers.
const SCOPE = /^(?:organizations\/[0-9]+|folders\/[0-9]+|projects\/(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]+))$/;
const LOCATION = /^[a-z][a-z0-9-]{0,62}$/;
/** SCC finding ids: alphanumeric, 1–32 characters (an incident key is 32 hex characters). */
const FINDING_ID = /^[A-Za-z0-9]{1,32}$/;

export const SOURCE_NAME_FORM = "organizations/ORGANIZATION_ID/sources/SOURCE_ID (numeric ids)";

export interface SccSourceName {
  /** `organizations/O/sources/S`. */
  name: string;
  organization: string;
  sourceId: string;
}

export function parseSccSourceName(value: string): SccSourceName | undefined {
  const match = SOURCE_NAME.exec(value);
  if (!match) return undefined;
  return { name: value, organization: `organizations/${match[1]}`, sourceId: match[2] ?? "" };
}

/** `organizations/O` (or a bare numeric id) → `organizations/O`; undefined when it is neither. */
export function parseOrganization(value: string): string | undefined {
  if (/^[0-9]+$/.test(value)) return `organizations/${value}`;
  return ORGANIZATION.test(value) ? value : undefined;
}

export const sccSourceNameEnv = z.string().transform((value, context): SccSourceName => {
  const parsed = parseSccSourceName(value);
  if (parsed) return parsed;
  const hint = /^(projects|folders)\//.test(value)
    ? "; sources exist only under an organization (set SCC_PARENT_SCOPE to write findings under a project)"
    : value.includes("/findings/") || value.includes("/locations/")
      ? "; give the source itself (SCC_LOCATION sets the location)"
      : "; run `riposte scc setup --organization ORGANIZATION_ID` to create the source and print its name";
  context.addIssue({ code: "custom", message: `expected ${SOURCE_NAME_FORM}${hint}` });
  return z.NEVER;
});

export const sccScopeEnv = z.string().regex(SCOPE, {
  error: "expected organizations/ORGANIZATION_ID, folders/FOLDER_ID or projects/PROJECT_ID",
});

export const sccLocationEnv = z.string().regex(LOCATION, {
  error: "expected a location id such as global, us or eu",
});

/** Where findings are written, validated once at start-up. */
export interface FindingsLocation {
  source: SccSourceName;
  /** `organizations/O` (default), `projects/P` or `folders/F`. */
  scope: string;
  location: string | undefined;
  /** The ListFindings parent: `{scope}/sources/S[/locations/L]`. */
  parent: string;
}

export function findingsLocation(options: {
  source: SccSourceName;
  scope?: string | undefined;
  location?: string | undefined;
}): FindingsLocation {
  const scope = options.scope ?? options.source.organization;
  if (scope.startsWith("organizations/") && scope !== options.source.organization) {
    throw new Error(
      `SCC_PARENT_SCOPE ${scope} is another organization than SCC_SOURCE_NAME ${options.source.name}; leave it unset or name a project or folder of ${options.source.organization}`,
    );
  }
  const parent = `${scope}/sources/${options.source.sourceId}${options.location ? `/locations/${options.location}` : ""}`;
  return { source: options.source, scope, location: options.location, parent };
}

/** The finding's full name; throws a TypeError if `findingId` is not a valid SCC finding id. */
export function findingNameOf(where: FindingsLocation, findingId: string): string {
  if (!FINDING_ID.test(findingId)) {
    throw new TypeError(
      `finding id ${JSON.stringify(findingId)} is not alphanumeric with 1 to 32 characters`,
    );
  }
  return `${where.parent}/findings/${findingId}`;
}
