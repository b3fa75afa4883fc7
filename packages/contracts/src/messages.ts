// The messages that flow between Riposte services over Pub/Sub: topic names, the commands the router
// sends to the actioners, the outcomes they report, and quarantine records for input nobody could
// accept. zod schemas are the contract; the exported types are inferred from them. Every message is
// plain JSON (no bigint) and carries `v: 1` so that a later incompatible version can coexist.

import { z } from "zod";
import { ACTION_NAMES, ACTIONS, type Action, type ActionName, type PascalCase } from "./actions.js";
import type { FalcoAlert } from "./alert.js";
import { ApprovalRecord, AwaitingApproval } from "./approval.js";
import type { JsonPathError, JsonValue } from "./json.js";
import { parsePayloadJson, pathWithIndex, pathWithKey, stringifyJsonLossless } from "./json.js";
import {
  isClusterName,
  isContainerId,
  isContainerName,
  isImageReference,
  isNamespaceName,
  isNodeName,
  isPodName,
  isPodUid,
} from "./k8s-names.js";
import { PRIORITIES, severityOf } from "./priority.js";
import type { Target } from "./target.js";

// ---------------------------------------------------------------------------------------------------
// Topics (named in actions.ts, with the actions whose services read them)

/** Every push subscription dead-letters into `<subscription>-dead-letter` (with a pull sub of that name). */
export function deadLetterTopicOf(subscription: string): string {
  return `${subscription}-dead-letter`;
}

// ---------------------------------------------------------------------------------------------------
// Shared pieces

const INCIDENT_KEY = /^[0-9a-f]{32}$/;
const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

export const IncidentKeySchema = z
  .string()
  .regex(INCIDENT_KEY, { error: "expected an incident key: 32 lowercase hex characters" });

const IsoTimestamp = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp" });

/** Longest `output` kept in a summary (UTF-16 code units, like `String.length`). */
export const SUMMARY_OUTPUT_MAX_LENGTH = 4096;
/** Longest string value kept per output field (and per element of a string list). */
export const SUMMARY_FIELD_MAX_LENGTH = 1024;
/** Most elements kept of a list-valued output field (`ka.user.groups`, `k8smeta.svc.name`, …). */
export const SUMMARY_LIST_MAX_ITEMS = 256;

const SummaryFieldValue = z.union([
  z.string().max(SUMMARY_FIELD_MAX_LENGTH),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string().max(SUMMARY_FIELD_MAX_LENGTH)).max(SUMMARY_LIST_MAX_ITEMS),
]);

/** The alert as commands and outcomes carry it: JSON-only, bounded in size. */
export const AlertSummary = z
  .object({
    rule: z.string().min(1),
    priority: z.enum(PRIORITIES),
    severity: z.int().min(0).max(7),
    source: z.string().optional(),
    /** As received. */
    time: z.string().min(1),
    /** Nanoseconds since the epoch, as a decimal string (exact; JSON numbers are not). */
    timeNs: z.string().regex(DECIMAL_INTEGER, { error: "expected a decimal integer string" }),
    hostname: z.string().optional(),
    tags: z.array(z.string()),
    output: z.string().max(SUMMARY_OUTPUT_MAX_LENGTH),
    outputFields: z.record(z.string(), SummaryFieldValue),
  })
  .refine((summary) => summary.severity === severityOf(summary.priority), {
    error: "severity does not match priority",
    path: ["severity"],
  });
export type AlertSummary = z.infer<typeof AlertSummary>;

export const RejectedNameSchema = z.object({ field: z.string(), value: z.string(), reason: z.string() });

