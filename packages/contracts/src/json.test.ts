// Tests of the lossless JSON parser/serialiser: exactness, prototype safety, depth limit, error paths.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "./json.js";
import { parseJsonLossless, stringifyJsonLossless } from "./json.js";

function parseOk(text: string): JsonValue {
  const result = parseJsonLossless(text);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.path}: ${result.error.message}`);
  return result.value;
}

function parseError(text: string): { path: string; message: string } {
  const result = parseJsonLossless(text);
  if (result.ok) throw new Error(`expected an error for ${text.slice(0, 80)}`);
  return result.error;
}

/** Structural equality where a bigint equals the double it would round to (what JSON.parse gives). */
function sameAsJsonParse(ours: JsonValue, theirs: unknown): boolean {
  if (typeof ours === "bigint") return typeof theirs === "number" && Number(ours) === theirs;
  if (typeof ours === "number") return Object.is(ours, theirs) || (ours === 0 && theirs === 0);
  if (ours === null || typeof ours !== "object") return ours === theirs;
  if (Array.isArray(ours)) {
    return (
      Array.isArray(theirs) &&
      ours.length === theirs.length &&
      ours.every((v, i) => sameAsJsonParse(v, theirs[i]))
    );
  }
  if (theirs === null || typeof theirs !== "object" || Array.isArray(theirs)) return false;
  const theirKeys = Object.keys(theirs);
  const ourKeys = Object.keys(ours);
  return (
    ourKeys.length === theirKeys.length &&
    ourKeys.every(
      (k) =>
        Object.hasOwn(theirs, k) &&
        sameAsJsonParse(ours[k] as JsonValue, (theirs as Record<string, unknown>)[k]),
    )
  );
}

describe("parseJsonLossless", () => {
  it("keeps integers beyond 2^53 and 2^64 exact as bigint", () => {
    expect(parseOk("1553793029724747835")).toBe(1553793029724747835n);
    expect(parseOk("18446744073709551617")).toBe(18446744073709551617n); // 2^64 + 1
    expect(parseOk("-340282366920938463463374607431768211457")).toBe(
      -340282366920938463463374607431768211457n,
    );
    expect(parseOk('{"a":[123456789012345678901234567890]}')).toEqual({
      a: [123456789012345678901234567890n],
    });
  });

  it("gives numbers inside the safe range, and non-integers, as doubles", () => {
    expect(parseOk("9007199254740991")).toBe(9007199254740991);
    expect(parseOk("-9007199254740991")).toBe(-9007199254740991);
    expect(parseOk("9007199254740992")).toBe(9007199254740992n);
    expect(parseOk("1.5e3")).toBe(1500);
    expect(parseOk("-0.25")).toBe(-0.25);
    expect(parseOk("1E400".replace("E400", "e2"))).toBe(100);
  });

  it("refuses numbers a double cannot hold and absurdly long integer literals", () => {
    expect(parseError("[1e400]")).toEqual({
      path: "$[0]",
      message: expect.stringContaining("outside the range"),
    });
    expect(parseError(`{"n":${"9".repeat(1001)}}`).message).toContain("1001 digits");
    expect(parseOk("9".repeat(1000))).toBe(BigInt("9".repeat(1000)));
  });

  it("stores __proto__ and constructor as plain data and never pollutes prototypes", () => {
    const value = parseOk(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
    const object = value as Record<string, JsonValue>;
    expect(Object.keys(object)).toEqual(["__proto__", "constructor", "a"]);
    expect(Object.getOwnPropertyDescriptor(object, "__proto__")?.value).toEqual({ polluted: true });
    expect(object.polluted).toBeUndefined();
    expect(stringifyJsonLossless(value)).toBe(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}',
    );
  });

  it("refuses duplicate keys, naming the key", () => {
    expect(parseError('{"output_fields":{"k8s.pod.name":"a","k8s.pod.name":"b"}}')).toEqual({
      path: '$.output_fields["k8s.pod.name"]',
      message: expect.stringContaining('duplicate key "k8s.pod.name"'),
    });
  });

  it("turns 100k nested brackets into an error instead of a stack overflow", () => {
    for (const text of [
      "[".repeat(100_000),
      `${'{"a":'.repeat(100_000)}1`,
      `${"[".repeat(65)}${"]".repeat(65)}`,
    ]) {
      const error = parseError(text);
      expect(error.message).toContain("nesting deeper than 64 levels");
    }
    expect(parseOk(`${"[".repeat(64)}${"]".repeat(64)}`)).toBeInstanceOf(Array);
    expect(parseJsonLossless(`${"[".repeat(65)}${"]".repeat(65)}`, { maxDepth: 100 }).ok).toBe(true);
  });

  it("names the path and offset of syntax errors", () => {
    expect(parseError('{"a":{"b":[1,2,}]}}')).toEqual({
      path: "$.a.b[2]",
      message: expect.stringMatching(/at offset 15$/),
    });
    expect(parseError('{"a":1,}')).toEqual({
      path: "$",
      message: expect.stringContaining("expected a string key"),
    });
    expect(parseError('{"a":1 "b":2}').path).toBe("$.a");
    expect(parseError("[1 2]").path).toBe("$[0]");
    expect(parseError("").message).toContain("end of input");
    expect(parseError('{"a":tru}').path).toBe("$.a");
    expect(parseError("01").message).toContain("after the JSON value");
    expect(parseError('"a\tb"').message).toContain("control character");
    expect(parseError('"\\x"').message).toContain("invalid escape");
    expect(parseError('"\\u12"').message).toContain("\\u escape");
    expect(parseError('"abc').message).toContain("unterminated string");
    expect(parseError("\uFEFF{}").message).toContain("U+FEFF");
    expect(parseError("NaN").message).toContain("expected a JSON value");
  });

  it("decodes every escape", () => {
    expect(parseOk('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00x"')).toBe('"\\/\b\f\n\r\té😀x');
    expect(parseOk('"\\ud800"')).toBe("\ud800");
    expect(parseOk(' \t\r\n{ "a" : [ true , false , null ] } \n')).toEqual({ a: [true, false, null] });
  });

  it("agrees with JSON.parse on 10,000 arbitrary JSON documents (up to its rounding)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(sameAsJsonParse(parseOk(text), JSON.parse(text))).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it("round-trips exactly through stringifyJsonLossless, bigints included", () => {
    const losslessValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc
          .bigInt()
          .filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)),
        fc.string({ unit: "binary" }),
        fc.array(tie("value"), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie("value"), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(losslessValue, (value) => {
        const text = stringifyJsonLossless(value);
        const again = parseOk(text);
        expect(stringifyJsonLossless(again)).toBe(text);
        expect(again).toEqual(value);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("stringifyJsonLossless", () => {
  it("writes bigints as bare integers and otherwise matches JSON.stringify", () => {
    expect(stringifyJsonLossless({ t: 1553793029724747835n, s: "x", a: [1, true, null] })).toBe(
      '{"t":1553793029724747835,"s":"x","a":[1,true,null]}',
    );
    expect(stringifyJsonLossless({ a: undefined, b: [undefined], d: new Date(0) })).toBe(
      '{"b":[null],"d":"1970-01-01T00:00:00.000Z"}',
    );
    expect(stringifyJsonLossless(-0)).toBe("-0");
  });

  it("throws a TypeError naming the path for values JSON cannot represent", () => {
    expect(() => stringifyJsonLossless({ a: [1, Number.NaN] })).toThrow("$.a[1]");
    expect(() => stringifyJsonLossless({ f: () => 1 })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stringifyJsonLossless(cyclic)).toThrow("cyclic");
    expect(() => stringifyJsonLossless(undefined)).toThrow(TypeError);
  });
});
