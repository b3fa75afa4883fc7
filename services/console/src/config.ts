// The console's environment (service-kit adds PORT, GOOGLE_CLOUD_PROJECT, LOG_LEVEL, …). It changes
// nothing by itself — every command it publishes is one a person approved or a deadline released —
// so it has no DRY_RUN: a held command carries its own dryRun from the router.
import { LedgerEnv } from "@riposte/ledger";
import { z } from "zod";

/** Google's Cloud Identity API, where group membership is checked. */
export const CLOUD_IDENTITY_URL = "https://cloudidentity.googleapis.com";

export const consoleEnv = z.object({
  CLOUD_IDENTITY_URL: z
    .url({ protocol: /^https?$/ })
    .default(CLOUD_IDENTITY_URL)
    .describe(
      "Cloud Identity API base URL for group approvers (group:EMAIL); only `riposte dev` and tests point it at a stand-in",
    ),
  APPROVER_CHECK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(20_000)
    .default(5_000)
    .describe("Longest wait for a group-membership answer; past it the decision is refused, never approved"),
  // The ledger's variables, as the ledger declares them: approvals and their deadlines live there.
  ...LedgerEnv,
});

export type ConsoleConfig = z.output<typeof consoleEnv>;
