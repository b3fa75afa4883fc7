// Where the notifier sends: the destinations config (NOTIFY_DESTINATIONS as JSON, plus SLACK_WEBHOOK_URL
// as a shorthand), validated once at start-up with every problem listed. URLs and secrets may be read
// from other environment variables (`url_env`, `secret_env`), which is how Cloud Run injects Secret
// Manager secrets; config.ts passes that environment in. Each entry's `type` names a registered format
// (formats/index.ts), which also says whether the type takes a secret.
// A Slack webhook URL is itself a credential, so no message here ever repeats a URL path or a secret.
import { type Priority, parsePriority } from "@riposte/contracts";
import { ConfigError, type Env } from "@riposte/service-kit";
import { z } from "zod";
import { type DestinationFormat, FORMATS, type FormatRegistry } from "./formats/index.js";
import { slackFormat } from "./formats/slack.js";

export interface Destination {
  name: string;
  /** The config's `type`, and the format it names: how every message to this destination is written. */
  type: string;
  format: DestinationFormat;
  url: string;
  /** Only for types that take one (webhook: the HMAC-SHA256 key for X-Riposte-Signature). */
  secret?: string;
  /** Alerts less severe than this are not sent here. */
  minPriority: Priority;
  /** Used when a Notify command names no destinations. */
  isDefault: boolean;
  /** Spacing between two messages to this destination (rate limit), in ms. */
  minIntervalMs: number;
  /** Similar alerts within the storm window are collapsed into one message and a summary. */
  stormControl: boolean;
}

export interface DestinationSet {
  all: readonly Destination[];
  /** Flagged `"default": true`, or every destination when none is flagged. */
  defaults: readonly Destination[];
  byName(name: string): Destination | undefined;
}

export interface LoadDestinationsInput {
  /** The NOTIFY_DESTINATIONS value (JSON list), if set. */
  destinationsJson?: string | undefined;
  /** SLACK_WEBHOOK_URL: a default Slack destination named `slack`. */
  slackWebhookUrl?: string | undefined;
  /** Default spacing between messages per destination (DESTINATION_MIN_INTERVAL_MS). */
  minIntervalMs: number;
  /** Where `url_env`/`secret_env` are looked up (config.ts passes the process environment). */
  env: Env;
  /** The destination types accepted (default: the built-in ones). */
  formats?: FormatRegistry;
}

/** The name SLACK_WEBHOOK_URL's destination gets. */
export const SLACK_SHORTHAND_NAME = "slack";

const DESTINATION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One entry of NOTIFY_DESTINATIONS; `type` is one of the registered formats. */
const destinationEntry = (formats: FormatRegistry) =>
  z.strictObject({
    name: z.string().regex(DESTINATION_NAME, {
      error: "expected 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit",
    }),
    type: z.enum(formats.types),
    url: z.string().optional(),
    url_env: z.string().regex(ENV_VAR_NAME, { error: "expected an environment variable name" }).optional(),
    secret: z.string().optional(),
    secret_env: z.string().regex(ENV_VAR_NAME, { error: "expected an environment variable name" }).optional(),
    min_priority: z.string().optional(),
    default: z.boolean().optional(),
    min_interval_ms: z.int().min(0).max(60_000).optional(),
    storm_control: z.boolean().optional(),
  });
type DestinationEntry = z.infer<ReturnType<typeof destinationEntry>>;

/**
 * Reads and validates every destination; throws one ConfigError listing all problems (with the
 * field, e.g. `NOTIFY_DESTINATIONS[1].secret_env`, and what was expected).
 */
export function loadDestinations(input: LoadDestinationsInput): DestinationSet {
  const { env, formats = FORMATS } = input;
  const problems: string[] = [];
  const destinations: Destination[] = [];

  if (input.destinationsJson !== undefined && input.destinationsJson.trim() !== "") {
    for (const { entry, index } of parseEntries(input.destinationsJson, formats, problems)) {
      const where = `NOTIFY_DESTINATIONS[${index}]`;
      const format = formats.get(entry.type) as DestinationFormat; // the schema accepted only registered types
      const destination = resolveEntry(entry, format, where, env, input, problems);
      if (destination) destinations.push(destination);
    }
  }

  if (input.slackWebhookUrl !== undefined && input.slackWebhookUrl !== "") {
    const urlProblem = checkUrl(input.slackWebhookUrl);
    if (urlProblem) problems.push(`SLACK_WEBHOOK_URL: ${urlProblem}`);
    else if (destinations.some((d) => d.name === SLACK_SHORTHAND_NAME)) {
      problems.push(
        `SLACK_WEBHOOK_URL: NOTIFY_DESTINATIONS already has a destination named "${SLACK_SHORTHAND_NAME}"; ` +
          "use one or the other",
      );
    } else {
      destinations.push({
        name: SLACK_SHORTHAND_NAME,
        type: slackFormat.type,
        format: slackFormat,
        url: input.slackWebhookUrl,
        minPriority: "Debug",
        isDefault: true,
        minIntervalMs: input.minIntervalMs,
        stormControl: true,
      });
    }
  }

  const seen = new Set<string>();
  for (const destination of destinations) {
    if (seen.has(destination.name)) {
      problems.push(
        `NOTIFY_DESTINATIONS: the name "${destination.name}" is used twice; names must be unique`,
      );
    }
    seen.add(destination.name);
  }
  if (problems.length === 0 && destinations.length === 0) {
    problems.push(
      "no destinations: set SLACK_WEBHOOK_URL, or NOTIFY_DESTINATIONS to a JSON list such as " +
        '[{"name":"slack-sec","type":"slack","url_env":"SLACK_SEC_URL","min_priority":"Warning"}]',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const flagged = destinations.filter((d) => d.isDefault);
  const defaults = flagged.length > 0 ? flagged : destinations;
  const byName = new Map(destinations.map((d) => [d.name, d]));
  return { all: destinations, defaults, byName: (name) => byName.get(name) };
}

/** The entries that passed the schema, with their position in the list (for messages). */
function parseEntries(
  json: string,
  formats: FormatRegistry,
  problems: string[],
): { entry: DestinationEntry; index: number }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    // V8's message quotes the input, which may hold a secret: keep only the position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    problems.push(
      `NOTIFY_DESTINATIONS: not valid JSON${position === undefined ? "" : ` (near character ${position})`}; ` +
        "expected a list of destination objects",
    );
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push(`NOTIFY_DESTINATIONS: expected a JSON list of destination objects, got ${kindOf(parsed)}`);
    return [];
  }
  const schema = destinationEntry(formats);
  const entries: { entry: DestinationEntry; index: number }[] = [];
  parsed.forEach((item, index) => {
    const result = schema.safeParse(item);
    if (result.success) {
      entries.push({ entry: result.data, index });
      return;
    }
    for (const issue of result.error.issues) {
      const path = issue.path.map(String).join(".");
      problems.push(`NOTIFY_DESTINATIONS[${index}]${path ? `.${path}` : ""}: ${issue.message}`);
    }
  });
  return entries;
}

