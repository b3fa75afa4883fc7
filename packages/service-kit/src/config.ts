// Every service's configuration is a zod object over environment variables, validated here. Only config
// modules (a service's config.ts) call loadConfig; nothing else reads process.env.
import { z } from "zod";
import { ConfigError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

const SENSITIVE = new WeakSet<z.ZodType>();

/**
 * Marks a variable whose value may hold a credential (a bearer token in CLUSTERS, a Slack webhook URL):
 * loadConfig names what is wrong with it but never repeats the value. Apply it last — `.describe()`
 * and `.optional()` return a new schema that is not marked.
 */
export function sensitive<T extends z.ZodType>(schema: T): T {
  SENSITIVE.add(schema);
  return schema;
}

/**
 * Validates `env` (default: process.env) against `schema` and returns the typed config.
 * Throws one ConfigError naming every missing or invalid variable, with the value received (unless
 * the variable is marked `sensitive`).
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.output<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable is as good as unset: `FOO=` in a deploy file should fall back to the default.
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join(".") || "(config)";
    const received = input[name];
    if (received === undefined && issue.code === "invalid_type") return `${name}: required but not set`;
    const variable = schema.shape[issue.path[0] as string] as z.ZodType | undefined;
    const echo = received !== undefined && !(variable && SENSITIVE.has(variable));
    return `${name}: ${issue.message}${echo ? ` (got ${JSON.stringify(truncate(received))})` : ""}`;
  });
  throw new ConfigError(problems);
}

function truncate(value: string): string {
  return value.length > 120 ? `${value.slice(0, 117)}...` : value;
}

/** Env helpers: booleans and lists the way operators write them in `--set-env-vars`. */
export const envBoolean = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

export const envList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

export const envPort = z.coerce.number().int().min(0).max(65535);
