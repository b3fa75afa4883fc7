// A team's playbooks on Cloud Run: the file is a Secret Manager secret (its versions are the history)
// mounted into the router as a file, and every deploy pins the version it stored, so which policy a
// revision runs is visible on the revision itself (`--set-secrets`, PLAYBOOKS_VERSION) and in its
// start-up log. Used by `riposte playbook deploy` and by the deploy plan's `--playbooks`.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { PlaybookError, parsePlaybooks } from "@riposte/router";
import { serviceAccountEmail } from "../rbac.js";
import {
  type CliCall,
  type FileDigest,
  type Flag,
  gcloud,
  type PlanCommand,
  type PlanStep,
} from "./commands.js";

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

/** A playbook file's bytes as read once, valid for the router's own parser: what may be stored. */
export interface ValidPlaybooks {
  count: number;
  bytes: Buffer;
  sha256: string;
}

/**
 * Reads FILE once and validates those bytes with the router's own parser. Whoever stores the file
 * stores these bytes (or checks their sha256 first): the path can be edited after the check.
 */
export function readValidPlaybooks(file: string): ValidPlaybooks {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new PlaybookFileError(`${file}:0:0: cannot read: ${(error as Error).message}`);
  }
  try {
    return { count: parsePlaybooks(bytes.toString("utf8"), file).length, bytes, sha256: sha256Of(bytes) };
  } catch (error) {
    throw playbookFileError(error);
  }
}

/** The deploy plan's view: the validated file's path and sha256, checked again before it is stored. */
export function checkPlaybookFile(file: string): FileDigest {
  return { path: file, sha256: readValidPlaybooks(file).sha256 };
}

export function sha256Of(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function playbookFileError(error: unknown): unknown {
  if (!(error instanceof PlaybookError)) return error;
  return new PlaybookFileError(
    error.problems
      .map((p) => `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}`)
      .join("\n"),
  );
}

/**
 * Creates the secret when missing, lets the router's account (only) read it, and stores FILE as a new
 * version, captured as PLAYBOOKS_VERSION — with `sha256`, only while FILE still has it.
 */
export function storePlaybooksCommands(file: string, project: string, sha256?: string): PlanCommand[] {
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
      ...(sha256 ? { fileUnchanged: { path: file, sha256 } } : {}),
    },
  ];
}

/**
 * The deploy plan's step (`riposte deploy plan --playbooks FILE`): runs after the router's account
 * exists (it is granted access) and before the router is deployed with the version it captures.
 */
export function storePlaybooksStep(file: FileDigest, project: string): PlanStep {
  return {
    title: "Store the playbooks",
    why: `the playbook file becomes a new version of the secret ${PLAYBOOKS_SECRET} (its versions are the history), readable by the router's account only; the router is deployed pinned to that version`,
    commands: storePlaybooksCommands(file.path, project, file.sha256),
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
