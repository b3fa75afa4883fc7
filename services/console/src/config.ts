// The console's environment (service-kit adds PORT, GOOGLE_CLOUD_PROJECT, LOG_LEVEL, …). It changes
// nothing by itself — every command it publishes is one a person approved or a deadline released —
// so it has no DRY_RUN: a held command carries its own dryRun from the router.
import { LedgerEnv } from "@riposte/ledger";
import { z } from "zod";
import { GOOGLE_CLOUD_IDENTITY_URL } from "./approvals/directory.js";
import { ConsoleAuthEnv } from "./iap/config.js";
import { ConsolePagesEnv } from "./pages/config.js";
import { SlackEnv } from "./slack/config.js";

export const consoleEnv = z.object({
  CLOUD_IDENTITY_URL: z
    .url({ protocol: /^https?$/ })
    .default(GOOGLE_CLOUD_IDENTITY_URL)
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
  // Who is asking (IAP), Slack's clicks, the pages' form key: each part declares its own.
  ...ConsoleAuthEnv,
  ...SlackEnv,
  ...ConsolePagesEnv,
});

export type ConsoleConfig = z.output<typeof consoleEnv>;
