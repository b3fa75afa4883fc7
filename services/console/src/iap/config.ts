// How the console knows who is asking: behind Identity-Aware Proxy (the default) every request but
// Slack's and Cloud Scheduler's carries IAP's signed assertion; `none-local` trusts everyone and exists
// for `npm start` on a laptop, so it is refused on Cloud Run (K_SERVICE set) rather than risked there.
// These variables join the console's environment (`...ConsoleAuthEnv` in src/config.ts).
import { ConfigError } from "@riposte/service-kit";
import { z } from "zod";
import { GOOGLE_IAP_JWKS_URL } from "./jwks.js";

export const CONSOLE_AUTHENTICATION_MODES = ["iap", "none-local"] as const;
export type ConsoleAuthenticationMode = (typeof CONSOLE_AUTHENTICATION_MODES)[number];

/**
 * IAP's audiences all start /projects/PROJECT_NUMBER/: `…/global/backendServices/SERVICE_ID` (a load
 * balancer's backend service) or `…/apps/PROJECT_ID`. The rest is checked by exact match.
 */
const AUDIENCE = /^\/projects\/\d{1,20}\/[A-Za-z0-9._:/-]{1,280}$/;

export const ConsoleAuthEnv = {
  CONSOLE_AUTHENTICATION: z
    .enum(CONSOLE_AUTHENTICATION_MODES)
    .default("iap")
    .describe(
      "iap: every page needs Identity-Aware Proxy's signed assertion and acts as its user:EMAIL; none-local: no authentication, acts as local:<OS user> under a visible banner (refused on Cloud Run)",
    ),
  IAP_AUDIENCE: z
    .string()
    .regex(AUDIENCE, {
      error:
        "expected IAP's signed-header audience: /projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID or /projects/PROJECT_NUMBER/apps/PROJECT_ID",
    })
    .optional()
    .describe(
      "The aud of IAP's assertions for this console (required with CONSOLE_AUTHENTICATION=iap): /projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID",
    ),
  IAP_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    .default(GOOGLE_IAP_JWKS_URL)
    .describe("IAP's public keys (JWKS); only tests point it at a stand-in"),
  K_SERVICE: z
    .string()
    .optional()
    .describe("Set by Cloud Run, never by hand: with it CONSOLE_AUTHENTICATION=none-local is refused"),
};

export type ConsoleAuthConfig = z.output<z.ZodObject<typeof ConsoleAuthEnv>>;

/** What is wrong with a combination the schema alone cannot see; the console does not start with any. */
export function consoleAuthProblems(config: ConsoleAuthConfig): string[] {
  const problems: string[] = [];
  if (config.CONSOLE_AUTHENTICATION === "none-local" && config.K_SERVICE !== undefined) {
    problems.push(
      `CONSOLE_AUTHENTICATION: none-local is refused on Cloud Run (K_SERVICE=${JSON.stringify(config.K_SERVICE.slice(0, 63))}): it would let anyone who reaches the service approve kills; use iap`,
    );
  }
  if (config.CONSOLE_AUTHENTICATION === "iap" && config.IAP_AUDIENCE === undefined) {
    problems.push(
      "IAP_AUDIENCE: required with CONSOLE_AUTHENTICATION=iap (the console cannot check whom IAP's assertions are for without it; `riposte dev` uses none-local)",
    );
  }
  if (config.K_SERVICE !== undefined && !config.IAP_JWKS_URL.startsWith("https://")) {
    problems.push("IAP_JWKS_URL: must be https on Cloud Run (the keys decide who may approve)");
  }
  return problems;
}

/** Throws the ConfigError that stops the console at start-up, naming every problem. */
export function assertConsoleAuthConfig(config: ConsoleAuthConfig): void {
  const problems = consoleAuthProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
}
