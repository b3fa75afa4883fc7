// A team's playbooks on Cloud Run: the file is a Secret Manager secret (its versions are the history)
// mounted into the router as a file, and every deploy pins the version it stored, so which policy a
// revision runs is visible on the revision itself (`--set-secrets`, PLAYBOOKS_VERSION) and in its
// start-up log. Used by `riposte playbook deploy` and by the deploy plan's `--playbooks`.
import { loadPlaybookFile, PlaybookError } from "@riposte/router";
import { serviceAccountEmail } from "../rbac.js";
import { type CliCall, type Flag, gcloud, type PlanCommand, type PlanStep } from "./commands.js";

export const PLAYBOOKS_SECRET = "riposte-playbooks";
/** Where Cloud Run mounts the secret in the router's container; PLAYBOOKS_FILE points at it. */
export const PLAYBOOKS_MOUNT_PATH = "/etc/riposte/playbooks.yaml";
/** The plan variable holding the secret version just stored. */
export const PLAYBOOKS_VERSION_VARIABLE = "PLAYBOOKS_VERSION";
/** The service that reads the playbooks. */
export const ROUTER = "router";

export class PlaybookFileError extends Error {
  override readonly name = "PlaybookFileError";
}

/**
 * Validates FILE with the router's own loader (what the router would refuse at start is refused
 * here, before anything changes); returns how many playbooks it holds.
 */
export function validatePlaybookFile(file: string): number {
  try {
    return loadPlaybookFile(file).length;
  } catch (error) {
    if (!(error instanceof PlaybookError)) throw error;
    throw new PlaybookFileError(
      error.problems
        .map((p) => `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}`)
        .join("\n"),
    );
  }
}

/**
 * Creates the secret when missing, lets the router's account (only) read it, and stores FILE as a new
 * version, captured as PLAYBOOKS_VERSION.
 */
export function storePlaybooksCommands(file: string, project: string): PlanCommand[] {
  const projectFlag: Flag = ["project", project];
  return [
    {
      unless: gcloud(["secrets", "describe"], [PLAYBOOKS_SECRET], [projectFlag, ["format", "value(name)"]]),
      call: gcloud(
        ["secrets", "create"],
        [PLAYBOOKS_SECRET],
        [["replication-policy", "automatic"], projectFlag],
      ),
    },
    {
      call: gcloud(
        ["secrets", "add-iam-policy-binding"],
        [PLAYBOOKS_SECRET],
        [
          ["member", `serviceAccount:${serviceAccountEmail(ROUTER, project)}`],
          ["role", "roles/secretmanager.secretAccessor"],
          projectFlag,
        ],
      ),
    },
    {
      call: gcloud(
        ["secrets", "versions", "add"],
        [PLAYBOOKS_SECRET],
        [["data-file", file], projectFlag, ["format", "value(name.basename())"]],
      ),
      capture: PLAYBOOKS_VERSION_VARIABLE,
    },
  ];
}

/**
 * The deploy plan's step (`riposte deploy plan --playbooks FILE`): runs after the router's account
 * exists (it is granted access) and before the router is deployed with the version it captures.
 */
export function storePlaybooksStep(file: string, project: string): PlanStep {
  return {
    title: "Store the playbooks",
    why: `the playbook file becomes a new version of the secret ${PLAYBOOKS_SECRET} (its versions are the history), readable by the router's account only; the router is deployed pinned to that version`,
    commands: storePlaybooksCommands(file, project),
  };
}

/** The router's secret mount and environment for a pinned version. */
export function routerPlaybooksSettings(version: string): { secret: string; env: Record<string, string> } {
  return {
    secret: `${PLAYBOOKS_MOUNT_PATH}=${PLAYBOOKS_SECRET}:${version}`,
    env: { PLAYBOOKS_FILE: PLAYBOOKS_MOUNT_PATH, PLAYBOOKS_VERSION: version },
  };
}

/** Rolls the running router to `version`: a new revision, other settings kept. */
export function rollRouterCall(project: string, region: string | undefined, version: string): CliCall {
  const { secret, env } = routerPlaybooksSettings(version);
  return gcloud(
    ["run", "services", "update"],
    [ROUTER],
    [
      ...(region ? [["region", region] as const] : []),
      ["project", project],
      ["update-secrets", secret],
      [
        "update-env-vars",
        Object.entries(env)
          .map(([key, value]) => `${key}=${value}`)
          .join(","),
      ],
    ],
  );
}

/** `gcloud … --format=value(name.basename())` prints the version number; tolerate a full resource name. */
export function secretVersionOf(output: string): string | undefined {
  return /(?:^|\/)(\d+)$/.exec(output.trim())?.[1];
}
