// The CLI's environment, read once here (the only place the CLI touches process.env).
import { envPort, loadConfig } from "@riposte/service-kit";
import { z } from "zod";

export const cliEnvSchema = z.object({
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  RIPOSTE_PORT_BASE: envPort.default(8080),
  RIPOSTE_SIM_PORT: envPort.default(6443),
  RIPOSTE_SCC_PORT: envPort.default(50551),
  SLACK_WEBHOOK_URL: z.string().url().optional(),
});

export type CliEnv = z.output<typeof cliEnvSchema>;

export function readCliEnv(): CliEnv {
  return loadConfig(cliEnvSchema);
}