/** The target as messages carry it; names are re-validated on receipt (defence in depth). */
export const TargetSchema = z.object({
  cluster: z.string().refine(isClusterName, { error: "not a valid cluster name" }).optional(),
  node: z.string().refine(isNodeName, { error: "not a valid node name (DNS-1123 subdomain)" }).optional(),
  namespace: z
    .string()
    .refine(isNamespaceName, { error: "not a valid namespace (DNS-1123 label)" })
    .optional(),
  pod: z.string().refine(isPodName, { error: "not a valid pod name (DNS-1123 subdomain)" }).optional(),
  podUid: z.string().refine(isPodUid, { error: "not a valid pod UID" }).optional(),
  containerId: z.string().refine(isContainerId, { error: "not a valid container ID" }).optional(),
  containerName: z.string().refine(isContainerName, { error: "not a valid container name" }).optional(),
  image: z.string().refine(isImageReference, { error: "not a valid image reference" }).optional(),
  rejected: z.array(RejectedNameSchema),
});
export type TargetMessage = z.infer<typeof TargetSchema>;

// The schema and the interface in target.ts must describe the same shape, both ways.
const targetFitsSchema: (target: Target) => TargetMessage = (target) => target;
const schemaFitsTarget: (target: TargetMessage) => Target = (target) => target;
void targetFitsSchema;
void schemaFitsTarget;

// ---------------------------------------------------------------------------------------------------
// Commands (router → actioners)

export const KillPodParams = ACTIONS["kill-pod"].params;
export const IsolatePodParams = ACTIONS["isolate-pod"].params;
export const TaintNodeParams = ACTIONS["taint-node"].params;
export const NotifyParams = ACTIONS.notify.params;
export const ExportFindingParams = ACTIONS["export-finding"].params;

/**
 * Per-playbook safety overrides (set by the router, applied by the actioners). Strict: an override
 * that cannot be read is refused (the command is quarantined) rather than read as "no override", which
 * could leave a namespace a playbook meant to protect unprotected.
 */
export const CommandSafety = z.strictObject({
  /** Namespace globs protected on top of the service's own. */
  protectedNamespaces: z.array(z.string().min(1)).optional(),
  allowDaemonSetPods: z.boolean().optional(),
  allowMirrorPods: z.boolean().optional(),
});
export type CommandSafety = z.infer<typeof CommandSafety>;

/**
 * Longest an action may wait for earlier ones (a playbook's `wait`). A waiting command answers 503 and
 * is redelivered, so its wait spends deliveries: 5 minutes leaves every responder's retry span (at
 * least 10 minutes, README "Retries before a dead letter") most of its attempts for real failures.
 */
export const MAX_ACTION_WAIT_SECONDS = 300;

/**
 * The order the router sets between actions of one incident (a playbook's `after` and `wait`): this
 * command runs once every action in `after` has an outcome in the incident ledger, or at `notAfter`
 * whatever they did — a hung earlier action never holds a later one back for longer.
 */
export const CommandOrder = z.strictObject({
  after: z
    .array(
      z.enum(ACTION_NAMES, {
        error: (issue) =>
          `unknown action ${JSON.stringify(issue.input)}; expected one of ${ACTION_NAMES.join(", ")}`,
      }),
    )
    .min(1, "must name at least one earlier action"),
  notAfter: IsoTimestamp,
});
export type CommandOrder = z.infer<typeof CommandOrder>;

const commandFields = {
  v: z.literal(1),
  incident: IncidentKeySchema,
  alert: AlertSummary,
  target: TargetSchema,
  dryRun: z.boolean(),
  /** Names of the playbooks that asked for this action. */
  playbooks: z.array(z.string()),
  /** Dry-run playbooks among `playbooks` that did not shape this live command (a trial never does). */
  trialPlaybooks: z.array(z.string()).optional(),
  safety: CommandSafety.optional(),
  issuedAt: IsoTimestamp,
  order: CommandOrder.optional(),
  /** The incident's actions held for a person's decision, so the announcement can ask for it. */
  awaitingApproval: z.array(AwaitingApproval).max(ACTION_NAMES.length).optional(),
  /** Set on a command that was held: who let it go (absent on a command published at once). */
  approval: ApprovalRecord.optional(),
};

