// The pages' configuration: the secret that signs form tokens and the flash cookie, and the origins a
// form may be posted from besides the request's own host. These variables join the console's
// environment (`...ConsolePagesEnv` in src/config.ts); the secret is a credential (the descriptor's
// secretEnv, from Secret Manager).
import { ConfigError } from "@riposte/service-kit";
import { z } from "zod";

/** Fewer random bytes than this is not a key. */
export const FORM_SECRET_MIN_BYTES = 32;

const ORIGIN = /^https?:\/\/[a-z0-9.-]{1,253}(:\d{1,5})?$/;

export const ConsolePagesEnv = {
  CONSOLE_FORM_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, { error: "expected base64" })
    .refine((text) => Buffer.from(text, "base64").length >= FORM_SECRET_MIN_BYTES, {
      error: `expected at least ${FORM_SECRET_MIN_BYTES} random bytes, base64 (e.g. openssl rand -base64 32)`,
    })
    .optional()
    .describe(
      "Signs the console's form tokens and flash messages (base64, ≥ 32 random bytes; Secret Manager). Every instance must share it: required on Cloud Run; unset locally, a random one per process",
    ),
  CONSOLE_ORIGINS: z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ""),
    )
    .pipe(
      z
        .array(z.string().regex(ORIGIN, { error: "expected origins such as https://console.acme.com" }))
        .max(10),
    )
    .optional()
    .describe(
      "Origins a console form may be posted from besides the request's Host, comma-separated (e.g. the load balancer's https://console.acme.com when a proxy rewrites Host)",
    ),
  K_SERVICE: z
    .string()
    .optional()
    .describe("Set by Cloud Run, never by hand: with it CONSOLE_FORM_SECRET is required"),
};

export type ConsolePagesConfig = z.output<z.ZodObject<typeof ConsolePagesEnv>>;

/** What is wrong with a combination the schema alone cannot see; the console does not start with any. */
export function consolePagesProblems(config: ConsolePagesConfig): string[] {
  if (config.K_SERVICE !== undefined && config.CONSOLE_FORM_SECRET === undefined)
    return [
      "CONSOLE_FORM_SECRET: required on Cloud Run — without it each instance signs forms with its own random key, and a form served by one instance is refused by another",
    ];
  return [];
}

/** The pages' secret and origins for consolePages(deps); throws the ConfigError that stops the console. */
export function consolePagesSettings(config: ConsolePagesConfig): {
  secret?: Uint8Array;
  origins?: string[];
} {
  const problems = consolePagesProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...(config.CONSOLE_FORM_SECRET ? { secret: Buffer.from(config.CONSOLE_FORM_SECRET, "base64") } : {}),
    ...(config.CONSOLE_ORIGINS ? { origins: config.CONSOLE_ORIGINS } : {}),
  };
}
