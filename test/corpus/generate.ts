// Writes the bad-input corpus (cases/*.jsonl) from the lists below. The committed files are what the
// end-to-end test sends; it also checks they are exactly this script's output, so review the lists
// here and the files there together. Regenerate with `npx tsx test/corpus/generate.ts`.
//
// Every case names the endpoints it is sent to and the handling the ack policy (README "Ack policy") demands: 204
// always (a bad message is acked, never left to burn delivery attempts), plus a quarantine record
// with the reason, an action outcome, or — for a Falco alert the router can still use — the commands
// it publishes, with every refused name listed in `target.rejected`.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  CASES_DIR,
  CORPUS_MAX_BODY_BYTES,
  CorpusCase,
  type CorpusCaseInput,
  CRASH_MARKERS,
  type EndpointId,
  type ExpectationInput,
} from "./corpus.js";

// ---------------------------------------------------------------------------------------------------
// Vocabulary

/** A node, container and names that exist nowhere in the simulated cluster: the corpus changes nothing. */
const NODE = "corpus-node-a";
const CONTAINER_ID = "c0ffee000001";
const NAMESPACE = "corpus";
const POD = "corpus-victim";

type Action = "kill-pod" | "isolate-pod" | "taint-node" | "notify" | "export-finding" | "capture";
/** The default playbook for a Critical alert in a container: isolate, capture, then kill. */
const KILL: Action[] = ["notify", "export-finding", "isolate-pod", "capture", "kill-pod"];
const TAINT: Action[] = ["notify", "export-finding", "taint-node"];
const RECORD_ONLY: Action[] = ["notify", "export-finding"];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function quarantined(reasonMatches: string, reasonPath?: string): ExpectationInput {
  return { status: 204, handling: "quarantined", reasonMatches, ...(reasonPath ? { reasonPath } : {}) };
}
function outcome(
  result: "done" | "already-done" | "stale" | "refused" | "dry-run" | "failed",
  reasonMatches?: string,
): ExpectationInput {
  return { status: 204, handling: "outcome", result, ...(reasonMatches ? { reasonMatches } : {}) };
}
function routed(actions: Action[], rejectedFields: string[] = []): ExpectationInput {
  return { status: 204, handling: "routed", actions, rejectedFields };
}
const ACCEPTED: ExpectationInput = { status: 204, handling: "accepted" };

/** The 32-hex incident key a command case carries, derived from its id so every case has its own. */
export function incidentOf(id: string): string {
  return createHash("md5").update(id).digest("hex");
}

/** `text` as parts, the quoted or bare `marker` in it replaced by `middle` (giant bodies stay short on disk). */
function partsAround(text: string, marker: string, middle: { text: string; repeat?: number }[]) {
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error(`${marker} must occur exactly once`);
  return { parts: [{ text: text.slice(0, at) }, ...middle, { text: text.slice(at + marker.length) }] };
}
const GIANT = "@@GIANT@@";

const base64 = (bytes: readonly number[] | string) =>
  (typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes)).toString("base64");

// ---------------------------------------------------------------------------------------------------
// Hostile names: everything the issue lists, and what a path, selector or header would make of them.

interface HostileName {
  slug: string;
  value: string;
  why: string;
}

const HOSTILE_NAMES: HostileName[] = [
  { slug: "traversal", value: "../../nodes/x", why: "path traversal to another resource" },
  { slug: "dot-dot", value: "..", why: "a dot-dot segment (URL parsers resolve it)" },
  { slug: "dot", value: ".", why: "a dot segment" },
  { slug: "embedded-traversal", value: "shop/../kube-system", why: "traversal inside a name" },
  { slug: "upper-case", value: "Shop", why: "upper case (lower-casing it would name a real object)" },
  { slug: "all-upper", value: "SHOP", why: "all upper case" },
  { slug: "length-300", value: "a".repeat(300), why: "300 characters" },
  { slug: "cyrillic-lookalike", value: "sh\u043ep", why: "Cyrillic о (U+043E) in 'shop'" },
  {
    slug: "fullwidth-lookalike",
    value: "\uff53\uff48\uff4f\uff50",
    why: "fullwidth 'shop' (NFKC folds it to ASCII)",
  },
  { slug: "zero-width", value: "sh\u200bop", why: "a zero-width space inside" },
  { slug: "rtl-override", value: "\u202epohs", why: "a right-to-left override" },
  { slug: "dotless-i", value: "m\u0131n\u0131ng", why: "Turkish dotless ı (upper-cases to I)" },
  { slug: "percent-2f", value: "%2F", why: "an encoded slash" },
  { slug: "encoded-traversal", value: "..%2F..%2Fnodes%2Fx", why: "encoded traversal" },
  { slug: "nul-byte", value: "shop\u0000", why: "a NUL byte" },
  { slug: "slash", value: "shop/web", why: "a slash" },
  { slug: "crlf-header", value: "shop\r\nX-Injected: 1", why: "CRLF header injection" },
  { slug: "space", value: "shop web", why: "a space" },
  { slug: "leading-dash", value: "-shop", why: "a leading dash" },
  { slug: "underscore", value: "shop_web", why: "an underscore" },
  { slug: "query", value: "shop?watch=true", why: "a query string" },
  { slug: "selector-injection", value: "x,metadata.name=kube-proxy", why: "field-selector injection" },
  { slug: "wildcard", value: "*", why: "a wildcard" },
  { slug: "proto-key", value: "__proto__", why: "a prototype key as a name" },
];

/** A subset for the schema checks of commands (the router's checks get the full list). */
const COMMAND_HOSTILE_NAMES = HOSTILE_NAMES.filter((name) =>
  [
    "traversal",
    "dot-dot",
    "upper-case",
    "length-300",
    "cyrillic-lookalike",
    "percent-2f",
    "nul-byte",
    "slash",
    "selector-injection",
  ].includes(name.slug),
);

// ---------------------------------------------------------------------------------------------------
// Envelope-level cases: the whole HTTP body, sent to every endpoint of every service.

