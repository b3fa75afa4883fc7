// The incidents page's filters, as GET query parameters (a filtered view is a link one can share):
// a time window, a cluster, a rule and a result. Each is validated before it reaches the ledger or the
// page; anything else — an unknown parameter, one given twice, a control character — is a 400 that
// says which parameter and why, never a guess.
import { isClusterName, OUTCOME_RESULTS } from "@riposte/contracts";
import { DEFAULT_LIST_LIMIT } from "@riposte/ledger";
import { z } from "zod";

/** The windows the form offers; `since` also takes any such duration, or an ISO time. */
export const WINDOWS = ["15m", "1h", "6h", "24h", "7d", "30d", "90d"] as const;
export const DEFAULT_WINDOW = "24h";
/** Incidents are kept 90 days by default: a longer window finds nothing more. */
const MAX_WINDOW_MS = 366 * 86_400_000;
/** Results an action can be in: its outcome's, or where it stands without one (ledger's actionState). */
export const RESULTS = [...OUTCOME_RESULTS, "awaiting-approval", "running", "pending"] as const;
export const RULE_MAX_CHARS = 200;
export const LIMIT_MAX = 500;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,4})([mhd])$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Controls, line/paragraph separators and bidi controls have no place in a rule name filter. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

const quoted = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

function since(now: Date) {
  return z.string().transform((text, ctx) => {
    if (text === "") return undefined;
    const duration = DURATION.exec(text);
    const ms = duration ? Number(duration[1]) * (UNIT_MS[duration[2] as string] ?? 0) : undefined;
    if (ms !== undefined && ms > 0 && ms <= MAX_WINDOW_MS) return new Date(now.getTime() - ms);
    if (ms === undefined && ISO_TIME.test(text)) {
      const at = new Date(text);
      if (!Number.isNaN(at.getTime())) return at;
    }
    ctx.addIssue({
      code: "custom",
      message: `expected a window such as ${WINDOWS.join(", ")} (up to 366d) or an ISO time with its zone, e.g. 2026-12-05T10:00Z; got ${quoted(text)}`,
    });
    return z.NEVER;
  });
}

const blankIsAbsent = (text: string) => (text === "" ? undefined : text);

function schema(now: Date) {
  return z.strictObject({
    since: since(now).optional(),
    cluster: z
      .string()
      .transform(blankIsAbsent)
      .refine((name) => name === undefined || isClusterName(name), {
        error: (issue) => `expected a cluster name (a DNS-1123 label); got ${quoted(String(issue.input))}`,
      })
      .optional(),
    rule: z
      .string()
      .max(RULE_MAX_CHARS, `at most ${RULE_MAX_CHARS} characters`)
      .refine((text) => !UNPRINTABLE.test(text), {
        error: "control or formatting characters are not allowed",
      })
      .transform((text) => blankIsAbsent(text.trim()))
      .optional(),
    result: z
      .string()
      .transform(blankIsAbsent)
      .refine((value) => value === undefined || (RESULTS as readonly string[]).includes(value), {
        error: (issue) => `expected one of ${RESULTS.join(", ")}; got ${quoted(String(issue.input))}`,
      })
      .optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `expected a whole number from 1 to ${LIMIT_MAX}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= LIMIT_MAX, `expected a whole number from 1 to ${LIMIT_MAX}`)
      .optional(),
  });
}

export interface IncidentFilters {
  since: Date;
  /** As typed (a window or an ISO time), to fill the form again. */
  sinceText: string;
  cluster: string | undefined;
  /** Case-insensitive part of the rule's name. */
  rule: string | undefined;
  result: (typeof RESULTS)[number] | undefined;
  limit: number;
}

export type FilterParse = { ok: true; filters: IncidentFilters } | { ok: false; problems: string[] };

/**
 * The filters of a query string (`URLSearchParams` keeps repeats, which an object would hide). Each
 * problem names its parameter; unknown and repeated parameters are problems too.
 */
export function parseIncidentFilters(query: URLSearchParams, now: Date): FilterParse {
  // A Map, then own properties: a parameter named __proto__ is a parameter (and refused), not a prototype.
  const given = new Map<string, string>();
  const problems: string[] = [];
  for (const [name, value] of query) {
    if (given.has(name)) problems.push(`${quoted(name)}: given more than once`);
    else given.set(name, value);
  }
  const values = Object.fromEntries(given);
  const parsed = schema(now).safeParse(values);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const name =
        issue.code === "unrecognized_keys" ? issue.keys.map(quoted).join(", ") : issue.path.join(".");
      const message =
        issue.code === "unrecognized_keys"
          ? "not a filter (since, cluster, rule, result, limit)"
          : issue.message;
      problems.push(`${name}: ${message}`);
    }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const { cluster, rule, result, limit } = parsed.data;
  const sinceText = values.since === undefined || values.since === "" ? DEFAULT_WINDOW : values.since;
  return {
    ok: true,
    filters: {
      since: parsed.data.since ?? new Date(now.getTime() - 86_400_000),
      sinceText,
      cluster,
      rule,
      result: result as IncidentFilters["result"],
      limit: limit ?? DEFAULT_LIST_LIMIT,
    },
  };
}
