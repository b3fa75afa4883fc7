// `riposte scc setup|findings`: create Riposte's Security Command Center source under an organization,
// and list the findings Riposte wrote. Arguments and printing only; the SCC work is in
// @riposte/scc-exporter/admin. Talks to SCC_ENDPOINT (plaintext, the stand-in), else the stand-in of a
// running `riposte dev`, else the real API with Application Default Credentials.

import {
  createSccApi,
  ensureSource,
  FINDING_STATES,
  formatFindingTable,
  listFindingRows,
  parseOrganization,
  resolveSccTarget,
  type SccTarget,
  sccAdminEnv,
} from "@riposte/scc-exporter/admin";
import { loadConfig } from "@riposte/service-kit";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readDevState } from "./pubsub-target.js";

const usage = `Usage: riposte scc setup --organization ORGANIZATION_ID [--display-name NAME]
       riposte scc findings [--state ACTIVE|INACTIVE] [--json]

setup     finds or creates Riposte's source (display name "Riposte" by default) under the
          organization and prints its name: give it to the scc-exporter as SCC_SOURCE_NAME.
          Needs securitycenter.sources.list and .update on the organization
          (roles/securitycenter.sourcesEditor).
findings  lists the findings of Riposte's source, newest first: id, category, severity, state,
          event time, resource and the actions recorded on each.

Environment: SCC_SOURCE_NAME (organizations/O/sources/S), SCC_LOCATION, SCC_PARENT_SCOPE, and
SCC_ENDPOINT (host:port, plaintext: the local stand-in). With none of them set and \`riposte dev\`
running, its SCC stand-in and source are used; otherwise the real API.`;

function sccTarget(): SccTarget {
  const dev = readDevState();
  return resolveSccTarget(loadConfig(sccAdminEnv), dev);
}

async function setup(args: string[]): Promise<number> {
  const { values } = parseCommandArgs({ usage }, args, {
    organization: { type: "string" },
    "display-name": { type: "string" },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.organization === undefined) throw new UsageError(`--organization is required\n\n${usage}`);
  const organization = parseOrganization(values.organization);
  if (!organization) {
    throw new UsageError(
      `--organization ${JSON.stringify(values.organization)}: expected a numeric organization id or organizations/ID (sources exist only under an organization)`,
    );
  }
  const target = sccTarget();
  const scc = createSccApi({ endpoint: target.endpoint });
  try {
    const { source, created } = await ensureSource(scc, {
      organization,
      ...(values["display-name"] ? { displayName: values["display-name"] } : {}),
    });
    console.error(
      `${created ? "created" : "found"} source "${source.displayName}" under ${organization} (${target.describe})`,
    );
    // The name alone on stdout: `export SCC_SOURCE_NAME=$(riposte scc setup --organization …)`.
    console.log(source.name);
  } finally {
    await scc.close();
  }
  return 0;
}

async function findings(args: string[]): Promise<number> {
  const { values } = parseCommandArgs({ usage }, args, {
    state: { type: "string" },
    json: { type: "boolean", default: false },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const state = values.state?.toUpperCase();
  if (state !== undefined && !FINDING_STATES.some((known) => known === state)) {
    throw new UsageError(`--state ${JSON.stringify(values.state)}: expected ${FINDING_STATES.join(" or ")}`);
  }
  const target = sccTarget();
  if (!target.where) {
    throw new UsageError(
      "no SCC source: set SCC_SOURCE_NAME (as printed by `riposte scc setup`), or run `riposte dev` for the local stand-in",
    );
  }
  const scc = createSccApi({ endpoint: target.endpoint });
  try {
    const rows = await listFindingRows(
      scc,
      target.where,
      state ? { state: state as "ACTIVE" | "INACTIVE" } : {},
    );
    if (values.json) {
      console.log(JSON.stringify(rows, null, 2));
    } else {
      console.error(`${rows.length} finding(s) under ${target.where.parent} (${target.describe})`);
      console.log(formatFindingTable(rows));
    }
  } finally {
    await scc.close();
  }
  return 0;
}

export const sccCommand: Command = {
  name: "scc",
  summary: "set up Riposte's Security Command Center source, list its findings",
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === "setup") return setup(rest);
    if (sub === "findings") return findings(rest);
    if (sub === undefined || sub === "--help" || sub === "-h") {
      console.log(usage);
      return sub === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}\n\n${usage}`);
  },
};
