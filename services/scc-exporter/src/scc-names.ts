// Where Riposte's findings live in Security Command Center v2, as this service's environment says. The
// names themselves (sources, scopes, locations, finding ids) are @riposte/service-kit/gcp's; here are
// the variables' schemas, with hints that say what to run, and the check across them.
import {
  type FindingsLocation,
  findingsLocationOf,
  parseSccSourceName,
  SCC_LOCATION,
  SCC_PARENT_SCOPE,
  SCC_SOURCE_NAME_FORM,
  type SccSourceName,
} from "@riposte/service-kit/gcp";
import { z } from "zod";

export {
  type FindingsLocation,
  findingNameOf,
  parseOrganization,
  parseSccSourceName,
  SCC_SOURCE_NAME_FORM as SOURCE_NAME_FORM,
  type SccSourceName,
} from "@riposte/service-kit/gcp";

export const sccSourceNameEnv = z.string().transform((value, context): SccSourceName => {
  const parsed = parseSccSourceName(value);
  if (parsed) return parsed;
  const hint = /^(projects|folders)\//.test(value)
    ? "; sources exist only under an organization (set SCC_PARENT_SCOPE to write findings under a project)"
    : value.includes("/findings/") || value.includes("/locations/")
      ? "; give the source itself (SCC_LOCATION sets the location)"
      : "; run `riposte scc setup --organization ORGANIZATION_ID` to create the source and print its name";
  context.addIssue({ code: "custom", message: `expected ${SCC_SOURCE_NAME_FORM}${hint}` });
  return z.NEVER;
});

export const sccScopeEnv = z.string().regex(SCC_PARENT_SCOPE, {
  error: "expected organizations/ORGANIZATION_ID, folders/FOLDER_ID or projects/PROJECT_ID",
});

export const sccLocationEnv = z.string().regex(SCC_LOCATION, {
  error: "expected a location id such as global, us or eu",
});

/** Where findings are written, validated once at start-up: an organization scope must be the source's. */
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
  return findingsLocationOf(options);
}