/** The command `action` sends; `prefault({})`: it may omit `params`, whose defaults are then filled in. */
function commandSchema<A extends ActionName>(action: A) {
  const { kind, params } = ACTIONS[action];
  return z
    .object({
      ...commandFields,
      kind: z.literal(kind),
      // Every param is optional, so `{}` is valid for each action (the generic cannot see it).
      params: z.prefault(params, {} as z.input<Action<A>["params"]>),
    })
    .superRefine((command, ctx) => {
      if (!command.order) return;
      if (!ACTIONS[action].waitsForOrder) {
        ctx.addIssue({
          code: "custom",
          path: ["order"],
          message: `${action} does not wait for earlier actions: its service would ignore the order`,
        });
        return;
      }
      command.order.after.forEach((earlier, index) => {
        if (earlier !== action && !ACTIONS[earlier].recordsOutcome)
          ctx.addIssue({
            code: "custom",
            path: ["order", "after", index],
            message: `${earlier} records no outcome to wait for`,
          });
        if (earlier === action)
          ctx.addIssue({
            code: "custom",
            path: ["order", "after", index],
            message: `${action} cannot wait for itself`,
          });
      });
      const waitMs = Date.parse(command.order.notAfter) - Date.parse(command.issuedAt);
      if (waitMs > MAX_ACTION_WAIT_SECONDS * 1_000)
        ctx.addIssue({
          code: "custom",
          path: ["order", "notAfter"],
          message: `waits ${Math.ceil(waitMs / 1_000)} s after issuedAt; at most ${MAX_ACTION_WAIT_SECONDS} s`,
        });
    });
}

/** Each action's command schema, by the kind it sends. */
const COMMAND_SCHEMAS = Object.fromEntries(
  ACTION_NAMES.map((name) => [ACTIONS[name].kind, commandSchema(name)]),
) as { readonly [A in ActionName as PascalCase<A>]: ReturnType<typeof commandSchema<A>> };

export const KillPodCommand = COMMAND_SCHEMAS.KillPod;
export const IsolatePodCommand = COMMAND_SCHEMAS.IsolatePod;
export const TaintNodeCommand = COMMAND_SCHEMAS.TaintNode;
export const NotifyCommand = COMMAND_SCHEMAS.Notify;
export const ExportFindingCommand = COMMAND_SCHEMAS.ExportFinding;

export type KillPodCommand = z.infer<typeof KillPodCommand>;
export type IsolatePodCommand = z.infer<typeof IsolatePodCommand>;
export type TaintNodeCommand = z.infer<typeof TaintNodeCommand>;
export type NotifyCommand = z.infer<typeof NotifyCommand>;
export type ExportFindingCommand = z.infer<typeof ExportFindingCommand>;

/** One action's command schema; the union of them all (a type, no runtime cost). */
type CommandSchema = (typeof COMMAND_SCHEMAS)[keyof typeof COMMAND_SCHEMAS];

/**
 * Every action's command, from the catalogue: an action added there (`turbo gen actioner`) is a
 * command with no edit here. Typed as a non-empty list of the schemas' union, so `Command` is the
 * union of each action's own command, as precise as a list written out by hand.
 */
export const Command = z.discriminatedUnion(
  "kind",
  Object.values(COMMAND_SCHEMAS) as CommandSchema[] as [CommandSchema, ...CommandSchema[]],
);
/** A command after parsing (params defaults filled in). */
export type Command = z.infer<typeof Command>;
/** What a sender may write (params and their fields may be omitted). */
export type CommandInput = z.input<typeof Command>;
export type CommandKind = Command["kind"];

export function commandSchemaFor<K extends CommandKind>(kind: K): (typeof COMMAND_SCHEMAS)[K] {
  return COMMAND_SCHEMAS[kind];
}

/** The command `action` sends, after parsing. */
export type CommandOf<A extends ActionName> = Extract<Command, { kind: PascalCase<A> }>;

/** The playbook action name that sends commands of this kind. */
export function actionNameOf(kind: CommandKind): ActionName {
  const found = ACTION_NAMES.find((name) => ACTIONS[name].kind === kind);
  if (found === undefined) throw new TypeError(`no action sends commands of kind ${JSON.stringify(kind)}`);
  return found;
}

// ---------------------------------------------------------------------------------------------------
// Outcomes (actioners → action-outcomes) and quarantine

