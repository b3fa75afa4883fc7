// The router's own environment (service-kit adds PORT, GOOGLE_CLOUD_PROJECT, LOG_LEVEL, …).
import { isAbsolute, resolve } from "node:path";
import { LedgerEnv } from "@riposte/ledger";
import { envBoolean } from "@riposte/service-kit";
import { z } from "zod";

/** A loopback or private emulator address: host:port, nothing else (no scheme, no path). */
const HOST_PORT = /^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/;
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export const routerEnv = z.object({
  PLAYBOOKS_FILE: z
    .string()
    .optional()
    .describe(
      "YAML playbook file; the shipped default playbooks when unset. A relative path is relative to where npm start ran (INIT_CWD).",
    ),
  PLAYBOOKS_VERSION: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Secret Manager version of the mounted playbook file (set by `riposte playbook deploy` and `riposte deploy plan --playbooks`); logged at start.",
    ),
  DEDUP_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60)
    .describe(
      "The same incident within this many seconds of its routing is routed once, across every instance and restart (the incident ledger holds the claims).",
    ),
  CLUSTER_FIELD: z
    .string()
    .min(1)
    .default("cluster")
    .describe("Output field naming the cluster (falcosidekick customfields)."),
  DRY_RUN: envBoolean
    .default(false)
    .describe("Every command is sent as dry-run: actioners report what they would do and change nothing."),
  LEDGER_PROJECT: z
    .string()
    .regex(PROJECT_ID, { error: "expected a Google Cloud project id" })
    .optional()
    .describe(
      "Google Cloud project of the incident ledger's Firestore database (default: the service's own project)",
    ),
  LEDGER_DATABASE: LedgerEnv.LEDGER_DATABASE.describe(
    "Firestore database holding the incident ledger, where the router claims each incident before routing it",
  ),
  LEDGER_TIMEOUT_MS: LedgerEnv.LEDGER_TIMEOUT_MS.describe(
    "Longest wait for the ledger (Firestore); past it the alert answers 503 and Pub/Sub redelivers — no alert is routed without its claim",
  ),
  LEDGER_TTL_DAYS: LedgerEnv.LEDGER_TTL_DAYS.describe(
    "Days the ledger keeps an incident's record after its last write (Firestore TTL policy)",
  ),
  FIRESTORE_EMULATOR_HOST: z
    .string()
    .regex(HOST_PORT, { error: "expected host:port" })
    .optional()
    .describe(
      "local runs and tests only: host:port of a Firestore emulator holding the ledger (no credentials sent); unset on Cloud Run",
    ),
  INIT_CWD: z
    .string()
    .optional()
    .describe("Set by npm (npm start, npx): the directory the user started from."),
});

export type RouterConfig = z.output<typeof routerEnv>;

/**
 * The playbook file to load, or undefined for the shipped playbooks. The service process runs in
 * services/router, but a user who typed `PLAYBOOKS_FILE=my.yaml npm start` means the file next to them.
 */
export function playbooksFilePath(
  config: RouterConfig,
  processCwd: string = process.cwd(),
): string | undefined {
  if (!config.PLAYBOOKS_FILE) return undefined;
  if (isAbsolute(config.PLAYBOOKS_FILE)) return config.PLAYBOOKS_FILE;
  return resolve(config.INIT_CWD ?? processCwd, config.PLAYBOOKS_FILE);
}