function envelopeCases(): CorpusCaseInput[] {
  const cases: CorpusCaseInput[] = [];
  const add = (
    slug: string,
    category: string,
    description: string,
    envelope: CorpusCaseInput["envelope"],
    expect: ExpectationInput,
  ) => cases.push({ id: `envelope/${slug}`, category, description, endpoints: "any", envelope, expect });
  const notJson = quarantined("^\\$: push body is not JSON", "$");
  const notObject = quarantined("^\\$: push body must be a JSON object", "$");
  const notUtf8 = quarantined("^\\$: push body is not valid UTF-8", "$");
  // A well-formed envelope whose data is empty: each service's decoder refuses the empty payload.
  const emptyPayload = quarantined("invalid JSON: expected a JSON value but found end of input", "$");
  const overLimit = quarantined(
    `^\\$: push body of \\d+ bytes exceeds the ${CORPUS_MAX_BODY_BYTES}-byte limit`,
    "$",
  );
  const envelopeWith = (id: string, extra: string) =>
    `{"message":{"messageId":"corpus-envelope-${id}","data":""${extra}}}`;

  // malformed JSON
  add("empty-body", "malformed-json", "an empty body", { text: "" }, notJson);
  add("whitespace-only", "malformed-json", "only whitespace", { text: " \n\t\r " }, notJson);
  add("plain-text", "malformed-json", "plain text", { text: "hello, Riposte" }, notJson);
  add(
    "single-quotes",
    "malformed-json",
    "JavaScript-style single quotes",
    { text: "{'message': {'messageId': '1'}}" },
    notJson,
  );
  add(
    "trailing-comma",
    "malformed-json",
    "a trailing comma",
    { text: '{"message":{"messageId":"1","data":""},}' },
    notJson,
  );
  add(
    "unterminated",
    "malformed-json",
    "cut off in the middle",
    { text: '{"message":{"messageId":"1"' },
    notJson,
  );
  add(
    "nan-literal",
    "malformed-json",
    "a NaN literal",
    { text: '{"message":{"messageId":"1","data":NaN}}' },
    notJson,
  );
  add(
    "comment",
    "malformed-json",
    "a comment",
    { text: '{/* c */"message":{"messageId":"1","data":""}}' },
    notJson,
  );
  add(
    "two-documents",
    "malformed-json",
    "two JSON documents back to back",
    { text: `${envelopeWith("two-a", "")}${envelopeWith("two-b", "")}` },
    notJson,
  );
  add(
    "json-array",
    "malformed-json",
    "an array of envelopes",
    { text: `[${envelopeWith("array", "")}]` },
    notObject,
  );
  add("json-null", "malformed-json", "JSON null", { text: "null" }, notObject);
  add("json-number", "malformed-json", "a bare number", { text: "42" }, notObject);
  add("json-string", "malformed-json", "a bare string", { text: '"message"' }, notObject);
  add(
    "form-encoded",
    "malformed-json",
    "a form-encoded body",
    { text: "message=hello&messageId=1" },
    notJson,
  );
  add("xml", "malformed-json", "XML", { text: '<?xml version="1.0"?><message id="1"/>' }, notJson);
  add(
    "raw-control-char",
    "malformed-json",
    "an unescaped NUL inside a string",
    { text: '{"message":{"messageId":"a\u0000b","data":""}}' },
    notJson,
  );

  // non-UTF-8
  add("byte-ff", "non-utf8", "a single 0xFF byte", { base64: base64([0xff]) }, notUtf8);
  add(
    "invalid-continuation",
    "non-utf8",
    "0xC3 0x28 inside a string",
    {
      parts: [
        { text: '{"message":{"messageId":"' },
        { base64: base64([0xc3, 0x28]) },
        { text: '","data":""}}' },
      ],
    },
    notUtf8,
  );
  add(
    "overlong-slash",
    "non-utf8",
    "an overlong encoding of '/' (0xC0 0xAF)",
    {
      parts: [
        { text: '{"message":{"messageId":"' },
        { base64: base64([0xc0, 0xaf]) },
        { text: '","data":""}}' },
      ],
    },
    notUtf8,
  );
  add(
    "utf16le",
    "non-utf8",
    "an envelope encoded as UTF-16LE with a BOM",
    {
      base64: Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from(envelopeWith("utf16", ""), "utf16le"),
      ]).toString("base64"),
    },
    notUtf8,
  );
  add(
    "cesu-surrogate",
    "non-utf8",
    "a UTF-16 surrogate encoded in UTF-8 (0xED 0xA0 0x80)",
    {
      parts: [
        { text: '{"message":{"messageId":"' },
        { base64: base64([0xed, 0xa0, 0x80]) },
        { text: '","data":""}}' },
      ],
    },
    notUtf8,
  );
  add(
    "truncated-sequence",
    "non-utf8",
    "a multi-byte sequence cut at the end",
    { parts: [{ text: envelopeWith("truncated", "") }, { base64: base64([0xe2, 0x82]) }] },
    notUtf8,
  );
  add(
    "latin1",
    "non-utf8",
    "Latin-1 text (0xE9)",
    {
      parts: [
        { text: '{"message":{"messageId":"caf' },
        { base64: base64([0xe9]) },
        { text: '","data":""}}' },
      ],
    },
    notUtf8,
  );

  // missing envelope fields
  add(
    "empty-object",
    "missing-envelope-fields",
    "{}",
    { text: "{}" },
    quarantined("^\\$\\.message: missing", "$.message"),
  );
  add(
    "message-null",
    "missing-envelope-fields",
    "message is null",
    { text: '{"message":null}' },
    quarantined("^\\$\\.message: missing or not an object", "$.message"),
  );
  add(
    "message-string",
    "missing-envelope-fields",
    "message is a string",
    { text: '{"message":"hello"}' },
    quarantined("^\\$\\.message: missing or not an object", "$.message"),
  );
  add(
    "message-array",
    "missing-envelope-fields",
    "message is an array",
    { text: '{"message":[{"messageId":"1"}]}' },
    quarantined("^\\$\\.message: missing or not an object", "$.message"),
  );
  add(
    "no-message-id",
    "missing-envelope-fields",
    "no messageId",
    { text: '{"message":{"data":""}}' },
    quarantined("^\\$\\.message\\.messageId: missing", "$.message.messageId"),
  );
  add(
    "empty-message-id",
    "missing-envelope-fields",
    "an empty messageId",
    { text: '{"message":{"messageId":"","data":""}}' },
    quarantined("^\\$\\.message\\.messageId: missing", "$.message.messageId"),
  );
  add(
    "message-id-number",
    "wrong-types",
    "messageId is a number",
    { text: '{"message":{"messageId":123,"data":""}}' },
    quarantined("^\\$\\.message\\.messageId:", "$.message.messageId"),
  );
  add(
    "message-id-null",
    "wrong-types",
    "messageId is null",
    { text: '{"message":{"messageId":null,"data":""}}' },
    quarantined("^\\$\\.message\\.messageId:", "$.message.messageId"),
  );
  add(
    "message-id-object",
    "wrong-types",
    "messageId is an object",
    { text: '{"message":{"messageId":{"id":"1"},"data":""}}' },
    quarantined("^\\$\\.message\\.messageId:", "$.message.messageId"),
  );
  add(
    "only-subscription",
    "missing-envelope-fields",
    "a subscription and no message",
    { text: '{"subscription":"projects/p/subscriptions/s"}' },
    quarantined("^\\$\\.message: missing", "$.message"),
  );
  add(
    "unwrapped-message",
    "missing-envelope-fields",
    "a bare Pub/Sub message instead of a push envelope",
    { text: '{"messageId":"1","data":"e30=","attributes":{}}' },
    quarantined("^\\$\\.message: missing", "$.message"),
  );

  // bad base64
  const badData = (slug: string, description: string, data: string, message = "is not valid base64") =>
    add(
      `data-${slug}`,
      "bad-base64",
      description,
      { text: `{"message":{"messageId":"corpus-envelope-data-${slug}","data":${data}}}` },
      quarantined(`^\\$\\.message\\.data: ${message}`, "$.message.data"),
    );
  badData("not-base64", "data is not base64 at all", '"!!!not base64!!!"');
  badData("missing-padding", "base64 without its padding", '"e30"');
  badData("url-safe", "the URL-safe alphabet", '"-_-_"');
  badData("newline", "a newline inside", '"e30=\\n"');
  badData("space", "a space inside", '"e3 0="');
  badData("extra-padding", "too much padding", '"e30==="');
  badData("fullwidth", "fullwidth look-alike characters", '"\uff45\uff13\uff10\uff1d"');
  badData("number", "data is a number", "123", "must be a base64 string");
  badData("object", "data is an object", '{"rule":"x"}', "must be a base64 string");
  badData("array", "data is an array", '["e30="]', "must be a base64 string");
  badData("boolean", "data is true", "true", "must be a base64 string");

  // wrong types elsewhere in the envelope
  const bad = (slug: string, description: string, extra: string, path: string, message: string) =>
    add(
      slug,
      "wrong-types",
      description,
      { text: envelopeWith(slug, extra) },
      quarantined(`^${escapeRegExp(path)}: ${message}`, path),
    );
  bad(
    "attributes-array",
    "attributes is an array",
    ',"attributes":["a"]',
    "$.message.attributes",
    "must be an object",
  );
  bad(
    "attributes-string",
    "attributes is a string",
    ',"attributes":"a=b"',
    "$.message.attributes",
    "must be an object",
  );
  bad(
    "attribute-number",
    "an attribute value is a number",
    ',"attributes":{"n":1}',
    '$.message.attributes["n"]',
    "attribute values must be strings",
  );
  bad(
    "attribute-null",
    "an attribute value is null",
    ',"attributes":{"n":null}',
    '$.message.attributes["n"]',
    "attribute values must be strings",
  );
  bad(
    "publish-time-number",
    "publishTime is a number",
    ',"publishTime":1717243200',
    "$.message.publishTime",
    "must be a string",
  );
  add(
    "subscription-number",
    "wrong-types",
    "subscription is a number",
    { text: '{"message":{"messageId":"corpus-envelope-subscription-number","data":""},"subscription":7}' },
    quarantined("^\\$\\.subscription: must be a string", "$.subscription"),
  );
  for (const [slug, value] of [
    ["negative", "-1"],
    ["fractional", "1.5"],
    ["string", '"3"'],
    ["beyond-double", "1e400"],
  ] as const) {
    add(
      `delivery-attempt-${slug}`,
      slug === "beyond-double" ? "big-numbers" : "wrong-types",
      `deliveryAttempt is ${value}`,
      {
        text: `{"message":{"messageId":"corpus-envelope-attempt-${slug}","data":""},"deliveryAttempt":${value}}`,
      },
      quarantined("^\\$\\.deliveryAttempt: must be a non-negative integer", "$.deliveryAttempt"),
    );
  }
  add(
    "delivery-attempt-past-2-64",
    "big-numbers",
    "deliveryAttempt 2^64+1 (a double that is an integer: accepted; the empty payload is what is refused)",
    {
      text: '{"message":{"messageId":"corpus-envelope-attempt-2-64","data":""},"deliveryAttempt":18446744073709551617}',
    },
    emptyPayload,
  );
  add(
    "message-id-past-2-64",
    "big-numbers",
    "messageId is the number 2^64+1",
    { text: '{"message":{"messageId":18446744073709551617,"data":""}}' },
    quarantined("^\\$\\.message\\.messageId:", "$.message.messageId"),
  );

  // __proto__ / constructor keys
  add(
    "proto-root",
    "proto-keys",
    "the whole envelope under __proto__",
    { text: `{"__proto__":${envelopeWith("proto-root", "")}}` },
    quarantined("^\\$\\.message: missing", "$.message"),
  );
  add(
    "proto-message",
    "proto-keys",
    "messageId only under message.__proto__",
    { text: '{"message":{"__proto__":{"messageId":"corpus-envelope-proto-message"},"data":""}}' },
    quarantined("^\\$\\.message\\.messageId: missing", "$.message.messageId"),
  );
  add(
    "constructor-prototype",
    "proto-keys",
    "the envelope under constructor.prototype",
    { text: `{"constructor":{"prototype":${envelopeWith("constructor", "")}}}` },
    quarantined("^\\$\\.message: missing", "$.message"),
  );
  add(
    "proto-attribute-keys",
    "proto-keys",
    "attributes named __proto__, constructor and toString (kept as data)",
    {
      text: envelopeWith(
        "proto-attributes",
        ',"attributes":{"__proto__":"x","constructor":"y","toString":"z","hasOwnProperty":"w"}',
      ),
    },
    emptyPayload,
  );
  bad(
    "proto-attribute-object",
    "an attribute __proto__ whose value is an object",
    ',"attributes":{"__proto__":{"polluted":"yes"}}',
    '$.message.attributes["__proto__"]',
    "attribute values must be strings",
  );
  add(
    "duplicate-message",
    "malformed-json",
    "two message keys (the last, null, wins in JSON.parse)",
    { text: `{"message":{"messageId":"corpus-envelope-dup","data":""},"message":null}` },
    quarantined("^\\$\\.message: missing or not an object", "$.message"),
  );

  // deep nesting
  add(
    "nested-arrays",
    "deep-nesting",
    "100,000 nested arrays",
    {
      parts: [
        { text: "[", repeat: 100_000 },
        { text: "]", repeat: 100_000 },
      ],
    },
    quarantined("^\\$: push body (is not JSON|must be a JSON object)", "$"),
  );
  add(
    "nested-objects-in-attributes",
    "deep-nesting",
    "5,000 nested objects as an attribute value",
    {
      parts: [
        { text: '{"message":{"messageId":"corpus-envelope-nested","data":"","attributes":{"a":' },
        { text: '{"a":', repeat: 5_000 },
        { text: "1" },
        { text: "}", repeat: 5_000 },
        { text: "}}}" },
      ],
    },
    quarantined(
      '^\\$\\.message\\.attributes\\["a"\\]: attribute values must be strings',
      '$.message.attributes["a"]',
    ),
  );
  add(
    "nested-data",
    "deep-nesting",
    "data is 5,000 nested arrays",
    {
      parts: [
        { text: '{"message":{"messageId":"corpus-envelope-nested-data","data":' },
        { text: "[", repeat: 5_000 },
        { text: "]", repeat: 5_000 },
        { text: "}}" },
      ],
    },
    quarantined("^\\$\\.message\\.data: must be a base64 string", "$.message.data"),
  );

  // giant bodies
  add(
    "giant-whitespace",
    "giant-bodies",
    "300 KiB of whitespace before a valid envelope",
    { parts: [{ text: " ", repeat: 300 * 1024 }, { text: envelopeWith("giant-whitespace", "") }] },
    overLimit,
  );
  add(
    "giant-data",
    "giant-bodies",
    "300 KiB of data",
    {
      parts: [
        { text: '{"message":{"messageId":"corpus-envelope-giant-data","data":"' },
        { text: "QUFB", repeat: 100 * 1024 },
        { text: '"}}' },
      ],
    },
    overLimit,
  );
  add(
    "giant-message-id",
    "giant-bodies",
    "a 300 KiB messageId",
    {
      parts: [
        { text: '{"message":{"messageId":"' },
        { text: "m", repeat: 300 * 1024 },
        { text: '","data":""}}' },
      ],
    },
    overLimit,
  );
  add(
    "beyond-10-mb",
    "giant-bodies",
    "10.5 MiB of '{' (beyond Pub/Sub's 10 MB and the default limit)",
    { parts: [{ text: "{", repeat: Math.floor(10.5 * 1024 * 1024) }] },
    overLimit,
  );
  add(
    "just-under-limit",
    "giant-bodies",
    "200 KiB of padding around a valid envelope: under the limit, so the payload is what is refused",
    { parts: [{ text: envelopeWith("under-limit", "") }, { text: " ", repeat: 200 * 1024 }] },
    emptyPayload,
  );
  add(
    "many-attributes",
    "giant-bodies",
    "500 attributes (Pub/Sub allows 100)",
    {
      text: envelopeWith(
        "many-attributes",
        `,"attributes":{${Array.from({ length: 500 }, (_, i) => `"a${i}":"${i}"`).join(",")}}`,
      ),
    },
    emptyPayload,
  );
  add(
    "long-message-id",
    "giant-bodies",
    "a 4 KiB messageId (more than an attribute value may hold)",
    { text: `{"message":{"messageId":"${"m".repeat(4096)}","data":""}}` },
    emptyPayload,
  );
  add(
    "lone-surrogate-message-id",
    "non-utf8",
    "a messageId that is a lone UTF-16 surrogate (valid JSON; the record's attribute must still be UTF-8)",
    { text: '{"message":{"messageId":"\\ud800","data":""}}' },
    emptyPayload,
  );
  add(
    "escaped-nul-message-id",
    "malformed-json",
    "a messageId with an escaped NUL and newline",
    { text: '{"message":{"messageId":"a\\u0000b\\nc","data":""}}' },
    emptyPayload,
  );
  add(
    "bom-prefixed",
    "non-utf8",
    "a UTF-8 byte-order mark before the envelope (the decoder drops it)",
    { text: `\ufeff${envelopeWith("bom", "")}` },
    emptyPayload,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// Falco alerts (the router)

/** A unique event time per case (so every case is its own incident), 9 fraction digits like Falco. */
const alertTime = (n: number) => `2025-06-01T12:00:00.${String(n).padStart(9, "0")}Z`;

interface AlertShape {
  [key: string]: unknown;
  output_fields: Record<string, unknown>;
}

function baseAlert(n: number): AlertShape {
  return {
    uuid: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    output: "12:00:00.000000000: Critical Executing binary not part of base image (corpus)",
    priority: "Critical",
    rule: "Drop and execute new binary in container",
    time: alertTime(n),
    source: "syscall",
    hostname: NODE,
    tags: ["container", "mitre_persistence"],
    output_fields: {
      "container.id": CONTAINER_ID,
      "container.name": "worker",
      "container.image.repository": "registry.example/corpus/worker",
      "k8s.ns.name": NAMESPACE,
      "k8s.pod.name": `${POD}-${n}`,
      "proc.name": "xmrig",
      "proc.cmdline": "xmrig -o pool.example:3333",
      "user.name": "root",
      "user.uid": 0,
    },
  };
}

function alertCases(): CorpusCaseInput[] {
  const cases: CorpusCaseInput[] = [];
  let n = 0;
  const add = (
    slug: string,
    category: string,
    description: string,
    payload: CorpusCaseInput["payload"],
    expect: ExpectationInput,
  ) =>
    cases.push({ id: `falco-alert/${slug}`, category, description, endpoints: ["router"], payload, expect });
  /** The base alert with changes to its top-level keys and output fields (undefined deletes). */
  const alert = (top: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) => {
    n += 1;
    const a = baseAlert(n);
    for (const [key, value] of Object.entries(top)) {
      if (value === undefined) delete a[key];
      else a[key] = value;
    }
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) delete a.output_fields[key];
      else a.output_fields[key] = value;
    }
    return a;
  };
  /** The base alert as text with raw JSON spliced in (numbers JS cannot hold, duplicate keys, __proto__). */
  const alertText = (rawTop: string, rawFields = "") => {
    const text = JSON.stringify(alert());
    const withFields = rawFields ? text.replace('"output_fields":{', `"output_fields":{${rawFields},`) : text;
    return rawTop ? `{${rawTop},${withFields.slice(1)}` : withFields;
  };
  const invalidJson = (path = "$") => quarantined("invalid JSON", path);

  // malformed JSON
  add(
    "not-json",
    "malformed-json",
    "plain text",
    { text: "Critical: something happened" },
    quarantined("^\\$: invalid JSON: expected a JSON value", "$"),
  );
  add(
    "empty",
    "malformed-json",
    "empty data",
    { text: "" },
    quarantined("^\\$: invalid JSON: expected a JSON value but found end of input", "$"),
  );
  add("open-brace", "malformed-json", "a lone {", { text: "{" }, invalidJson());
  add(
    "trailing-comma",
    "malformed-json",
    "a trailing comma after the last key",
    { text: `${alertText("").slice(0, -1)},}` },
    invalidJson(),
  );
  add(
    "single-quotes",
    "malformed-json",
    "single-quoted keys",
    { text: "{'rule':'x','priority':'Critical'}" },
    invalidJson(),
  );
  add(
    "two-alerts",
    "malformed-json",
    "two alerts on two lines (JSON Lines)",
    { text: `${alertText("")}\n${alertText("")}` },
    quarantined("invalid JSON: unexpected '\\{' after the JSON value", "$"),
  );
  add(
    "nan",
    "malformed-json",
    "priority NaN",
    { text: alertText('"priority":NaN').replace(',"priority":"Critical"', "") },
    invalidJson("$.priority"),
  );
  add(
    "infinity",
    "malformed-json",
    "an output field Infinity",
    { text: alertText("", '"proc.pid":Infinity') },
    invalidJson('$.output_fields["proc.pid"]'),
  );
  add(
    "invalid-escape",
    "malformed-json",
    "an invalid escape \\x in the rule",
    {
      text: alertText('"rule":"bad \\x41 escape"').replace(
        ',"rule":"Drop and execute new binary in container"',
        "",
      ),
    },
    invalidJson("$.rule"),
  );
  add(
    "raw-newline-in-string",
    "malformed-json",
    "an unescaped newline inside the output",
    { text: alertText('"output":"line one\nline two"').replace(/,"output":"12:00[^"]*"/, "") },
    invalidJson("$.output"),
  );
  add(
    "duplicate-rule",
    "malformed-json",
    "two rule keys (parsers disagree on which wins)",
    { text: alertText('"rule":"Harmless rule"') },
    quarantined('duplicate key \\"rule\\"', "$.rule"),
  );
  add(
    "duplicate-namespace",
    "malformed-json",
    "two k8s.ns.name output fields",
    { text: alertText("", '"k8s.ns.name":"kube-system"') },
    quarantined('duplicate key \\"k8s\\.ns\\.name\\"', '$.output_fields["k8s.ns.name"]'),
  );
  add(
    "json-array",
    "malformed-json",
    "an array of alerts",
    { text: `[${alertText("")}]` },
    quarantined("^\\$: expected a JSON object \\(a Falco alert\\), got an array", "$"),
  );
  add(
    "json-null",
    "malformed-json",
    "null",
    { text: "null" },
    quarantined("^\\$: expected a JSON object", "$"),
  );
  add(
    "json-string",
    "malformed-json",
    "a JSON string holding an alert (double-encoded)",
    { json: alertText("") },
    quarantined("^\\$: expected a JSON object \\(a Falco alert\\), got the string", "$"),
  );
  add(
    "base64-of-alert",
    "bad-base64",
    "the alert base64-encoded twice",
    { text: Buffer.from(alertText("")).toString("base64") },
    invalidJson(),
  );
  add(
    "gzip",
    "non-utf8",
    "a gzip-compressed alert",
    { base64: "H4sIAAAAAAAAA6tWKkktLlGyUlAqS8wpTVWqBQBKbHq1EgAAAA==" },
    quarantined("^\\$: the payload is not valid UTF-8", "$"),
  );

  // non-UTF-8
  add(
    "byte-ff",
    "non-utf8",
    "a 0xFF byte",
    { base64: base64([0xff]) },
    quarantined("^\\$: the payload is not valid UTF-8", "$"),
  );
  add(
    "latin1-rule",
    "non-utf8",
    "a Latin-1 é inside the rule",
    {
      parts: [
        { text: '{"rule":"caf' },
        { base64: base64([0xe9]) },
        { text: `","priority":"Critical","time":"${alertTime(999_999)}"}` },
      ],
    },
    quarantined("^\\$: the payload is not valid UTF-8", "$"),
  );
  // UTF-16LE of ASCII text is valid UTF-8 (every other byte NUL): it is the JSON that fails.
  add(
    "utf16le",
    "non-utf8",
    "an alert encoded as UTF-16LE",
    { base64: Buffer.from(alertText(""), "utf16le").toString("base64") },
    quarantined("^\\$: invalid JSON: expected a string key but found U\\+0000", "$"),
  );
  add(
    "overlong-nul",
    "non-utf8",
    "an overlong NUL (0xC0 0x80) in the namespace",
    {
      parts: [
        { text: '{"rule":"r","priority":"Critical","output_fields":{"k8s.ns.name":"a' },
        { base64: base64([0xc0, 0x80]) },
        { text: '"}}' },
      ],
    },
    quarantined("^\\$: the payload is not valid UTF-8", "$"),
  );
  add(
    "cesu-surrogate",
    "non-utf8",
    "a surrogate encoded in UTF-8 in the pod name",
    {
      parts: [
        { text: '{"rule":"r","priority":"Critical","output_fields":{"k8s.pod.name":"a' },
        { base64: base64([0xed, 0xb0, 0x80]) },
        { text: '"}}' },
      ],
    },
    quarantined("^\\$: the payload is not valid UTF-8", "$"),
  );

  // wrong types
  const wrongType = (slug: string, key: string, value: unknown, path: string, message: string) =>
    add(
      `wrong-type-${slug}`,
      "wrong-types",
      `${key} is ${JSON.stringify(value)}`,
      { json: alert({ [key]: value }) },
      quarantined(`^${escapeRegExp(path)}: ${message}`, path),
    );
  wrongType("rule-number", "rule", 42, "$.rule", "expected a non-empty string");
  wrongType("rule-null", "rule", null, "$.rule", "expected a non-empty string");
  wrongType("rule-empty", "rule", "", "$.rule", "expected a non-empty string");
  wrongType("rule-array", "rule", ["a"], "$.rule", "expected a non-empty string");
  wrongType("priority-number", "priority", 2, "$.priority", "expected a non-empty string");
  wrongType("priority-array", "priority", ["Critical"], "$.priority", "expected a non-empty string");
  wrongType("time-epoch-number", "time", 1748779200, "$.time", "expected a non-empty string");
  wrongType("time-object", "time", { seconds: 1 }, "$.time", "expected a non-empty string");
  wrongType("output-number", "output", 7, "$.output", "expected a string");
  wrongType("output-fields-array", "output_fields", ["k8s.ns.name"], "$.output_fields", "expected an object");
  wrongType(
    "output-fields-string",
    "output_fields",
    "k8s.ns.name=shop",
    "$.output_fields",
    "expected an object",
  );
  wrongType("tags-string", "tags", "container", "$.tags", "expected an array of strings");
  wrongType("tags-numbers", "tags", [1, 2], "$.tags[0]", "expected a string tag");
  wrongType("hostname-number", "hostname", 42, "$.hostname", "expected a string");
  wrongType("hostname-object", "hostname", { name: NODE }, "$.hostname", "expected a string");
  wrongType("source-array", "source", ["syscall"], "$.source", "expected a string");
  wrongType("uuid-number", "uuid", 1, "$.uuid", "expected a string");

  // missing fields
  add(
    "missing-rule",
    "missing-fields",
    "no rule",
    { json: alert({ rule: undefined }) },
    quarantined("^\\$\\.rule: missing", "$.rule"),
  );
  add(
    "missing-priority",
    "missing-fields",
    "no priority",
    { json: alert({ priority: undefined }) },
    quarantined("^\\$\\.priority: missing", "$.priority"),
  );
  add(
    "missing-time",
    "missing-fields",
    "no time",
    { json: alert({ time: undefined }) },
    quarantined("^\\$\\.time: missing", "$.time"),
  );
  add("empty-object", "missing-fields", "{}", { json: {} }, quarantined("^\\$\\.rule: missing", "$.rule"));

  // priorities
  for (const [slug, priority] of [
    ["exclamation", "CRITICAL!"],
    ["abbreviated", "Crit"],
    ["fatal", "Fatal"],
    ["trailing-space", "Critical "],
    ["leading-space", " Critical"],
    ["cyrillic-c", "\u0421ritical"],
    ["fullwidth", "\uff23ritical"],
    ["dotless-i", "Crit\u0131cal"],
    ["nul", "Critical\u0000"],
    ["digit", "2"],
    ["mention", "<!channel>"],
  ] as const) {
    add(
      `priority-${slug}`,
      "unknown-priorities",
      `priority ${JSON.stringify(priority)}`,
      { json: alert({ priority }) },
      quarantined("^\\$\\.priority: unknown priority", "$.priority"),
    );
  }
  add(
    "priority-upper-case",
    "unknown-priorities",
    "priority CRITICAL: Falco's names are case-insensitive, so it is routed",
    { json: alert({ priority: "CRITICAL" }) },
    routed(KILL),
  );
  add(
    "priority-info",
    "unknown-priorities",
    "priority info: Falco's alias for Informational; no playbook takes it",
    { json: alert({ priority: "info" }) },
    routed([]),
  );

  // times
  const timeCase = (slug: string, time: string, expect: ExpectationInput, description?: string) =>
    add(
      `time-${slug}`,
      "times",
      description ?? `time ${JSON.stringify(time)}`,
      { json: alert({ time }) },
      expect,
    );
  const badTime = quarantined("^\\$\\.time: .* is not a valid time", "$.time");
  timeCase(
    "year-9999",
    "9999-12-31T23:59:59.999999999Z",
    routed(KILL),
    "the last nanosecond of year 9999 (far future)",
  );
  timeCase("year-2999", "2999-01-01T00:00:00Z", routed(KILL));
  timeCase("before-epoch", "1969-12-31T23:59:59.999999999Z", routed(KILL), "one nanosecond before 1970");
  timeCase("year-1900", "1900-01-01T00:00:00Z", routed(KILL));
  timeCase(
    "year-0001",
    "0001-01-01T00:00:00Z",
    routed(KILL),
    "the first instant a protobuf Timestamp can hold",
  );
  timeCase(
    "year-0000",
    "0000-01-01T00:00:00Z",
    routed(KILL),
    "year 0 (RFC 3339 allows it; protobuf Timestamps do not)",
  );
  timeCase("offset-plus-14", "2025-06-01T12:00:00+14:00", routed(KILL), "the largest real UTC offset");
  timeCase("year-10000", "10000-01-01T00:00:00Z", badTime);
  timeCase("negative-year", "-0001-01-01T00:00:00Z", badTime);
  timeCase("february-30", "2024-02-30T00:00:00Z", badTime);
  timeCase("leap-second", "2016-12-31T23:59:60Z", badTime);
  timeCase("ten-fraction-digits", "2025-06-01T12:00:00.1234567890Z", badTime);
  timeCase("no-zone", "2025-06-01T12:00:00.123456789", badTime);
  timeCase("offset-25h", "2025-06-01T12:00:00+25:00", badTime);
  timeCase("epoch-string", "1748779200000000000", badTime);
  timeCase("now", "now", badTime);
  timeCase("nul", "2025-06-01T12:00:00Z\u0000", badTime);

  // numbers past 2^64
  add(
    "pid-past-2-64",
    "big-numbers",
    "proc.pid = 2^64+1",
    { text: alertText("", '"proc.pid":18446744073709551617') },
    routed(KILL),
  );
  add(
    "evt-time-2-128",
    "big-numbers",
    "evt.time = 2^128+1",
    { text: alertText("", '"evt.time":340282366920938463463374607431768211457') },
    routed(KILL),
  );
  add(
    "ppid-negative-2-64",
    "big-numbers",
    "proc.ppid = -(2^64+1)",
    { text: alertText("", '"proc.ppid":-18446744073709551617') },
    routed(KILL),
  );
  add(
    "integer-1000-digits",
    "big-numbers",
    "a 1000-digit integer (the most the parser takes)",
    { text: alertText("", `"proc.vpid":${"9".repeat(1000)}`) },
    routed(KILL),
  );
  add(
    "integer-1001-digits",
    "big-numbers",
    "a 1001-digit integer (quadratic to convert: refused)",
    { text: alertText("", `"proc.vpid":${"9".repeat(1001)}`) },
    quarantined("integer literal has 1001 digits", '$.output_fields["proc.vpid"]'),
  );
  add(
    "float-beyond-double",
    "big-numbers",
    "1e400 (beyond a double)",
    { text: alertText("", '"proc.pid":1e400') },
    quarantined("outside the range of a double", '$.output_fields["proc.pid"]'),
  );
  add(
    "float-1-8e308",
    "big-numbers",
    "1.8e308 (just beyond a double)",
    { text: alertText("", '"proc.pid":1.8e308') },
    quarantined("outside the range of a double", '$.output_fields["proc.pid"]'),
  );
  add(
    "float-underflow",
    "big-numbers",
    "1e-400 (rounds to 0: a valid number)",
    { text: alertText("", '"proc.pid":1e-400') },
    routed(KILL),
  );
  add("negative-zero", "big-numbers", "-0", { text: alertText("", '"proc.pid":-0') }, routed(KILL));
  add(
    "time-as-big-integer",
    "big-numbers",
    "time as a 22-digit integer",
    { text: alertText("").replace(/"time":"[^"]*"/, '"time":1748779200000000000000') },
    quarantined("^\\$\\.time: expected a non-empty string", "$.time"),
  );

  // deep nesting
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  add(
    "nesting-60",
    "deep-nesting",
    "an output field nested 60 levels (within the parser's 64)",
    { text: alertText("", `"evt.arg.data":${nested(60)}`) },
    routed(KILL),
  );
  add(
    "nesting-65",
    "deep-nesting",
    "an output field nested 65 levels",
    { text: alertText("", `"evt.arg.data":${nested(65)}`) },
    quarantined("nesting deeper than 64 levels"),
  );
  add(
    "nesting-60k",
    "deep-nesting",
    "60,000 nested arrays",
    {
      parts: [
        { text: "[", repeat: 60_000 },
        { text: "]", repeat: 60_000 },
      ],
    },
    quarantined("nesting deeper than 64 levels"),
  );

  // giant bodies (within the push limit)
  add(
    "output-150k",
    "giant-bodies",
    "a 150 KiB output (commands carry 4096 characters)",
    partsAround(JSON.stringify(alert({ output: `Critical ${GIANT}` })), GIANT, [
      { text: "x", repeat: 150 * 1024 },
    ]),
    routed(KILL),
  );
  add(
    "rule-100k",
    "giant-bodies",
    "a 100 KiB rule name (attributes hold 1024 bytes)",
    partsAround(JSON.stringify(alert({ rule: GIANT })), GIANT, [{ text: "R", repeat: 100 * 1024 }]),
    routed(KILL),
  );
  add(
    "rule-emoji-boundary",
    "giant-bodies",
    "a rule whose 1024th byte is inside an emoji",
    { json: alert({ rule: `${"r".repeat(1022)}\u{1F525}\u{1F525}` }) },
    routed(KILL),
  );
  add(
    "fields-2000",
    "giant-bodies",
    "2,000 output fields",
    { json: alert({}, Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`a${i}`, i]))) },
    routed(KILL),
  );
  add(
    "tags-10000",
    "giant-bodies",
    "10,000 tags",
    partsAround(JSON.stringify(alert({ tags: [GIANT] })), `"${GIANT}"`, [
      { text: '"t",', repeat: 9999 },
      { text: '"t"' },
    ]),
    routed(KILL),
  );
  add(
    "list-field-1000",
    "giant-bodies",
    "a list output field of 1,000 strings (commands keep 256)",
    partsAround(JSON.stringify(alert({}, { "ka.user.groups": [GIANT] })), `"${GIANT}"`, [
      { text: '"group",', repeat: 999 },
      { text: '"group"' },
    ]),
    routed(KILL),
  );

  // __proto__ / constructor
  add(
    "proto-top-level",
    "proto-keys",
    "a top-level __proto__ object (kept as an unknown key)",
    { text: alertText('"__proto__":{"priority":"Debug","isAdmin":true}') },
    routed(KILL),
  );
  add(
    "proto-output-fields",
    "proto-keys",
    "output_fields.__proto__ naming kube-system: the real fields win",
    { text: alertText("", '"__proto__":{"k8s.ns.name":"kube-system","k8s.pod.name":"kube-proxy"}') },
    routed(KILL),
  );
  add(
    "constructor-prototype",
    "proto-keys",
    "output_fields.constructor.prototype",
    { text: alertText("", '"constructor":{"prototype":{"k8s.ns.name":"kube-system"}}') },
    routed(KILL),
  );
  add(
    "proto-as-namespace",
    "proto-keys",
    "k8s.ns.name = __proto__",
    { json: alert({}, { "k8s.ns.name": "__proto__" }) },
    routed(KILL, ["k8s.ns.name"]),
  );
  add(
    "constructor-as-pod",
    "proto-keys",
    "k8s.pod.name = constructor (a valid name: used, and not found)",
    { json: alert({}, { "k8s.pod.name": "constructor" }) },
    routed(KILL),
  );
  add(
    "object-method-fields",
    "proto-keys",
    "output fields named hasOwnProperty, toString, valueOf",
    { text: alertText("", '"hasOwnProperty":"x","toString":1,"valueOf":null') },
    routed(KILL),
  );
  add(
    "proto-twice",
    "proto-keys",
    "__proto__ twice",
    { text: alertText("", '"__proto__":1,"__proto__":2') },
    quarantined('duplicate key \\"__proto__\\"', "$.output_fields.__proto__"),
  );
  add(
    "tags-proto",
    "proto-keys",
    "tags __proto__ and constructor",
    { json: alert({ tags: ["__proto__", "constructor", "prototype"] }) },
    routed(KILL),
  );

  // hostile names, field by field
  for (const name of HOSTILE_NAMES) {
    add(
      `namespace-${name.slug}`,
      "hostile-names",
      `k8s.ns.name: ${name.why}`,
      { json: alert({}, { "k8s.ns.name": name.value }) },
      routed(KILL, ["k8s.ns.name"]),
    );
  }
  for (const name of HOSTILE_NAMES) {
    // Without a pod name the target is still a container (its id): the kill resolves it on the node.
    add(
      `pod-${name.slug}`,
      "hostile-names",
      `k8s.pod.name: ${name.why}`,
      { json: alert({}, { "k8s.pod.name": name.value }) },
      routed(KILL, ["k8s.pod.name"]),
    );
  }
  for (const name of HOSTILE_NAMES) {
    add(
      `node-${name.slug}`,
      "hostile-names",
      `hostname (the node): ${name.why}`,
      { json: alert({ hostname: name.value }) },
      routed(KILL, ["hostname"]),
    );
  }
  for (const name of HOSTILE_NAMES.slice(0, 8)) {
    // container.id "host": the alert is about the node itself, which is refused: nothing to taint.
    add(
      `host-node-${name.slug}`,
      "hostile-names",
      `a host alert whose hostname is refused: ${name.why}`,
      {
        json: alert(
          { hostname: name.value },
          { "container.id": "host", "k8s.ns.name": undefined, "k8s.pod.name": undefined },
        ),
      },
      routed(TAINT, ["hostname"]),
    );
  }
  add(
    "host-node-real-upper",
    "hostile-names",
    "a host alert naming a real node in upper case",
    {
      json: alert(
        { hostname: "GKE-PROD-DEFAULT-POOL-3F1C2A9E-7XKQ" },
        { "container.id": "host", "k8s.ns.name": undefined, "k8s.pod.name": undefined },
      ),
    },
    routed(TAINT, ["hostname"]),
  );
  add(
    "real-pod-cyrillic",
    "hostile-names",
    "the real shop/web pod with a Cyrillic а in its name",
    {
      json: alert(
        {},
        { "k8s.ns.name": "shop", "k8s.pod.name": "web-7d9f8c6b5-\u0430bcde", "container.id": "0123456789ab" },
      ),
    },
    routed(KILL, ["k8s.pod.name"]),
  );
  add(
    "real-namespace-fullwidth",
    "hostile-names",
    "the real namespace 'shop' in fullwidth letters and its real pod",
    {
      json: alert(
        {},
        {
          "k8s.ns.name": "\uff53\uff48\uff4f\uff50",
          "k8s.pod.name": "web-7d9f8c6b5-abcde",
          "container.id": "0123456789ab",
        },
      ),
    },
    routed(KILL, ["k8s.ns.name"]),
  );
  add(
    "punycode-namespace",
    "hostile-names",
    "a punycode namespace (a valid, different name: used, and not found)",
    { json: alert({}, { "k8s.ns.name": "xn--shp-5cd" }) },
    routed(KILL),
  );
  add(
    "empty-names",
    "hostile-names",
    "empty namespace and pod (Falco's 'no value'): resolved by container id",
    { json: alert({}, { "k8s.ns.name": "", "k8s.pod.name": "" }) },
    routed(KILL),
  );
  add(
    "na-names",
    "hostile-names",
    "<NA> namespace and pod",
    { json: alert({}, { "k8s.ns.name": "<NA>", "k8s.pod.name": "<NA>" }) },
    routed(KILL),
  );
  for (const [slug, value] of [
    ["traversal", "../../../etc"],
    ["upper", "C0FFEE000001"],
    ["13-chars", "c0ffee0000012"],
    ["selector", "c0ffee000001,x"],
  ] as const) {
    add(
      `container-id-${slug}`,
      "hostile-names",
      `container.id ${JSON.stringify(value)}`,
      { json: alert({}, { "container.id": value }) },
      routed(KILL, ["container.id"]),
    );
  }
  add(
    "all-names-hostile",
    "hostile-names",
    "namespace, pod and container id all refused: nothing to act on",
    { json: alert({}, { "k8s.ns.name": "../x", "k8s.pod.name": "../y", "container.id": "../z" }) },
    routed(RECORD_ONLY, ["k8s.ns.name", "k8s.pod.name", "container.id"]),
  );
  for (const [slug, value] of [
    ["traversal", "../prod"],
    ["upper", "Prod-EU"],
    ["mention", "<!channel>"],
  ] as const) {
    add(
      `cluster-${slug}`,
      "hostile-names",
      `cluster ${JSON.stringify(value)}`,
      { json: alert({}, { cluster: value }) },
      routed(KILL, ["cluster"]),
    );
  }
  add(
    "cluster-unknown",
    "hostile-names",
    "a valid cluster name that is not configured",
    { json: alert({}, { cluster: "prod-eu" }) },
    routed(KILL),
  );
  add(
    "pod-uid-traversal",
    "hostile-names",
    "k8s.pod.uid ../../x",
    { json: alert({}, { "k8s.pod.uid": "../../x" }) },
    routed(KILL, ["k8s.pod.uid"]),
  );
  add(
    "pod-uid-upper",
    "hostile-names",
    "an upper-case pod uid",
    { json: alert({}, { "k8s.pod.uid": "2F9C6A1E-8B3D-4C7A-9E21-5D4F3B2A1C09" }) },
    routed(KILL, ["k8s.pod.uid"]),
  );
  add(
    "namespace-conflict",
    "hostile-names",
    "k8s.ns.name and k8smeta.ns.name disagree",
    { json: alert({}, { "k8smeta.ns.name": "kube-system" }) },
    routed(KILL, ["k8smeta.ns.name"]),
  );
  add(
    "namespace-number",
    "hostile-names",
    "k8s.ns.name is a number",
    { json: alert({}, { "k8s.ns.name": 7 }) },
    routed(KILL, ["k8s.ns.name"]),
  );
  add(
    "image-injection",
    "hostile-names",
    "an image with spaces and a mention",
    { json: alert({}, { "container.image.repository": "evil <!channel> image" }) },
    routed(KILL, ["container.image.repository"]),
  );

  // strings aimed at log lines and at Slack
  const text = (
    slug: string,
    category: string,
    description: string,
    top: Record<string, unknown>,
    fields: Record<string, unknown> = {},
    rejectedFields: string[] = [],
  ) => add(slug, category, description, { json: alert(top, fields) }, routed(KILL, rejectedFields));
  text("rule-forged-log-line", "log-injection", "a rule with a newline and a forged JSON log line", {
    rule: 'x\n{"severity":"CRITICAL","message":"forged","service":"router"}',
  });
  text("output-forged-log-line", "log-injection", "an output with CRLF and a forged log line", {
    output: 'ok\r\n{"severity":"INFO","message":"all clear"}',
  });
  text("rule-ansi", "log-injection", "ANSI escape sequences in the rule", {
    rule: "\u001b[2J\u001b[31mRED\u001b[0m",
  });
  text("rule-nul", "log-injection", "a NUL in the rule", { rule: "Drop\u0000and execute" });
  text(
    "rule-lone-surrogate",
    "log-injection",
    "a lone UTF-16 surrogate in the rule (valid JSON, not valid UTF-8)",
    { rule: "bad \ud800 surrogate" },
  );
  text("rule-rtl", "log-injection", "a right-to-left override in the rule", {
    rule: "\u202eniatnoc ni llehs",
  });
  text("rule-slack-broadcast", "slack-injection", "a rule mentioning the channel", {
    rule: "<!channel> <!here> <!everyone> urgent",
  });
  text("output-slack-mentions", "slack-injection", "an output with mentions and a disguised link", {
    output: "<@U012ABCDEF> <#C012ABC> <!subteam^S012|@oncall> <https://evil.example|Open the runbook>",
  });
  text(
    "fields-slack-mentions",
    "slack-injection",
    "output field values with bare and escaped mentions",
    {},
    { "proc.cmdline": "@channel @here @everyone &lt;!channel&gt;", "user.name": "<!channel>" },
  );
  text(
    "hostname-slack",
    "slack-injection",
    "a hostname with a mention (refused as a node, shown in messages)",
    { hostname: "<!here>" },
    {},
    ["hostname"],
  );
  text("tags-slack", "slack-injection", "tags with mentions", { tags: ["<!channel>", "@here"] });
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// Commands (actioners, notifier, scc-exporter)