/**
 * Opaque JSON with its big integers as decimal strings. The lossless parser gives integers past 2^53
 * as bigints (a double another service wrote, or an attacker's 2^64), and consumers re-serialise
 * free-form fields with JSON.stringify, which throws on a bigint. Objects come back without a
 * prototype, so a `__proto__` key stays data.
 */
function withoutBigInts<T>(value: T): T {
  const convert = (item: unknown): unknown => {
    if (typeof item === "bigint") return item.toString();
    if (Array.isArray(item)) return item.map(convert);
    if (item === null || typeof item !== "object") return item;
    const copy = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(item)) copy[key] = convert((item as Record<string, unknown>)[key]);
    return copy;
  };
  return convert(value) as T;
}

export const OUTCOME_RESULTS = ["done", "already-done", "stale", "refused", "dry-run", "failed"] as const;
export type OutcomeResult = (typeof OUTCOME_RESULTS)[number];

/**
 * Whether the cluster enforces NetworkPolicies (isolate-pod): a deny-all policy on a cluster that does
 * not is stored and does nothing. "unknown" when it cannot be asked (a kubeconfig context or URL
 * cluster) or did not answer.
 */
export const NetworkPolicyEnforced = z.union([z.boolean(), z.literal("unknown")]);

/** Free-form details, with the keys other services read typed (each optional: added in v 1). */
const OutcomeDetails = z.looseObject({
  /** isolate-pod: NetworkPolicyEnforced, with `enforcement` saying why for a person. */
  enforced: NetworkPolicyEnforced.optional(),
  enforcement: z.string().optional(),
});

export const ActionOutcome = z.object({
  v: z.literal(1),
  kind: z.literal("ActionOutcome"),
  /** The reporting service, e.g. "pod-killer". */
  service: z.string().min(1),
  /** The playbook action name, e.g. "kill-pod". */
  action: z.string().min(1),
  incident: IncidentKeySchema,
  result: z.enum(OUTCOME_RESULTS),
  reason: z.string(),
  /** Free-form; big integers arrive as decimal strings (see withoutBigInts). */
  details: OutcomeDetails.transform(withoutBigInts),
  alert: AlertSummary.optional(),
  target: TargetSchema.optional(),
  at: IsoTimestamp,
});
export type ActionOutcome = z.infer<typeof ActionOutcome>;

export interface OutcomeReport {
  /** The reporting service, e.g. "pod-killer". */
  service: string;
  result: OutcomeResult;
  reason: string;
  details?: Record<string, unknown>;
  at: Date;
}

/** The outcome of handling `command`: the one way every service builds it (alert and target carried along). */
export function outcomeOf(command: Command, report: OutcomeReport): ActionOutcome {
  return {
    v: 1,
    kind: "ActionOutcome",
    service: report.service,
    action: actionNameOf(command.kind),
    incident: command.incident,
    result: report.result,
    reason: report.reason,
    details: report.details ?? {},
    alert: command.alert,
    target: command.target,
    at: report.at.toISOString(),
  };
}

export const QuarantineRecord = z.object({
  v: z.literal(1),
  kind: z.literal("QuarantineRecord"),
  /** The service that refused the message. */
  service: z.string().min(1),
  reason: z.object({ path: z.string(), message: z.string() }),
  messageId: z.string().optional(),
  subscription: z.string().optional(),
  receivedAt: IsoTimestamp,
  /** The original message data, base64. */
  data: z.base64({ error: "expected base64" }),
  attributes: z.record(z.string(), z.string()),
});
export type QuarantineRecord = z.infer<typeof QuarantineRecord>;

export type RiposteMessage = Command | ActionOutcome | QuarantineRecord;

// ---------------------------------------------------------------------------------------------------
// Building and reading messages

const ELLIPSIS = "…";

/** Cuts `text` to at most `max` UTF-16 code units, marking the cut and never splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - ELLIPSIS.length);
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  return text.slice(0, cut) + ELLIPSIS;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8, on a code point boundary. Lone surrogates (valid in
 * JSON, e.g. a Falco rule "\ud800") become U+FFFD: Pub/Sub refuses attribute values that are not UTF-8,
 * and one such value fails the publish of every message batched with it.
 */
