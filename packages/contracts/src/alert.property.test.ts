// Property tests: parseFalcoAlert never throws, and every result is either a well-formed alert or an
// error with a path, for arbitrary JSON, arbitrary alert-shaped JSON and arbitrary bytes.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ParseResult } from "./alert.js";
import { parseFalcoAlert } from "./alert.js";
import type { JsonValue } from "./json.js";
import { stringifyJsonLossless } from "./json.js";
import {
  isContainerId,
  isContainerName,
  isImageReference,
  isNamespaceName,
  isNodeName,
  isPodName,
  isPodUid,
} from "./k8s-names.js";
import { AlertSummary, summarizeAlert, TargetSchema } from "./messages.js";
import { PRIORITIES, severityOf } from "./priority.js";

/** Checks the invariants of any result; throws (failing the property) when one does not hold. */
function checkResult(result: ParseResult): void {
  if (!result.ok) {
    expect(result.error.path).toMatch(/^\$/);
    expect(result.error.message.length).toBeGreaterThan(0);
    expect(result.error.message).not.toContain("internal error");
    return;
  }
  const { alert } = result;
  expect(PRIORITIES).toContain(alert.priority);
  expect(alert.severity).toBe(severityOf(alert.priority));
  expect(typeof alert.timeNs).toBe("bigint");
  expect(alert.incidentKey).toMatch(/^[0-9a-f]{32}$/);
  const { target } = alert;
  // JSON-serialisable (JSON.stringify throws on bigint) and valid per the message schema.
  expect(TargetSchema.parse(JSON.parse(JSON.stringify(target)))).toEqual(target);
  if (target.node !== undefined) expect(isNodeName(target.node)).toBe(true);
  if (target.namespace !== undefined) expect(isNamespaceName(target.namespace)).toBe(true);
  if (target.pod !== undefined) expect(isPodName(target.pod)).toBe(true);
  if (target.podUid !== undefined) expect(isPodUid(target.podUid)).toBe(true);
  if (target.containerId !== undefined) expect(isContainerId(target.containerId)).toBe(true);
  if (target.containerName !== undefined) expect(isContainerName(target.containerName)).toBe(true);
  if (target.image !== undefined) expect(isImageReference(target.image)).toBe(true);
  // The summary every command carries is valid and plain JSON.
  const summary = summarizeAlert(alert);
  expect(AlertSummary.safeParse(JSON.parse(JSON.stringify(summary))).success).toBe(true);
}

function parseChecked(input: string | Uint8Array): ParseResult {
  let result: ParseResult | undefined;
  expect(() => {
    result = parseFalcoAlert(input);
  }).not.toThrow();
  checkResult(result as ParseResult);
  return result as ParseResult;
}

const TARGET_FIELDS = [
  "cluster",
  "k8s.ns.name",
  "k8s.pod.name",
  "k8s.pod.uid",
  "k8s.pod.id",
  "k8smeta.ns.name",
  "k8smeta.pod.name",
  "k8smeta.pod.uid",
  "ka.target.resource",
  "ka.target.namespace",
  "ka.target.name",
  "container.id",
  "container.full_id",
  "container.name",
  "container.image",
  "container.image.repository",
  "container.image.tag",
  "evt.time",
];

const nameLike = fc.oneof(
  fc.constantFrom("shop", "web-7d9f8c6b5-abcde", "host", "<NA>", "", "pods", "06b29170462e", "Shop", "../x"),
  fc.stringMatching(/^[a-z0-9][-a-z0-9.]{0,20}$/),
  fc.string({ unit: "binary", maxLength: 30 }),
);

