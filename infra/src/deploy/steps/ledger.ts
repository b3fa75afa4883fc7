// The incident ledger's side of the plan: the Firestore database the services share (Native mode),
// the TTL policies that delete what the ledger stops needing, datastore.user for each service that
// uses it, and the Cloud Scheduler jobs making the scheduled calls (`riposte dev` makes the same ones).
// Who uses the ledger is read from the env schemas: a service that reads LEDGER_DATABASE opens it.
import { LEDGER_COLLECTIONS } from "@riposte/ledger";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { scheduledCallsOf as declaredScheduledCalls, type ScheduledCall } from "../../dev/scheduled-calls.js";
import { serviceAccountEmail } from "../../rbac.js";
import {
  type CliCall,
  type Flag,
  gcloud,
  type PlanCommand,
  type PlanStep,
  planVariable,
} from "../commands.js";
import type { PlannedDatabase } from "../preflight.js";
import { urlVariable } from "./cloud-run.js";
import { DeployPlanError, type PlanContext } from "./context.js";
import { scheduledAudienceOf } from "./web-front.js";

/**
 * The collection groups the ledger writes, each document with `expireAt` (its TTL field): the ledger's
 * own list. A test reads its source, so a collection it writes and does not list fails it.
 */
export const LEDGER_COLLECTION_GROUPS: readonly string[] = LEDGER_COLLECTIONS;

/** The field of every ledger document that the TTL policy deletes it after. */
export const TTL_FIELD = "expireAt";

const DATABASE_VARIABLE = "LEDGER_DATABASE";
const PROJECT_VARIABLE = "LEDGER_PROJECT";
/** A Firestore database id: `(default)`, or 4–63 lowercase letters, digits and hyphens. */
const DATABASE_ID = /^(?:\(default\)|[a-z][a-z0-9-]{2,61}[a-z0-9])$/;

/** The service opens the ledger: its env schema reads the ledger's database. */
export function usesLedger(service: ServiceDescriptor): boolean {
  return DATABASE_VARIABLE in service.env.shape;
}

/** The selected services' scheduled calls (Cloud Scheduler jobs), as their descriptors declare them. */
export function scheduledCallsOf(selected: readonly ServiceDescriptor[]): ScheduledCall[] {
  return declaredScheduledCalls(selected);
}

/** A Firestore database: where it is and who opens it. */
interface LedgerDatabase {
  project: string;
  database: string;
  users: string[];
}

/** Where the plan creates the ledger's database: --firestore-location, else --region. */
function ledgerLocation(ctx: PlanContext): string {
  return ctx.options.firestoreLocation ?? ctx.region;
}

/** The databases the preflight checks: an existing one must be in Native mode, where the plan wants it. */
export function plannedLedgerDatabases(ctx: PlanContext): PlannedDatabase[] {
  const location = ledgerLocation(ctx);
  return ledgerDatabases(ctx).map(({ project, database }) => ({ project, database, location }));
}

export function ledgerStep(ctx: PlanContext): PlanStep[] {
  const databases = ledgerDatabases(ctx);
  if (databases.length === 0) return [];
  const location = ledgerLocation(ctx);
  return [
    {
      title: "Create the incident ledger (Firestore)",
      why: `the services that use the ledger answer 503 until its database exists (Native mode, in ${location}); TTL policies delete each document after its ${TTL_FIELD}; each user gets roles/datastore.user`,
      commands: databases.flatMap((database) => [
        ...(database.project === ctx.project ? [] : [enableFirestoreIn(database.project)]),
        createDatabase(database, location),
        ...LEDGER_COLLECTION_GROUPS.map((group) => ttlPolicy(database, group)),
        ...database.users.map((service) => datastoreUser(database, service, ctx.project)),
      ]),
    },
  ];
}

