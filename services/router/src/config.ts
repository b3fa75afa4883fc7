// The router's own environment (service-kit adds PORT, GOOGLE_CLOUD_PROJECT, LOG_LEVEL, …).
import { isAbsolute, resolve } from "node:path";
import { LedgerEnv } from "@riposte/ledger";
import { envBoolean } from "@riposte/service-kit";
import { z } from "zod";

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
  // The incident ledger, where the router claims each incident before routing it (fail closed: 503).
  ...LedgerEnv,
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