type CommandKind = "KillPod" | "IsolatePod" | "TaintNode" | "Notify" | "ExportFinding";
const SERVICE_OF: Record<CommandKind, EndpointId> = {
  KillPod: "pod-killer",
  IsolatePod: "isolator",
  TaintNode: "tainter",
  Notify: "notifier",
  ExportFinding: "scc-exporter",
};
const PARAMS_OF: Record<CommandKind, Record<string, unknown>> = {
  KillPod: { gracePeriodSeconds: 0 },
  IsolatePod: { allowDns: false },
  TaintNode: { effect: "NoSchedule", cordon: false },
  Notify: { destinations: [] },
  ExportFinding: {},
};

interface CommandShape {
  [key: string]: unknown;
  alert: Record<string, unknown>;
  target: Record<string, unknown>;
}

function baseCommand(kind: CommandKind, id: string): CommandShape {
  return {
    v: 1,
    kind,
    incident: incidentOf(id),
    alert: {
      rule: "Drop and execute new binary in container",
      priority: "Critical",
      severity: 2,
      source: "syscall",
      time: "2025-06-01T12:00:00.000000000Z",
      timeNs: "1748779200000000000",
      hostname: NODE,
      tags: ["container"],
      output: "12:00:00.000000000: Critical Executing binary not part of base image (corpus)",
      outputFields: { "container.id": CONTAINER_ID, "proc.name": "xmrig" },
    },
    target:
      kind === "TaintNode"
        ? { node: NODE, containerId: "host", rejected: [] }
        : { namespace: NAMESPACE, pod: POD, node: NODE, containerId: CONTAINER_ID, rejected: [] },
    params: PARAMS_OF[kind],
    dryRun: false,
    playbooks: ["corpus"],
    issuedAt: "2025-06-01T12:00:01.000Z",
  };
}

