// The CLI's environment: every variable it reads is in this schema, and this module is the CLI's only
// reader of process.env; commands get the values passed in.
import { LedgerEnv } from "@riposte/ledger";
import { envPort, loadConfig, sensitive } from "@riposte/service-kit";
import { z } from "zod";

export const cliEnvSchema = z.object({
  PUBSUB_EMULATOR_HOST: z
    .string()
    .optional()
    .describe("host:port of a running Pub/Sub emulator: `riposte dev` uses it instead of starting one."),
  GOOGLE_CLOUD_PROJECT: z
    .string()
    .min(1)
    .optional()
    .describe("The project commands act on when --project is not given (locally: the emulator's project)."),
  // `riposte incidents`: the ledger, described once in the ledger's package.
  FIRESTORE_EMULATOR_HOST: LedgerEnv.FIRESTORE_EMULATOR_HOST,
  LEDGER_PROJECT: LedgerEnv.LEDGER_PROJECT,
  LEDGER_DATABASE: LedgerEnv.LEDGER_DATABASE,
  STORAGE_EMULATOR_HOST: z
    .string()
    .min(1)
    .optional()
    .describe(
      "`riposte evidence`: a Cloud Storage emulator's URL (http://host:port) to read bundles from instead of Cloud Storage.",
    ),
  RIPOSTE_PORT_BASE: envPort
    .default(8080)
    .describe("`riposte dev`: the first local service port; each service adds its own offset."),
  RIPOSTE_SIM_PORT: envPort.default(6443).describe("`riposte dev`: the simulated Kubernetes API's port."),
  RIPOSTE_SCC_PORT: envPort
    .default(50551)
    .describe("`riposte dev`: the stand-in Security Command Center's port."),
  // Sensitive: a Slack webhook URL is its own credential.
  SLACK_WEBHOOK_URL: sensitive(
    z
      .string()
      .url()
      .optional()
      .describe(
        "`riposte dev`: the notifier posts to this real Slack webhook instead of the local stand-in.",
      ),
  ),
  PATH: z
    .string()
    .optional()
    .describe(
      "Where programs the CLI runs (gcloud) are found; passed on alone where their environment is kept clean.",
    ),
  INIT_CWD: z
    .string()
    .optional()
    .describe("Set by npm (npm start, npx): the directory the user started from."),
});

export type CliEnv = z.output<typeof cliEnvSchema>;

export function readCliEnv(): CliEnv {
  return loadConfig(cliEnvSchema);
}

/** PATH alone, for callers that need nothing else (one bad unrelated variable must not stop them). */
export function cliSearchPath(): string {
  return loadConfig(cliEnvSchema.pick({ PATH: true })).PATH ?? "";
}

/** Everything in our environment, for a child process that inherits it (`riposte dev`'s services). */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
