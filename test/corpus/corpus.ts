// The bad-input corpus: what a case is (which endpoints it is sent to, the bytes, the handling the ack
// policy demands), reading the committed case files, and turning a case into the exact HTTP body a
// push endpoint receives. The cases themselves are written by generate.ts into cases/*.jsonl.
import { readdirSync, readFileSync } from "node:fs";
import { ACTION_KINDS, OUTCOME_RESULTS } from "@riposte/contracts";
import { z } from "zod";

/** Every push endpoint of every service, as `<service>` (input path `/`) or `<service>/<path>`. */
export const ENDPOINTS = [
  "router",
  "pod-killer",
  "isolator",
  "tainter",
  "notifier",
  "notifier/outcomes",
  "scc-exporter",
  "scc-exporter/outcomes",
] as const;
export type EndpointId = (typeof ENDPOINTS)[number];

/** The service behind an endpoint and the path it listens on. */
export function endpointRoute(endpoint: EndpointId): { service: string; path: string } {
  const slash = endpoint.indexOf("/");
  return slash < 0
    ? { service: endpoint, path: "/" }
    : { service: endpoint.slice(0, slash), path: endpoint.slice(slash) };
}

/**
 * The push body limit the corpus test gives every service (PUSH_MAX_BODY_BYTES): small, so that the
 * "beyond the limit" cases stay fast; one case is also far beyond the 10 MB default.
 */
export const CORPUS_MAX_BODY_BYTES = 256 * 1024;

/** Strings no case may contain: the test looks for them in the services' logs to find crashes. */
export const CRASH_MARKERS = /unhandled|uncaught/i;

const BodyPart = z.union([
  z.strictObject({ text: z.string(), repeat: z.int().min(1).optional() }),
  z.strictObject({ base64: z.base64(), repeat: z.int().min(1).optional() }),
]);

/** Bytes, written the most readable way: JSON to serialise, text (UTF-8), base64, or repeated parts. */
const Body = z.union([
  z.strictObject({ json: z.unknown() }),
  z.strictObject({ text: z.string() }),
  z.strictObject({ base64: z.base64() }),
  z.strictObject({ parts: z.array(BodyPart).min(1) }),
]);
export type Body = z.infer<typeof Body>;

const ActionName = z.enum(Object.keys(ACTION_KINDS) as [keyof typeof ACTION_KINDS]);

/** Every bad input is answered 204 (acked, never retried) with a record of what was done and why. */
const Expectation = z.discriminatedUnion("handling", [
  // Refused as malformed or invalid: a QuarantineRecord on the quarantine topic with this reason.
  z.strictObject({
    status: z.literal(204),
    handling: z.literal("quarantined"),
    /** The reason's `path`, exactly (e.g. `$.target.namespace`). */
    reasonPath: z.string().optional(),
    /** A regular expression matched against `<path>: <message>`. */
    reasonMatches: z.string(),
  }),
  // A command taken as valid: an ActionOutcome from the service with this result (and reason).
  z.strictObject({
    status: z.literal(204),
    handling: z.literal("outcome"),
    result: z.enum(OUTCOME_RESULTS),
    reasonMatches: z.string().optional(),
  }),
  // A Falco alert taken as valid: the router publishes exactly these commands; names it refused are
  // left out of the target and listed in `target.rejected` by their field.
  z.strictObject({
    status: z.literal(204),
    handling: z.literal("routed"),
    actions: z.array(ActionName),
    rejectedFields: z.array(z.string()).default([]),
  }),
  // An action outcome taken as valid (follow-up endpoints publish nothing of their own).
  z.strictObject({ status: z.literal(204), handling: z.literal("accepted") }),
]);
export type Expectation = z.infer<typeof Expectation>;
export type ExpectationInput = z.input<typeof Expectation>;

