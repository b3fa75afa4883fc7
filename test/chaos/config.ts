// The chaos run's environment: the only reader (and writer) of process.env in test/chaos.
import { loadConfig } from "@riposte/service-kit";
import { z } from "zod";

export const chaosEnvSchema = z.object({
  PUBSUB_EMULATOR_HOST: z
    .string()
    .optional()
    .describe("host:port of a running Pub/Sub emulator to use; unset: the run starts its own."),
  CHAOS_EMULATOR_LOG: z
    .string()
    .optional()
    .describe("A file the emulator the run starts writes its output to (for reading after a failed run)."),
});

export type ChaosEnv = z.output<typeof chaosEnvSchema>;

export function readChaosEnv(): ChaosEnv & { environment: NodeJS.ProcessEnv } {
  // The whole environment too: the Firestore emulator is found (or named) by its own variables.
  return { ...loadConfig(chaosEnvSchema), environment: process.env };
}

/** Off Google Cloud: the Google clients in this process (and its children) must not probe the metadata server. */
export function skipMetadataServer(): void {
  process.env.METADATA_SERVER_DETECTION = "none";
}
