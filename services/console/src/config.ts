// console's own environment (service-kit adds PORT, GOOGLE_CLOUD_PROJECT, LOG_LEVEL, …). Every
// variable needs a default or `.optional()` unless the service cannot start without it: `riposte
// deploy plan` lists required ones as TODO, and `npm start` must work with the defaults.
import { envBoolean } from "@riposte/service-kit";
import { z } from "zod";

export const consoleEnv = z.object({
  // Every variable says what it means with .describe(): the README's env tables are generated from it.
  DRY_RUN: envBoolean.default(false).describe("Report what would be done and change nothing."),
});

export type ConsoleConfig = z.output<typeof consoleEnv>;