export const CorpusCase = z
  .strictObject({
    /** `<file>/<slug>`, unique and stable: failures and the lead's notes refer to it. */
    id: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/),
    /** The issue's list: malformed-json, wrong-types, giant-bodies, deep-nesting, non-utf8, … */
    category: z.string().min(1),
    description: z.string().min(1),
    /** Where it is sent: "any" = every endpoint of every service. */
    endpoints: z.union([z.literal("any"), z.array(z.enum(ENDPOINTS)).min(1)]),
    /** The whole HTTP body (envelope-level cases). */
    envelope: Body.optional(),
    /** The message data, wrapped by the test in a well-formed push envelope. */
    payload: Body.optional(),
    /** Attributes of the wrapped message. */
    attributes: z.record(z.string(), z.string()).optional(),
    expect: Expectation,
    /** A different handling at some endpoints (e.g. the router refuses what an actioner takes). */
    expectAt: z.partialRecord(z.enum(ENDPOINTS), Expectation).optional(),
  })
  .refine((c) => (c.envelope === undefined) !== (c.payload === undefined), {
    error: "a case has exactly one of envelope (whole body) and payload (message data)",
  });
export type CorpusCase = z.output<typeof CorpusCase>;
export type CorpusCaseInput = z.input<typeof CorpusCase>;

export const CASES_DIR = new URL("./cases/", import.meta.url);

/** The committed case files, by name. */
export function readCaseFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(CASES_DIR).sort()) {
    if (name.endsWith(".jsonl")) files.set(name, readFileSync(new URL(name, CASES_DIR), "utf8"));
  }
  return files;
}

export class CorpusFileError extends Error {
  override readonly name = "CorpusFileError";
}

/** Parses case files (one JSON case per line); a bad line names its file, line and problem. */
export function parseCaseFiles(files: ReadonlyMap<string, string>): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const ids = new Set<string>();
  for (const [name, text] of files) {
    text.split("\n").forEach((line, index) => {
      if (line.trim() === "") return;
      const where = `${name}:${index + 1}`;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (error) {
        throw new CorpusFileError(`${where}: not JSON: ${(error as Error).message}`);
      }
      const parsed = CorpusCase.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CorpusFileError(`${where}: ${issue?.path.join(".")}: ${issue?.message}`);
      }
      if (ids.has(parsed.data.id)) throw new CorpusFileError(`${where}: duplicate id ${parsed.data.id}`);
      ids.add(parsed.data.id);
      cases.push(parsed.data);
    });
  }
  return cases;
}

export function loadCorpus(): CorpusCase[] {
  return parseCaseFiles(readCaseFiles());
}

export function bytesOf(body: Body): Uint8Array {
  if ("json" in body) return Buffer.from(JSON.stringify(body.json));
  if ("text" in body) return Buffer.from(body.text, "utf8");
  if ("base64" in body) return Buffer.from(body.base64, "base64");
  const chunks = body.parts.flatMap((part) => {
    const chunk = "text" in part ? Buffer.from(part.text, "utf8") : Buffer.from(part.base64, "base64");
    return new Array<Buffer>(part.repeat ?? 1).fill(chunk);
  });
  return Buffer.concat(chunks);
}

export function endpointsOf(corpusCase: CorpusCase): readonly EndpointId[] {
  return corpusCase.endpoints === "any" ? ENDPOINTS : corpusCase.endpoints;
}

export function expectationAt(corpusCase: CorpusCase, endpoint: EndpointId): Expectation {
  return corpusCase.expectAt?.[endpoint] ?? corpusCase.expect;
}

/** The message id the test gives a wrapped case at one endpoint: quarantine records carry it back. */
export function messageIdOf(corpusCase: CorpusCase, endpoint: EndpointId): string {
  return `corpus:${corpusCase.id}@${endpoint}`;
}

/** The exact HTTP body one endpoint receives for a case. */
export function pushBodyOf(corpusCase: CorpusCase, endpoint: EndpointId): Uint8Array {
  if (corpusCase.envelope) return bytesOf(corpusCase.envelope);
  const data = bytesOf(corpusCase.payload as Body);
  const envelope = {
    message: {
      data: Buffer.from(data).toString("base64"),
      attributes: corpusCase.attributes ?? {},
      messageId: messageIdOf(corpusCase, endpoint),
      publishTime: "2025-06-01T12:00:00.000Z",
    },
    subscription: `projects/corpus/subscriptions/${endpointRoute(endpoint).service}`,
  };
  return Buffer.from(JSON.stringify(envelope));
}
