// `riposte incidents list|show`: what Riposte did about each incident, read from the incident ledger
// (Firestore) — locally the emulator `npm start` runs, or a project's database.
import { isClusterName, isIncidentKey } from "@riposte/contracts";
import { DEFAULT_LIST_LIMIT } from "@riposte/ledger";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { isIncidentKeyOrShort, resolveIncident } from "./incident.js";
import {
  incidentJson,
  incidentListJson,
  incidentListLines,
  incidentShowLines,
  terminalJson,
} from "./incidents-view.js";
import { type LedgerTarget, openLedgerTarget } from "./ledger-target.js";

const DEFAULT_SINCE = "24h";

const usage = `Usage: riposte incidents list [--since 1h] [--cluster C] [--limit N] [--json] [--project P]
       riposte incidents show KEY [--json] [--project P]

list   one line per incident the router claimed since --since (default ${DEFAULT_SINCE}; 90s, 15m, 1h, 7d or
       an ISO time), newest first: time, short key, priority, rule, target, each action with its result.
       --cluster keeps the incidents whose alert names that cluster; --limit (default ${DEFAULT_LIST_LIMIT}).
show   the incident's timeline: alert, the router's decision, each action's attempts and outcome,
       notifications, the SCC finding and the trace link. KEY is the incident key or its 12-character
       short key (as Slack shows it); a short key that matches none or several incidents is an error.

--json prints a versioned, documented shape ({"version": 1, …}; see the README).
Reads the ledger of the running \`npm start\` (or FIRESTORE_EMULATOR_HOST); with --project P, project
P's Firestore database (LEDGER_DATABASE, default "(default)"; LEDGER_PROJECT when the ledger lives in
another project). Text from alerts is printed with control characters shown as \\uXXXX.`;

const UNITS_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from `now` (90s, 15m, 1h, 7d) or an ISO time. */
export function parseSince(text: string, now: Date): Date {
  const duration = /^(\d{1,6})([smhd])$/.exec(text);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * (UNITS_MS[duration[2] as string] ?? 0));
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new UsageError(
    `--since: expected a duration such as 90s, 15m, 1h or 7d, or an ISO time; got ${JSON.stringify(text)}`,
  );
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
    throw new UsageError(`--limit: expected a whole number from 1 to 1000, got ${JSON.stringify(text)}`);
  return limit;
}

async function withLedger(project: string | undefined, run: (target: LedgerTarget) => Promise<number>) {
  const target = await openLedgerTarget(readCliEnv(), project);
  try {
    return await run(target);
  } finally {
    await target.close();
  }
}

async function list(values: {
  since?: string | undefined;
  cluster?: string | undefined;
  limit?: string | undefined;
  json?: boolean | undefined;
  project?: string | undefined;
}): Promise<number> {
  const since = parseSince(values.since ?? DEFAULT_SINCE, new Date());
  const { cluster } = values;
  if (cluster !== undefined && !isClusterName(cluster))
    throw new UsageError(`--cluster: ${JSON.stringify(cluster)} is not a cluster name`);
  const limit = parseLimit(values.limit);
  return withLedger(values.project, async ({ ledger, traceLink }) => {
    const incidents = await ledger.listIncidents({ since, limit, ...(cluster ? { cluster } : {}) });
    if (values.json) console.log(terminalJson(incidentListJson(incidents, { since, cluster }, traceLink)));
    else for (const line of incidentListLines(incidents, traceLink)) console.log(line);
    return 0;
  });
}

async function show(
  typed: string | undefined,
  values: { json?: boolean | undefined; project?: string | undefined },
) {
  if (!typed || !isIncidentKeyOrShort(typed))
    throw new UsageError(
      `expected an incident key (32 lowercase hex characters) or its 12-character short key\n\n${usage}`,
    );
  return withLedger(values.project, async ({ ledger, traceLink, describe }) => {
    // A short key is resolved against the ledger itself: none or several is an error listing them.
    const incident = isIncidentKey(typed)
      ? typed
      : resolveIncident(typed, await ledger.findIncidentKeys(typed));
    const record = await ledger.readIncident(incident);
    if (!record) {
      console.error(`riposte incidents: no incident ${incident} in the ledger (${describe})`);
      return 1;
    }
    if (values.json) console.log(terminalJson(incidentJson(record, traceLink)));
    else for (const line of incidentShowLines(record, traceLink)) console.log(line);
    return 0;
  });
}

export const incidentsCommand: Command = {
  name: "incidents",
  summary: "what Riposte did about each incident (list, show KEY), from the ledger",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      since: { type: "string" },
      cluster: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
      project: { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [subcommand, key, ...extra] = positionals;
    if (subcommand === "list" && key === undefined) return list(values);
    if (subcommand === "show" && extra.length === 0) {
      if (values.since !== undefined || values.cluster !== undefined || values.limit !== undefined)
        throw new UsageError(`show takes KEY, --json and --project only\n\n${usage}`);
      return show(key, values);
    }
    throw new UsageError(`expected \`list\` or \`show KEY\`\n\n${usage}`);
  },
};