export function schedulerStep(ctx: PlanContext): PlanStep[] {
  const { selected, region, projectFlag, pushAccount } = ctx;
  const scheduled = scheduledCallsOf(selected);
  if (scheduled.length === 0) return [];
  return [
    {
      title: "Schedule the scheduled calls (Cloud Scheduler)",
      why: "work due later (closing storm windows, lifting expired quarantine leases) runs on a schedule, signed with the push account's OIDC token, which may invoke the services",
      commands: scheduled.flatMap((call): PlanCommand[] => {
        const name = jobName(call);
        const location: Flag = ["location", region];
        const url = planVariable(urlVariable(call.service));
        const flags: Flag[] = [
          location,
          ["schedule", call.cron],
          ["uri", `${url}${call.path}`],
          ["http-method", "POST"],
          ["oidc-service-account-email", pushAccount],
          // Cloud Run checks the token's audience against the service URL (as for the pushes); a web
          // front's service checks it itself, against its public origin (./web-front.ts).
          ["oidc-token-audience", scheduledAudienceOf(call.service, ctx) ?? url],
          projectFlag,
        ];
        // Create when missing, then always update with the same flags: a job an earlier plan made
        // (another cron, a URL that changed) ends up as this plan says, and a re-run changes nothing.
        return [
          {
            unless: gcloud(["scheduler", "jobs", "describe"], [name], [location, projectFlag]),
            call: gcloud(["scheduler", "jobs", "create", "http"], [name], flags),
          },
          { call: gcloud(["scheduler", "jobs", "update", "http"], [name], flags) },
        ];
      }),
    },
  ];
}

/** `riposte-notifier-scheduled-close-windows` for the notifier's /scheduled/close-windows. */
function jobName(call: ScheduledCall): string {
  return `riposte-${call.service}-${call.path.replace(/^\/+/, "").replace(/[^a-z0-9]+/g, "-")}`;
}

/** One entry per database the selected ledger users open (LEDGER_PROJECT, LEDGER_DATABASE), in order. */
function ledgerDatabases({ selected, options, project }: PlanContext): LedgerDatabase[] {
  const databases: LedgerDatabase[] = [];
  for (const service of selected.filter(usesLedger)) {
    const given = options.env?.[service.name] ?? {};
    const database = given[DATABASE_VARIABLE] ?? schemaDefault(service, DATABASE_VARIABLE);
    if (database === undefined || !DATABASE_ID.test(database)) {
      throw new DeployPlanError(
        `${service.name}: ${DATABASE_VARIABLE} ${JSON.stringify(database)}: expected (default) or a Firestore database id (4–63 lowercase letters, digits and hyphens)`,
      );
    }
    const ledgerProject =
      (PROJECT_VARIABLE in service.env.shape ? given[PROJECT_VARIABLE] : undefined) ?? project;
    const same = databases.find((entry) => entry.project === ledgerProject && entry.database === database);
    if (same) same.users.push(service.name);
    else databases.push({ project: ledgerProject, database, users: [service.name] });
  }
  return databases;
}

function schemaDefault(service: ServiceDescriptor, key: string): string | undefined {
  const shape = service.env.shape as Record<string, { safeParse(value: unknown): { data?: unknown } }>;
  const value = shape[key]?.safeParse(undefined).data;
  return typeof value === "string" ? value : undefined;
}

function enableFirestoreIn(project: string): PlanCommand {
  return { call: gcloud(["services", "enable"], ["firestore.googleapis.com"], [["project", project]]) };
}

function createDatabase({ project, database }: LedgerDatabase, location: string): PlanCommand {
  const which: Flag[] = [
    ["database", database],
    ["project", project],
  ];
  return {
    unless: gcloud(["firestore", "databases", "describe"], [], which),
    call: gcloud(
      ["firestore", "databases", "create"],
      [],
      [...which, ["location", location], ["type", "firestore-native"]],
    ),
  };
}

/** Enabling it again is a no-op, so it needs no `unless`; it waits for the policy to be in place. */
function ttlPolicy({ project, database }: LedgerDatabase, group: string): PlanCommand {
  return {
    call: gcloud(
      ["firestore", "fields", "ttls", "update"],
      [TTL_FIELD],
      [["collection-group", group], ["database", database], ["enable-ttl"], ["project", project]],
    ),
  };
}

function datastoreUser({ project }: LedgerDatabase, service: string, ownProject: string): PlanCommand {
  const call: CliCall = gcloud(
    ["projects", "add-iam-policy-binding"],
    [project],
    [
      ["member", `serviceAccount:${serviceAccountEmail(service, ownProject)}`],
      ["role", "roles/datastore.user"],
      // An unconditional binding, without prompting when the policy has conditions.
      ["condition", "None"],
    ],
  );
  return { call };
}