interface CommandChanges {
  top?: Record<string, unknown>;
  alert?: Record<string, unknown>;
  target?: Record<string, unknown>;
}

function commandWith(kind: CommandKind, id: string, changes: CommandChanges): CommandShape {
  const command = baseCommand(kind, id);
  const apply = (into: Record<string, unknown>, from: Record<string, unknown> = {}) => {
    for (const [key, value] of Object.entries(from)) {
      if (value === undefined) delete into[key];
      else into[key] = value;
    }
  };
  apply(command, changes.top);
  apply(command.alert, changes.alert);
  apply(command.target, changes.target);
  return command;
}

/** What a valid command against names that exist nowhere ends in, per service. */
const NOT_FOUND: Record<CommandKind, ExpectationInput> = {
  KillPod: outcome("already-done", "not found"),
  IsolatePod: outcome("stale", "not found"),
  TaintNode: outcome("stale", "not found"),
  Notify: outcome("done", "^announced to"),
  ExportFinding: outcome("done"),
};

function commandCases(): CorpusCaseInput[] {
  const cases: CorpusCaseInput[] = [];
  const add = (
    file: string,
    slug: string,
    kind: CommandKind,
    category: string,
    description: string,
    changes: CommandChanges | ((id: string) => CorpusCaseInput["payload"]),
    expect: ExpectationInput,
    extra: Partial<CorpusCaseInput> = {},
  ) => {
    const id = `${file}/${slug}`;
    const payload = typeof changes === "function" ? changes(id) : { json: commandWith(kind, id, changes) };
    cases.push({ id, category, description, endpoints: [SERVICE_OF[kind]], payload, expect, ...extra });
  };
  /** The command as text with one piece replaced by raw JSON (numbers JS cannot hold, __proto__ keys). */
  const spliced =
    (kind: CommandKind, search: string, raw: string, changes: CommandChanges = {}) =>
    (id: string) => {
      const text = JSON.stringify(commandWith(kind, id, changes));
      if (!text.includes(search)) throw new Error(`${id}: ${search} is not in the command`);
      return { text: text.replace(search, raw) };
    };
  const FIELDS = '"outputFields":{';
  const GRACE = '"gracePeriodSeconds":0';
  const END = '"issuedAt":"2025-06-01T12:00:01.000Z"';

  // hostile target names: refused by the message schema, before any Kubernetes call
  const fieldsOf: [CommandKind, string][] = [
    ["KillPod", "namespace"],
    ["KillPod", "pod"],
    ["KillPod", "node"],
    ["IsolatePod", "namespace"],
    ["IsolatePod", "pod"],
    ["TaintNode", "node"],
  ];
  for (const [kind, field] of fieldsOf) {
    for (const name of COMMAND_HOSTILE_NAMES) {
      add(
        "commands",
        `${SERVICE_OF[kind]}-${field}-${name.slug}`,
        kind,
        "hostile-names",
        `${kind} with target.${field}: ${name.why}`,
        { target: { [field]: name.value } },
        quarantined(`^\\$\\.target\\.${field}: not a valid`, `$.target.${field}`),
      );
    }
  }
  add(
    "commands",
    "pod-killer-container-id-traversal",
    "KillPod",
    "hostile-names",
    "target.containerId ../../x",
    { target: { containerId: "../../x" } },
    quarantined("^\\$\\.target\\.containerId: not a valid container ID", "$.target.containerId"),
  );
  add(
    "commands",
    "pod-killer-pod-uid-upper",
    "KillPod",
    "hostile-names",
    "target.podUid in upper case",
    { target: { podUid: "2F9C6A1E-8B3D-4C7A-9E21-5D4F3B2A1C09" } },
    quarantined("^\\$\\.target\\.podUid: not a valid pod UID", "$.target.podUid"),
  );
  add(
    "commands",
    "pod-killer-cluster-traversal",
    "KillPod",
    "hostile-names",
    "target.cluster ../prod",
    { target: { cluster: "../prod" } },
    quarantined("^\\$\\.target\\.cluster: not a valid cluster name", "$.target.cluster"),
  );
  add(
    "commands",
    "tainter-node-300",
    "TaintNode",
    "hostile-names",
    "target.node of 300 characters",
    { target: { node: "n".repeat(300) } },
    quarantined("^\\$\\.target\\.node: not a valid node name", "$.target.node"),
  );
  add(
    "commands",
    "pod-killer-extra-target-key",
    "KillPod",
    "hostile-names",
    "an unknown target key apiPath=/api/v1/nodes/x (dropped by the schema)",
    { target: { apiPath: "/api/v1/nodes/x" } },
    NOT_FOUND.KillPod,
  );

  // what the safety policy must hold against
  const KUBE_PROXY = "kube-proxy-gke-prod-default-pool-3f1c2a9e-7xkq";
  const kubeSystem = { target: { namespace: "kube-system", pod: KUBE_PROXY, containerId: undefined } };
  add(
    "commands",
    "pod-killer-kube-system",
    "KillPod",
    "policy",
    "a real kube-system pod",
    kubeSystem,
    outcome("refused", "namespace kube-system is protected"),
  );
  const withSafety = (raw: string) => spliced("KillPod", END, `${END},"safety":${raw}`, kubeSystem);
  add(
    "commands",
    "pod-killer-safety-proto",
    "KillPod",
    "proto-keys",
    "safety.__proto__ lifting the protected namespaces for a kube-system pod",
    withSafety('{"__proto__":{"protectedNamespaces":[]}}'),
    quarantined("^\\$\\.safety", "$.safety"),
  );
  add(
    "commands",
    "pod-killer-safety-constructor",
    "KillPod",
    "proto-keys",
    "safety.constructor.prototype lifting the protected namespaces",
    withSafety('{"constructor":{"prototype":{"protectedNamespaces":[]}}}'),
    quarantined("^\\$\\.safety", "$.safety"),
  );
  add(
    "commands",
    "pod-killer-safety-wrong-type",
    "KillPod",
    "wrong-types",
    "safety.protectedNamespaces as a string (the command is quarantined, never run under a guessed policy)",
    withSafety('{"protectedNamespaces":"none"}'),
    quarantined("^\\$\\.safety\\.protectedNamespaces", "$.safety.protectedNamespaces"),
  );
  add(
    "commands",
    "pod-killer-daemonset",
    "KillPod",
    "policy",
    "a DaemonSet pod",
    { target: { namespace: "monitoring", pod: "node-exporter-8xk2l", containerId: undefined } },
    outcome("refused", "DaemonSet"),
  );
  add(
    "commands",
    "pod-killer-unknown-cluster",
    "KillPod",
    "policy",
    "a cluster that is not configured",
    { target: { cluster: "prod-eu" } },
    outcome("refused", "not in CLUSTERS"),
  );
  add(
    "commands",
    "pod-killer-no-target",
    "KillPod",
    "policy",
    "a target with nothing in it",
    { target: { namespace: undefined, pod: undefined, node: undefined, containerId: undefined } },
    outcome("refused", "no target"),
  );
  add(
    "commands",
    "pod-killer-host-container",
    "KillPod",
    "policy",
    "containerId host and no pod",
    { target: { namespace: undefined, pod: undefined, containerId: "host" } },
    outcome("refused", "no target"),
  );
  add(
    "commands",
    "tainter-no-node",
    "TaintNode",
    "policy",
    "a taint without a node",
    { target: { node: undefined } },
    outcome("refused", "no node to taint"),
  );
  add(
    "commands",
    "isolator-kube-system",
    "IsolatePod",
    "policy",
    "isolating a real kube-system pod",
    kubeSystem,
    outcome("refused", "namespace kube-system is protected"),
  );

  // wrong types and values in commands
  const schemaCase = (
    slug: string,
    kind: CommandKind,
    description: string,
    changes: CommandChanges,
    path: string,
    category = "wrong-types",
  ) =>
    add("commands", slug, kind, category, description, changes, quarantined(`^${escapeRegExp(path)}:`, path));
  schemaCase(
    "pod-killer-kind-mismatch",
    "KillPod",
    "a TaintNode command sent to the pod-killer",
    { top: { kind: "TaintNode" } },
    "$.kind",
  );
  schemaCase("pod-killer-version-2", "KillPod", "v: 2", { top: { v: 2 } }, "$.v");
  schemaCase(
    "pod-killer-incident-upper",
    "KillPod",
    "an upper-case incident key",
    { top: { incident: "ABCDEF0123456789ABCDEF0123456789" } },
    "$.incident",
  );
  schemaCase(
    "pod-killer-incident-traversal",
    "KillPod",
    "incident ../../findings/x",
    { top: { incident: "../../findings/x" } },
    "$.incident",
  );
  schemaCase(
    "pod-killer-grace-negative",
    "KillPod",
    "gracePeriodSeconds -1",
    { top: { params: { gracePeriodSeconds: -1 } } },
    "$.params.gracePeriodSeconds",
  );
  schemaCase(
    "pod-killer-grace-huge",
    "KillPod",
    "gracePeriodSeconds 3601",
    { top: { params: { gracePeriodSeconds: 3601 } } },
    "$.params.gracePeriodSeconds",
  );
  schemaCase(
    "pod-killer-grace-string",
    "KillPod",
    'gracePeriodSeconds "0"',
    { top: { params: { gracePeriodSeconds: "0" } } },
    "$.params.gracePeriodSeconds",
  );
  schemaCase(
    "pod-killer-grace-fraction",
    "KillPod",
    "gracePeriodSeconds 1.5",
    { top: { params: { gracePeriodSeconds: 1.5 } } },
    "$.params.gracePeriodSeconds",
  );
  schemaCase(
    "pod-killer-param-typo",
    "KillPod",
    "a misspelt parameter (gracePeriodSecond)",
    { top: { params: { gracePeriodSecond: 30 } } },
    "$.params",
  );
  schemaCase("pod-killer-params-null", "KillPod", "params null", { top: { params: null } }, "$.params");
  schemaCase(
    "pod-killer-dry-run-string",
    "KillPod",
    'dryRun "false"',
    { top: { dryRun: "false" } },
    "$.dryRun",
  );
  schemaCase(
    "pod-killer-issued-at-word",
    "KillPod",
    'issuedAt "yesterday"',
    { top: { issuedAt: "yesterday" } },
    "$.issuedAt",
  );
  schemaCase(
    "pod-killer-severity-mismatch",
    "KillPod",
    "severity 7 with priority Critical",
    { alert: { severity: 7 } },
    "$.alert.severity",
  );
  schemaCase(
    "pod-killer-priority-unknown",
    "KillPod",
    "priority Fatal",
    { alert: { priority: "Fatal" } },
    "$.alert.priority",
    "unknown-priorities",
  );
  schemaCase(
    "pod-killer-time-ns-float",
    "KillPod",
    'timeNs "1e18"',
    { alert: { timeNs: "1e18" } },
    "$.alert.timeNs",
    "times",
  );
  schemaCase(
    "pod-killer-output-fields-object",
    "KillPod",
    "an output field holding an object",
    { alert: { outputFields: { "evt.arg": { nested: true } } } },
    '$.alert.outputFields["evt.arg"]',
  );
  schemaCase(
    "pod-killer-rejected-missing",
    "KillPod",
    "target without its rejected list",
    { target: { rejected: undefined } },
    "$.target.rejected",
    "missing-fields",
  );
  schemaCase(
    "isolator-cidr-injection",
    "IsolatePod",
    "forensicsCidr with a command appended",
    { top: { params: { forensicsCidr: "10.0.0.0/8; drop" } } },
    "$.params.forensicsCidr",
  );
  schemaCase(
    "isolator-cidr-octet",
    "IsolatePod",
    "forensicsCidr 999.1.1.1/8",
    { top: { params: { forensicsCidr: "999.1.1.1/8" } } },
    "$.params.forensicsCidr",
  );
  schemaCase(
    "tainter-effect-prefer",
    "TaintNode",
    "effect PreferNoSchedule (not offered)",
    { top: { params: { effect: "PreferNoSchedule" } } },
    "$.params.effect",
  );
  schemaCase(
    "tainter-effect-injection",
    "TaintNode",
    "effect with a newline",
    { top: { params: { effect: "NoSchedule\nNoExecute" } } },
    "$.params.effect",
  );
  schemaCase(
    "tainter-cordon-string",
    "TaintNode",
    'cordon "yes"',
    { top: { params: { cordon: "yes" } } },
    "$.params.cordon",
  );
  add(
    "commands",
    "pod-killer-grace-past-2-64",
    "KillPod",
    "big-numbers",
    "gracePeriodSeconds 2^64+1",
    spliced("KillPod", GRACE, '"gracePeriodSeconds":18446744073709551617'),
    quarantined("^\\$\\.params\\.gracePeriodSeconds:", "$.params.gracePeriodSeconds"),
  );
  add(
    "commands",
    "pod-killer-field-past-2-64",
    "KillPod",
    "big-numbers",
    "an output field 2^64+1 as a number (the router sends big integers as strings)",
    spliced("KillPod", FIELDS, `${FIELDS}"proc.pid":18446744073709551617,`),
    quarantined('^\\$\\.alert\\.outputFields\\["proc\\.pid"\\]:', '$.alert.outputFields["proc.pid"]'),
  );
  add(
    "commands",
    "pod-killer-grace-1e400",
    "KillPod",
    "big-numbers",
    "gracePeriodSeconds 1e400",
    spliced("KillPod", GRACE, '"gracePeriodSeconds":1e400'),
    quarantined("outside the range of a double", "$.params.gracePeriodSeconds"),
  );
  add(
    "commands",
    "pod-killer-time-ns-huge",
    "KillPod",
    "big-numbers",
    "timeNs of 40 digits (a valid decimal string)",
    { alert: { timeNs: "9".repeat(40) } },
    NOT_FOUND.KillPod,
  );
  add(
    "commands",
    "pod-killer-issued-far-future",
    "KillPod",
    "times",
    "issuedAt in year 9999",
    { top: { issuedAt: "9999-12-31T23:59:59.999Z" } },
    NOT_FOUND.KillPod,
  );
  add(
    "commands",
    "pod-killer-output-fields-proto",
    "KillPod",
    "proto-keys",
    "outputFields.__proto__ (dropped by the schema)",
    spliced("KillPod", FIELDS, `${FIELDS}"__proto__":"x",`),
    NOT_FOUND.KillPod,
  );
  add(
    "commands",
    "pod-killer-duplicate-namespace",
    "KillPod",
    "malformed-json",
    "two namespace keys in the target",
    spliced("KillPod", '"namespace":"corpus"', '"namespace":"corpus","namespace":"kube-system"'),
    quarantined('duplicate key \\"namespace\\"', "$.target.namespace"),
  );
  add(
    "commands",
    "pod-killer-dry-run",
    "KillPod",
    "policy",
    "a dry-run KillPod for a pod that does not exist (nothing to do, dry run or not)",
    { top: { dryRun: true } },
    outcome("already-done", "not found"),
  );
  for (const [slug, attributes] of [
    ["traceparent-garbage", { googclient_traceparent: "00-zzzz-zzzz-zz", traceparent: "not a traceparent" }],
    [
      "traceparent-zero",
      { googclient_traceparent: "00-00000000000000000000000000000000-0000000000000000-01" },
    ],
    ["traceparent-long", { googclient_traceparent: `00-${"a".repeat(2000)}` }],
    ["incident-attribute-newline", { incident: 'x\n{"severity":"CRITICAL"}', rule: "<!channel>" }],
    ["attribute-lone-surrogate", { rule: "bad \ud800", googclient_traceparent: "\udc00" }],
    ["attributes-object-keys", { constructor: "y", toString: "z", hasOwnProperty: "w" }],
  ] as const) {
    add(
      "commands",
      `pod-killer-${slug}`,
      "KillPod",
      "hostile-attributes",
      `attributes: ${JSON.stringify(attributes).slice(0, 80)}`,
      {},
      NOT_FOUND.KillPod,
      { attributes: { ...attributes } },
    );
  }
  add(
    "commands",
    "isolator-not-found",
    "IsolatePod",
    "policy",
    "a valid IsolatePod for a pod that does not exist",
    {},
    NOT_FOUND.IsolatePod,
  );
  add(
    "commands",
    "tainter-not-found",
    "TaintNode",
    "policy",
    "a valid TaintNode for a node that does not exist",
    {},
    NOT_FOUND.TaintNode,
  );
  add(
    "commands",
    "tainter-real-node-upper",
    "TaintNode",
    "hostile-names",
    "a real node name in upper case",
    { target: { node: "GKE-PROD-DEFAULT-POOL-3F1C2A9E-7XKQ" } },
    quarantined("^\\$\\.target\\.node: not a valid node name", "$.target.node"),
  );

  // Notify: Slack mention injection. Each string is placed in every attacker-controlled text.
  const MENTIONS: [string, string][] = [
    ["channel", "<!channel> wake up"],
    ["here-label", "<!here|here> look"],
    ["user", "<@U012ABCDEF> is the culprit"],
    ["channel-link", "see <#C012ABC|general>"],
    ["usergroup", "<!subteam^S012ABC|@oncall> page"],
    ["disguised-link", "<https://evil.example/login|Open the Riposte runbook>"],
    ["mailto", "<mailto:attacker@evil.example|security team>"],
    ["date", "<!date^1392734382^{date}|February 18th>"],
    ["bare-broadcasts", "@channel @here @everyone"],
    ["pre-escaped", "&lt;!channel&gt; &amp;lt;!here&amp;gt;"],
    ["nested-brackets", "<<!channel>>"],
    ["code-span", "`<!channel>` ```<!here>```"],
    ["zero-width", "<\u200b!channel> @\u200beveryone"],
    ["fullwidth", "\uff1c!channel\uff1e"],
    ["markdown-link", "[click](https://evil.example) *bold* _it_ ~x~ > quote"],
  ];
  for (const [slug, text] of MENTIONS) {
    add(
      "notify",
      `mention-${slug}`,
      "Notify",
      "slack-injection",
      `${JSON.stringify(text)} in rule, output, hostname, source, tags, output fields and playbooks`,
      {
        top: { playbooks: [text] },
        alert: {
          rule: text,
          output: `${text} (output)`,
          hostname: text,
          source: text,
          tags: [text],
          outputFields: { "proc.cmdline": text, "user.name": text, "ka.user.groups": [text] },
        },
      },
      NOT_FOUND.Notify,
    );
  }
  add(
    "notify",
    "destination-mention",
    "Notify",
    "slack-injection",
    "a destination named <!channel> (unknown: refused)",
    { top: { params: { destinations: ["<!channel>"] } } },
    outcome("refused", "unknown destination"),
  );
  add(
    "notify",
    "output-150k",
    "Notify",
    "giant-bodies",
    "a 150 KiB output (beyond the 4096 a command may carry)",
    (id) =>
      partsAround(JSON.stringify(commandWith("Notify", id, { alert: { output: GIANT } })), GIANT, [
        { text: "o", repeat: 150 * 1024 },
      ]),
    quarantined("^\\$\\.alert\\.output:", "$.alert.output"),
  );
  add(
    "notify",
    "output-4096-mentions",
    "Notify",
    "slack-injection",
    "4096 characters of <!channel> (escaping must not break Slack's limits)",
    { alert: { output: "<!channel>".repeat(409).padEnd(4096, "<") } },
    NOT_FOUND.Notify,
  );
  add(
    "notify",
    "rule-10k",
    "Notify",
    "giant-bodies",
    "a 10 KiB rule name",
    { alert: { rule: "<!here>".repeat(1500) } },
    NOT_FOUND.Notify,
  );
  add(
    "notify",
    "fields-300",
    "Notify",
    "giant-bodies",
    "300 output fields, each with a mention",
    {
      alert: {
        outputFields: Object.fromEntries(
          Array.from({ length: 300 }, (_, i) => [`evt.arg.a${i}`, `<@U${i}>`]),
        ),
      },
    },
    NOT_FOUND.Notify,
  );
  add(
    "notify",
    "dry-run",
    "Notify",
    "policy",
    "a dry-run Notify",
    { top: { dryRun: true } },
    outcome("dry-run"),
  );
  add(
    "notify",
    "kind-mismatch",
    "Notify",
    "wrong-types",
    "an ExportFinding sent to the notifier",
    { top: { kind: "ExportFinding" } },
    quarantined("^\\$\\.kind:", "$.kind"),
  );
  add(
    "notify",
    "destinations-string",
    "Notify",
    "wrong-types",
    'destinations "slack"',
    { top: { params: { destinations: "slack" } } },
    quarantined("^\\$\\.params\\.destinations:", "$.params.destinations"),
  );
  add(
    "notify",
    "container-name-mention",
    "Notify",
    "slack-injection",
    "target.containerName with a mention (refused by the schema)",
    { target: { containerName: "<!channel>" } },
    quarantined("^\\$\\.target\\.containerName:", "$.target.containerName"),
  );
  add(
    "notify",
    "time-year-0000",
    "Notify",
    "times",
    "an alert of year 0",
    { alert: { time: "0000-01-01T00:00:00Z", timeNs: "-62167219200000000000" } },
    NOT_FOUND.Notify,
  );

  // ExportFinding: times, big numbers and names on their way into a Security Command Center finding
  const exportCase = (
    slug: string,
    category: string,
    description: string,
    changes: CommandChanges,
    expect: ExpectationInput = NOT_FOUND.ExportFinding,
  ) => add("scc", slug, "ExportFinding", category, description, changes, expect);
  exportCase("time-year-9999", "times", "an alert in year 9999 (clamped to the command's issue time)", {
    alert: { time: "9999-12-31T23:59:59.999999999Z", timeNs: "253402300799999999999" },
  });
  exportCase("time-before-epoch", "times", "an alert one second before 1970", {
    alert: { time: "1969-12-31T23:59:59Z", timeNs: "-1000000000" },
  });
  exportCase("time-year-0001", "times", "an alert at the first instant a Timestamp holds", {
    alert: { time: "0001-01-01T00:00:00Z", timeNs: "-62135596800000000000" },
  });
  exportCase("time-year-0000", "times", "an alert in year 0 (before any protobuf Timestamp)", {
    alert: { time: "0000-01-01T00:00:00Z", timeNs: "-62167219200000000000" },
  });
  exportCase("time-ns-past-int64", "big-numbers", "timeNs of -10^30 (seconds beyond int64)", {
    alert: { timeNs: `-1${"0".repeat(30)}` },
  });
  exportCase("time-ns-1000-digits", "big-numbers", "timeNs of 1000 digits (clamped)", {
    alert: { timeNs: "9".repeat(1000) },
  });
  exportCase("issued-year-0001", "times", "issuedAt at year 1 and an alert at 1970", {
    top: { issuedAt: "0001-01-01T00:00:00Z" },
    alert: { timeNs: "0", time: "1970-01-01T00:00:00Z" },
  });
  exportCase("rule-traversal", "hostile-names", "rule ../../findings/x (the category is derived from it)", {
    alert: { rule: "../../findings/x" },
  });
  exportCase("rule-non-latin", "hostile-names", "a rule with no Latin letters (no category can be derived)", {
    alert: { rule: "\u653b\u6483\u691c\u77e5" },
  });
  exportCase("rule-10k", "giant-bodies", "a 10 KiB rule", { alert: { rule: "Rule ".repeat(2048) } });
  exportCase("fields-big-strings", "giant-bodies", "output fields of 1024 characters each", {
    alert: {
      outputFields: {
        "proc.cmdline": "c".repeat(1024),
        "k8s.pod.name": "p".repeat(1024),
        "container.image.repository": "i".repeat(1024),
      },
    },
  });
  exportCase("field-names-hostile", "proto-keys", "output field names that make bad property keys", {
    alert: { outputFields: { "../x": "a", "": "b", "1abc": "c", constructor: "d" } },
  });
  exportCase(
    "cluster-unknown",
    "policy",
    "a cluster the exporter does not know",
    { target: { cluster: "prod-eu" } },
    outcome("refused"),
  );
  exportCase(
    "namespace-traversal",
    "hostile-names",
    "target.namespace ../../x",
    { target: { namespace: "../../x" } },
    quarantined("^\\$\\.target\\.namespace: not a valid", "$.target.namespace"),
  );
  exportCase(
    "mention-rule",
    "slack-injection",
    "a rule with mentions (ends up in the finding, not in Slack)",
    { alert: { rule: "<!channel> Drop" } },
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// Action outcomes (the follow-up endpoints of the notifier and the scc-exporter)

function outcomeCases(): CorpusCaseInput[] {
  const cases: CorpusCaseInput[] = [];
  const endpoints: EndpointId[] = ["notifier/outcomes", "scc-exporter/outcomes"];
  const base = (id: string) => ({
    v: 1,
    kind: "ActionOutcome",
    service: "pod-killer",
    action: "kill-pod",
    incident: incidentOf(id),
    result: "already-done",
    reason: "pod corpus/corpus-victim not found",
    details: {},
    alert: baseCommand("KillPod", id).alert,
    target: baseCommand("KillPod", id).target,
    at: "2025-06-01T12:00:02.000Z",
  });
  const add = (
    slug: string,
    category: string,
    description: string,
    change: Record<string, unknown> | ((id: string) => CorpusCaseInput["payload"]),
    expect: ExpectationInput,
  ) => {
    const id = `outcome/${slug}`;
    const payload =
      typeof change === "function"
        ? change(id)
        : {
            json: Object.fromEntries(
              Object.entries({ ...base(id), ...change }).filter(([, v]) => v !== undefined),
            ),
          };
    cases.push({ id, category, description, endpoints, payload, expect });
  };
  add(
    "reason-mentions",
    "slack-injection",
    "a reason with mentions and a disguised link",
    { reason: "<!channel> <@U012ABCDEF> <https://evil.example|details> @here" },
    ACCEPTED,
  );
  add(
    "action-mention",
    "slack-injection",
    "an action name with a mention",
    { action: "<!here>", result: "failed" },
    ACCEPTED,
  );
  add(
    "service-mention",
    "slack-injection",
    "a service name with a mention",
    { service: "<!everyone>", result: "refused" },
    ACCEPTED,
  );
  add(
    "reason-100k",
    "giant-bodies",
    "a 100 KiB reason",
    (id) =>
      partsAround(JSON.stringify({ ...base(id), reason: GIANT, result: "failed" }), GIANT, [
        { text: "<!channel>", repeat: 10 * 1024 },
      ]),
    ACCEPTED,
  );
  add(
    "details-proto",
    "proto-keys",
    "details with __proto__ and constructor",
    (id) => ({
      text: JSON.stringify(base(id)).replace(
        '"details":{}',
        '"details":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
      ),
    }),
    ACCEPTED,
  );
  add(
    "without-alert",
    "missing-fields",
    "no alert and no target (both optional)",
    { alert: undefined, target: undefined, result: "failed" },
    ACCEPTED,
  );
  add(
    "result-unknown",
    "wrong-types",
    'result "exploded"',
    { result: "exploded" },
    quarantined("^\\$\\.result:", "$.result"),
  );
  add("missing-at", "missing-fields", "no at", { at: undefined }, quarantined("^\\$\\.at:", "$.at"));
  add(
    "empty-service",
    "missing-fields",
    "an empty service",
    { service: "" },
    quarantined("^\\$\\.service:", "$.service"),
  );
  add(
    "incident-hostile",
    "hostile-names",
    "incident ../../x",
    { incident: "../../x" },
    quarantined("^\\$\\.incident:", "$.incident"),
  );
  add(
    "target-traversal",
    "hostile-names",
    "target.namespace ../../nodes/x",
    { target: { ...base("x").target, namespace: "../../nodes/x" } },
    quarantined("^\\$\\.target\\.namespace: not a valid", "$.target.namespace"),
  );
  add(
    "kind-command",
    "wrong-types",
    "a KillPod command on the outcomes endpoint",
    (id) => ({ json: baseCommand("KillPod", id) }),
    quarantined("^\\$\\.kind:", "$.kind"),
  );
  add("at-far-future", "times", "at in year 9999", { at: "9999-12-31T23:59:59.999Z" }, ACCEPTED);
  add("at-before-epoch", "times", "at in 1969", { at: "1969-07-20T20:17:40Z" }, ACCEPTED);
  add(
    "details-past-2-64",
    "big-numbers",
    "details with an integer 2^64+1",
    (id) => ({
      text: JSON.stringify(base(id)).replace('"details":{}', '"details":{"status":18446744073709551617}'),
    }),
    ACCEPTED,
  );
  add(
    "severity-mismatch",
    "wrong-types",
    "alert.severity 0 with priority Critical",
    (id) => ({ json: { ...base(id), alert: { ...base(id).alert, severity: 0 } } }),
    quarantined("^\\$\\.alert\\.severity:", "$.alert.severity"),
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------

/** Every case, validated; throws naming the case when one is malformed or breaks a corpus rule. */
export function buildCorpus(): Map<string, CorpusCaseInput[]> {
  const commands = commandCases();
  const files = new Map<string, CorpusCaseInput[]>([
    ["envelope.jsonl", envelopeCases()],
    ["falco-alert.jsonl", alertCases()],
    ["commands.jsonl", commands.filter((c) => c.id.startsWith("commands/"))],
    ["notify.jsonl", commands.filter((c) => c.id.startsWith("notify/"))],
    ["scc.jsonl", commands.filter((c) => c.id.startsWith("scc/"))],
    ["outcome.jsonl", outcomeCases()],
  ]);
  const ids = new Set<string>();
  for (const cases of files.values()) {
    for (const c of cases) {
      const parsed = CorpusCase.safeParse(c);
      if (!parsed.success) throw new Error(`${c.id}: ${parsed.error.message}`);
      if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
      ids.add(c.id);
      if (CRASH_MARKERS.test(JSON.stringify(c))) throw new Error(`${c.id} contains a crash marker word`);
    }
  }
  return files;
}

/** The files' text: one case per line, in a stable order. */
export function renderCorpus(files: Map<string, CorpusCaseInput[]>): Map<string, string> {
  return new Map(
    [...files].map(([name, cases]) => [name, cases.map((c) => `${JSON.stringify(c)}\n`).join("")]),
  );
}

function writeCorpus(): void {
  mkdirSync(CASES_DIR, { recursive: true });
  for (const name of readdirSync(CASES_DIR)) rmSync(new URL(name, CASES_DIR));
  let total = 0;
  for (const [name, text] of renderCorpus(buildCorpus())) {
    writeFileSync(new URL(name, CASES_DIR), text);
    const count = text.split("\n").filter(Boolean).length;
    total += count;
    process.stdout.write(`${name}: ${count} cases\n`);
  }
  process.stdout.write(`${total} cases\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) writeCorpus();