const fieldValue: fc.Arbitrary<JsonValue> = fc.oneof(
  nameLike,
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(nameLike, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>,
);

/** Mostly-valid alerts: the known keys with plausible or arbitrary values, sometimes one missing. */
const REQUIRED_KEYS = ["rule", "priority", "time"] as const;
const alertLike = fc
  .tuple(
    fc.record(
      {
        rule: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom("Terminal shell in container", "Attach/Exec Pod") },
          fc.string(),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        priority: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...PRIORITIES, "INFO", "info", "warning") },
          fc.constantFrom("Severe", ""),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        time: fc.oneof(
          {
            weight: 8,
            arbitrary: fc
              .date({
                min: new Date("0000-01-01T00:00:00Z"),
                max: new Date("9999-12-31T23:59:59Z"),
                noInvalidDate: true,
              })
              .map((d) => d.toISOString()),
          },
          fc.constantFrom(
            "2024-11-23T12:44:18.9001002Z",
            "2024-02-30T00:00:00Z",
            "2024-11-23T15:00:00+25:00",
          ),
          fc.string(),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        output: fc.oneof(
          { weight: 4, arbitrary: fc.string({ maxLength: 5000 }) },
          fc.constant(null),
          fc.integer(),
        ),
        source: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom("syscall", "syscalls", "k8s_audit", "internal", "") },
          fc.jsonValue({ maxDepth: 1 }),
        ),
        hostname: fc.oneof({ weight: 4, arbitrary: nameLike }, fc.jsonValue({ maxDepth: 1 })),
        tags: fc.oneof(
          { weight: 4, arbitrary: fc.array(fc.string(), { maxLength: 4 }) },
          fc.jsonValue({ maxDepth: 2 }),
        ),
        uuid: fc.oneof({ weight: 4, arbitrary: fc.uuid() }, fc.jsonValue({ maxDepth: 1 })),
        message: fc.string(),
        output_fields: fc.oneof(
          {
            weight: 8,
            arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...TARGET_FIELDS), fc.string()), fieldValue),
          },
          fc.jsonValue({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: ["rule", "priority", "time"] },
    ),
    fc.nat({ max: 19 }),
  )
  .map(([document, drop]) => {
    const key = REQUIRED_KEYS[drop];
    if (key !== undefined) delete (document as Record<string, unknown>)[key];
    return document;
  });

// 10,000 runs each: 3 s alone, past the 5 s default on a loaded machine.
describe("parseFalcoAlert never throws", { timeout: 60_000 }, () => {
  it("on 10,000 arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseChecked(JSON.stringify(value));
      }),
      { numRuns: 10_000 },
    );
  });

  it("on 10,000 serialised anything() values (lossless, bigints included)", () => {
    const anythingJson = fc
      .anything({ withBigInt: true, withNullPrototype: true, withObjectString: true, maxDepth: 4 })
      .map((value) => {
        try {
          return stringifyJsonLossless(value);
        } catch {
          return "{}"; // values JSON cannot hold (symbols, NaN, cycles) are not the point here
        }
      });
    fc.assert(
      fc.property(anythingJson, (text) => {
        parseChecked(text);
      }),
      { numRuns: 10_000 },
    );
  });

  it("on 10,000 alert-shaped documents, reaching every validation path", () => {
    let ok = 0;
    fc.assert(
      fc.property(alertLike, (document) => {
        const text = stringifyJsonLossless(document);
        const fromText = parseChecked(text);
        const fromBytes = parseChecked(new TextEncoder().encode(text));
        expect(fromBytes.ok).toBe(fromText.ok);
        if (fromText.ok) ok++;
      }),
      { numRuns: 10_000 },
    );
    // The generator must produce valid alerts too, or the test checks only error paths.
    expect(ok).toBeGreaterThan(1000);
  });

  it("on 10,000 arbitrary byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        parseChecked(bytes);
      }),
      { numRuns: 10_000 },
    );
  });

  it("on 10,000 mutated valid alerts (bytes flipped, cut or inserted)", () => {
    const valid = new TextEncoder().encode(
      '{"hostname":"gke-a","output":"o","output_fields":{"container.id":"06b29170462e","evt.time":1553793029724747835,"k8s.ns.name":"shop","k8s.pod.name":"web"},"priority":"Notice","rule":"Terminal shell in container","source":"syscall","tags":["a"],"time":"2019-03-28T17:10:29.724747835Z"}',
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 2 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (edits) => {
          let bytes = Array.from(valid);
          for (const [at, byte, op] of edits) {
            const index = Math.min(at, bytes.length - 1);
            if (op === 0) bytes[index] = byte;
            else if (op === 1) bytes = bytes.slice(0, index);
            else bytes.splice(index, 0, byte);
          }
          parseChecked(new Uint8Array(bytes));
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