export function truncateUtf8(input: string, maxBytes: number): string {
  const text = input.replace(LONE_SURROGATE, "\ufffd");
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

type SummaryFieldValue = z.infer<typeof SummaryFieldValue>;

function summarizeFieldValue(value: JsonValue): SummaryFieldValue {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return truncateText(value, SUMMARY_FIELD_MAX_LENGTH);
  if (Array.isArray(value) && value.every((item): item is string => typeof item === "string")) {
    return value.slice(0, SUMMARY_LIST_MAX_ITEMS).map((item) => truncateText(item, SUMMARY_FIELD_MAX_LENGTH));
  }
  // Objects and mixed lists do not occur in Falco output; keep them readable as JSON text.
  return truncateText(stringifyJsonLossless(value), SUMMARY_FIELD_MAX_LENGTH);
}

/** The alert reduced to what messages carry: bigints as decimal strings, long texts truncated. */
export function summarizeAlert(alert: FalcoAlert): AlertSummary {
  // Null prototype: an output field named "__proto__" stays an ordinary key.
  const outputFields = Object.create(null) as Record<string, SummaryFieldValue>;
  for (const key of Object.keys(alert.outputFields)) {
    outputFields[key] = summarizeFieldValue(alert.outputFields[key] as JsonValue);
  }
  const summary: AlertSummary = {
    rule: alert.rule,
    priority: alert.priority,
    severity: alert.severity,
    time: alert.time,
    timeNs: alert.timeNs.toString(),
    tags: [...alert.tags],
    output: truncateText(alert.output, SUMMARY_OUTPUT_MAX_LENGTH),
    outputFields,
  };
  if (alert.source !== undefined) summary.source = alert.source;
  if (alert.hostname !== undefined) summary.hostname = alert.hostname;
  return summary;
}

/** Pub/Sub allows attribute values up to 1024 bytes. */
export const ATTRIBUTE_VALUE_MAX_BYTES = 1024;

/**
 * Pub/Sub attributes for a message, so subscriptions can filter and people can read a message list
 * without decoding data: `v`, `kind`, and when known `incident`, `rule`, `priority`, `namespace`,
 * `action`. Values are truncated to 1024 bytes of UTF-8.
 */
export function messageAttributes(message: RiposteMessage): Record<string, string> {
  const attributes: Record<string, string> = { v: String(message.v), kind: message.kind };
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined && value !== "") attributes[key] = truncateUtf8(value, ATTRIBUTE_VALUE_MAX_BYTES);
  };
  if (message.kind === "QuarantineRecord") return attributes;
  set("incident", message.incident);
  set("rule", message.alert?.rule);
  set("priority", message.alert?.priority);
  set("namespace", message.target?.namespace);
  set("action", message.kind === "ActionOutcome" ? message.action : actionNameOf(message.kind));
  return attributes;
}

export type MessageParseResult<T> = { ok: true; value: T } | { ok: false; error: JsonPathError };

const MAX_REPORTED_ISSUES = 5;

/**
 * Decodes and validates one message (Pub/Sub data as bytes or text) against a schema. Never throws;
 * the error names the first offending field (`$.params.gracePeriodSeconds`) and lists a few more.
 */
export function parseMessage<S extends z.ZodType>(
  schema: S,
  input: string | Uint8Array,
): MessageParseResult<z.infer<S>> {
  const json = parsePayloadJson(input);
  if (!json.ok) return json;
  const result = schema.safeParse(json.value);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => ({ path: zodPath(issue.path), message: issue.message }));
  const [first, ...rest] = issues;
  if (first === undefined) return { ok: false, error: { path: "$", message: "invalid message" } };
  const more = rest
    .slice(0, MAX_REPORTED_ISSUES - 1)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join("; ");
  return {
    ok: false,
    error: { path: first.path, message: more === "" ? first.message : `${first.message}; also ${more}` },
  };
}

function zodPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const step of path) {
    out = typeof step === "number" ? pathWithIndex(out, step) : pathWithKey(out, String(step));
  }
  return out;
}