function resolveEntry(
  entry: DestinationEntry,
  format: DestinationFormat,
  where: string,
  env: Env,
  input: LoadDestinationsInput,
  problems: string[],
): Destination | undefined {
  const before = problems.length;
  const url = fromValueOrEnv(entry.url, entry.url_env, `${where}.url`, env, problems);
  if (url !== undefined) {
    const urlProblem = checkUrl(url);
    if (urlProblem) {
      const source = entry.url_env ? ` (from ${entry.url_env})` : "";
      problems.push(`${where}.url${source}: ${urlProblem}`);
    }
  }
  let minPriority: Priority = "Debug";
  if (entry.min_priority !== undefined) {
    const parsed = parsePriority(entry.min_priority);
    if (parsed) minPriority = parsed;
    else {
      problems.push(
        `${where}.min_priority: unknown priority ${JSON.stringify(entry.min_priority)}; expected one of ` +
          "Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug",
      );
    }
  }
  const secret = resolveSecret(entry, format, where, env, problems);
  if (problems.length > before || url === undefined) return undefined;
  return {
    name: entry.name,
    type: format.type,
    format,
    url,
    ...(secret === undefined ? {} : { secret }),
    minPriority,
    isDefault: entry.default ?? false,
    minIntervalMs: entry.min_interval_ms ?? input.minIntervalMs,
    stormControl: entry.storm_control ?? true,
  };
}

/** The entry's secret as its format wants it: refused, or required and checked. */
function resolveSecret(
  entry: DestinationEntry,
  format: DestinationFormat,
  where: string,
  env: Env,
  problems: string[],
): string | undefined {
  const rule = format.secret;
  if (!rule.required) {
    if (entry.secret !== undefined || entry.secret_env !== undefined)
      problems.push(`${where}: ${rule.refusal}`);
    return undefined;
  }
  const secret = fromValueOrEnv(entry.secret, entry.secret_env, `${where}.secret`, env, problems);
  const problem = secret === undefined ? undefined : rule.problem(secret);
  if (problem) {
    const source = entry.secret_env ? ` (from ${entry.secret_env})` : "";
    problems.push(`${where}.secret${source}: ${problem}`);
  }
  return secret;
}

/** Exactly one of `value` and `fromEnv` (the name of a variable holding the value). */
function fromValueOrEnv(
  value: string | undefined,
  fromEnv: string | undefined,
  field: string,
  env: Env,
  problems: string[],
): string | undefined {
  if (value !== undefined && fromEnv !== undefined) {
    problems.push(`${field}: give either ${lastKey(field)} or ${lastKey(field)}_env, not both`);
    return undefined;
  }
  if (fromEnv !== undefined) {
    const fromVariable = env[fromEnv];
    if (fromVariable === undefined || fromVariable === "") {
      problems.push(`${field}_env: environment variable ${fromEnv} is not set`);
      return undefined;
    }
    return fromVariable;
  }
  if (value === undefined || value === "") {
    problems.push(`${field}: required (or ${lastKey(field)}_env naming the variable that holds it)`);
    return undefined;
  }
  return value;
}

function lastKey(field: string): string {
  return field.slice(field.lastIndexOf(".") + 1);
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Undefined when acceptable; otherwise what is wrong, without repeating the URL's path or query. */
export function checkUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid absolute URL";
  }
  if (url.username !== "" || url.password !== "") return "credentials in the URL are not allowed";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url.protocol === "http:") {
    return `expected an https:// URL (plain http only for 127.0.0.1/localhost), got http://${url.host}`;
  }
  return `expected an https:// URL, got a ${url.protocol} URL`;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
