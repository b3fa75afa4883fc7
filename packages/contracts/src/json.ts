// Lossless JSON for Falco alerts and other untrusted payloads.
//
// `JSON.parse` silently rounds integers past 2^53 (Falco's nanosecond timestamps are ~1.8e18) and
// turns a `"__proto__"` key into a prototype change on the result. This parser keeps integer
// literals exact (as `bigint` when they do not fit a double exactly), stores every key as a plain own
// property of a null-prototype object, rejects duplicate keys (two parsers could disagree on which one
// wins), and runs iteratively with a depth limit, so hostile input yields an error, never a throw or a
// stack overflow.

/** A parsed JSON value. Integers outside ±(2^53 − 1) are `bigint`; every other number is a double. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Where in the document something went wrong (`$`, `$.a["b.c"][3]`) and what a person should know. */
export interface JsonPathError {
  path: string;
  message: string;
}

export type JsonParseResult = { ok: true; value: JsonValue } | { ok: false; error: JsonPathError };

export interface JsonParseOptions {
  /** Deepest nesting of arrays/objects accepted. Falco alerts need 3. Default 64. */
  maxDepth?: number;
  /**
   * Longest integer literal (in digits) accepted. Decimal→bigint conversion is quadratic, so a
   * megabyte-long literal would cost seconds of CPU per message. int64 has 19 digits. Default 1000.
   */
  maxIntegerDigits?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_INTEGER_DIGITS = 1000;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends one step to a JSONPath-like path: `.name` for identifiers, `["k8s.pod.name"]` otherwise. */
export function pathWithKey(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function pathWithIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Creates an object without a prototype, so keys like `__proto__` or `constructor` are plain data. */
export function createJsonObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

type Frame =
  | { kind: "array"; value: JsonValue[] }
  // `key` is undefined while the next key is being read, so errors there point at the object.
  | { kind: "object"; value: JsonObject; key: string | undefined; keyOffset: number };

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

const CH_TAB = 0x09;
const CH_LF = 0x0a;
const CH_CR = 0x0d;
const CH_SPACE = 0x20;
const CH_QUOTE = 0x22;
const CH_COMMA = 0x2c;
const CH_MINUS = 0x2d;
const CH_COLON = 0x3a;
const CH_LBRACKET = 0x5b;
const CH_BACKSLASH = 0x5c;
const CH_RBRACKET = 0x5d;
const CH_LBRACE = 0x7b;
const CH_RBRACE = 0x7d;

function describeChar(text: string, offset: number): string {
  if (offset >= text.length) return "end of input";
  const code = text.codePointAt(offset) ?? 0;
  if (code >= 0x20 && code < 0x7f) return `'${String.fromCharCode(code)}'`;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Parses JSON text (RFC 8259) without losing integer precision and without prototype pollution.
 * Never throws; on failure the error names the path of the value being read and the offset.
 */
export function parseJsonLossless(text: string, options: JsonParseOptions = {}): JsonParseResult {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxIntegerDigits = options.maxIntegerDigits ?? DEFAULT_MAX_INTEGER_DIGITS;
  const stack: Frame[] = [];
  try {
    return { ok: true, value: parseDocument(text, stack, maxDepth, maxIntegerDigits) };
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      return {
        ok: false,
        error: { path: pathOfStack(stack), message: `${error.message} at offset ${error.offset}` },
      };
    }
    // Only a RangeError from an engine limit (e.g. a string longer than V8 allows) can get here.
    return { ok: false, error: { path: pathOfStack(stack), message: `cannot parse JSON: ${String(error)}` } };
  }
}

function pathOfStack(stack: Frame[]): string {
  let path = "$";
  for (const frame of stack) {
    if (frame.kind === "array") path = pathWithIndex(path, frame.value.length);
    else if (frame.key !== undefined) path = pathWithKey(path, frame.key);
  }
  return path;
}

/** Returned while a container is open: the next value read is its element. */
const OPENED = Symbol("opened");

function parseDocument(text: string, stack: Frame[], maxDepth: number, maxIntegerDigits: number): JsonValue {
  const reader = new JsonReader(text, stack, maxDepth, maxIntegerDigits);
  reader.skipWhitespace();
  for (;;) {
    const value = reader.readValue();
    if (value === OPENED) continue;
    const document = reader.attach(value);
    if (document !== OPENED) return document;
  }
}

/** One pass over the text: `pos` only moves forward; `stack` holds the containers open at pos. */
class JsonReader {
  pos = 0;
  readonly length: number;
  readonly text: string;
  readonly stack: Frame[];
  readonly maxDepth: number;
  readonly maxIntegerDigits: number;

  constructor(text: string, stack: Frame[], maxDepth: number, maxIntegerDigits: number) {
    this.text = text;
    this.length = text.length;
    this.stack = stack;
    this.maxDepth = maxDepth;
    this.maxIntegerDigits = maxIntegerDigits;
  }

  skipWhitespace(): void {
    while (this.pos < this.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== CH_SPACE && c !== CH_LF && c !== CH_CR && c !== CH_TAB) return;
      this.pos++;
    }
  }

  parseString(): string {
    // pos is at the opening quote.
    const start = ++this.pos;
    // Fast path: no escapes.
    while (this.pos < this.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === CH_QUOTE) {
        return this.text.slice(start, this.pos++);
      }
      if (c === CH_BACKSLASH) break;
      if (c < 0x20)
        throw new JsonSyntaxError(
          `unescaped control character ${describeChar(this.text, this.pos)} in string`,
          this.pos,
        );
      this.pos++;
    }
    let result = this.text.slice(start, this.pos);
    while (this.pos < this.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === CH_QUOTE) {
        this.pos++;
        return result;
      }
      if (c < 0x20)
        throw new JsonSyntaxError(
          `unescaped control character ${describeChar(this.text, this.pos)} in string`,
          this.pos,
        );
      if (c !== CH_BACKSLASH) {
        const runStart = this.pos;
        while (this.pos < this.length) {
          const d = this.text.charCodeAt(this.pos);
          if (d === CH_QUOTE || d === CH_BACKSLASH || d < 0x20) break;
          this.pos++;
        }
        result += this.text.slice(runStart, this.pos);
        continue;
      }
      const escapeCode = this.text.charCodeAt(this.pos + 1);
      switch (escapeCode) {
        case 0x22: // "
          result += '"';
          break;
        case 0x5c: // \
          result += "\\";
          break;
        case 0x2f: // /
          result += "/";
          break;
        case 0x62: // b
          result += "\b";
          break;
        case 0x66: // f
          result += "\f";
          break;
        case 0x6e: // n
          result += "\n";
          break;
        case 0x72: // r
          result += "\r";
          break;
        case 0x74: // t
          result += "\t";
          break;
        case 0x75: {
          // u
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex))
            throw new JsonSyntaxError("invalid \\u escape in string", this.pos);
          // Lone surrogates are valid JSON and valid in JS strings; kept as received.
          result += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        default:
          throw new JsonSyntaxError(
            `invalid escape \\${describeChar(this.text, this.pos + 1)} in string`,
            this.pos,
          );
      }
      this.pos += 2;
    }
    throw new JsonSyntaxError("unterminated string", start - 1);
  }

  parseNumber(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null)
      throw new JsonSyntaxError(
        `invalid number starting with ${describeChar(this.text, this.pos)}`,
        this.pos,
      );
    const literal = match[0];
    const start = this.pos;
    this.pos += literal.length;
    if (match[1] === undefined && match[2] === undefined) {
      // Integer literal: exact.
      const digits = literal.charCodeAt(0) === CH_MINUS ? literal.length - 1 : literal.length;
      if (digits <= 15) return Number(literal);
      if (digits > this.maxIntegerDigits) {
        throw new JsonSyntaxError(
          `integer literal has ${digits} digits; at most ${this.maxIntegerDigits} are accepted`,
          start,
        );
      }
      const big = BigInt(literal);
      return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      const shown = literal.length > 40 ? `${literal.slice(0, 40)}…` : literal;
      throw new JsonSyntaxError(`number ${shown} is outside the range of a double`, start);
    }
    return value;
  }

  parseKey(frame: Frame & { kind: "object" }): void {
    frame.key = undefined;
    if (this.text.charCodeAt(this.pos) !== CH_QUOTE) {
      throw new JsonSyntaxError(
        `expected a string key but found ${describeChar(this.text, this.pos)}`,
        this.pos,
      );
    }
    frame.keyOffset = this.pos;
    frame.key = this.parseString();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== CH_COLON) {
      throw new JsonSyntaxError(
        `expected ':' after key but found ${describeChar(this.text, this.pos)}`,
        this.pos,
      );
    }
    this.pos++;
    this.skipWhitespace();
  }

  pushFrame(frame: Frame): void {
    if (this.stack.length >= this.maxDepth) {
      throw new JsonSyntaxError(`nesting deeper than ${this.maxDepth} levels`, this.pos);
    }
    this.stack.push(frame);
  }

  /** Reads one value at pos; a container that is not empty is opened instead (its frame pushed). */
  readValue(): JsonValue | typeof OPENED {
    const c = this.text.charCodeAt(this.pos);
    if (c === CH_LBRACE) {
      const frame: Frame = { kind: "object", value: createJsonObject(), key: undefined, keyOffset: this.pos };
      this.pushFrame(frame);
      this.pos++;
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== CH_RBRACE) {
        this.parseKey(frame);
        return OPENED;
      }
      this.pos++;
      this.stack.pop();
      return frame.value;
    } else if (c === CH_LBRACKET) {
      const frame: Frame = { kind: "array", value: [] };
      this.pushFrame(frame);
      this.pos++;
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== CH_RBRACKET) return OPENED;
      this.pos++;
      this.stack.pop();
      return frame.value;
    } else if (c === CH_QUOTE) {
      return this.parseString();
    } else if (c === CH_MINUS || (c >= 0x30 && c <= 0x39)) {
      return this.parseNumber();
    } else if (this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    } else if (this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    } else if (this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return null;
    }
    throw new JsonSyntaxError(
      `expected a JSON value but found ${describeChar(this.text, this.pos)}`,
      this.pos,
    );
  }

  /**
   * Attaches a finished value to its container(s) (closing brackets may finish several at once): the
   * document when it is complete, or OPENED when the next element is to be read.
   */
  attach(finished: JsonValue): JsonValue | typeof OPENED {
    let value = finished;
    for (;;) {
      const frame = this.stack[this.stack.length - 1];
      this.skipWhitespace();
      if (frame === undefined) {
        if (this.pos < this.length) {
          throw new JsonSyntaxError(
            `unexpected ${describeChar(this.text, this.pos)} after the JSON value`,
            this.pos,
          );
        }
        return value;
      }
      const next = this.text.charCodeAt(this.pos);
      if (frame.kind === "array") {
        frame.value.push(value);
        if (next === CH_COMMA) {
          this.pos++;
          this.skipWhitespace();
          return OPENED;
        }
        if (next !== CH_RBRACKET) {
          // Point the path at the element just read, not the next one.
          frame.value.pop();
          throw new JsonSyntaxError(
            `expected ',' or ']' but found ${describeChar(this.text, this.pos)}`,
            this.pos,
          );
        }
      } else {
        const key = frame.key ?? "";
        if (Object.hasOwn(frame.value, key)) {
          throw new JsonSyntaxError(
            `duplicate key ${JSON.stringify(key)} (the meaning of duplicate keys is ambiguous)`,
            frame.keyOffset,
          );
        }
        // Null-prototype object: even "__proto__" becomes an ordinary own property.
        frame.value[key] = value;
        if (next === CH_COMMA) {
          this.pos++;
          this.skipWhitespace();
          this.parseKey(frame);
          return OPENED;
        }
        if (next !== CH_RBRACE) {
          throw new JsonSyntaxError(
            `expected ',' or '}' but found ${describeChar(this.text, this.pos)}`,
            this.pos,
          );
        }
      }
      this.pos++;
      this.stack.pop();
      value = frame.value;
    }
  }
}

/**
 * Serialises a value like `JSON.stringify` (no indentation), but writes `bigint` as a bare integer
 * literal so that `parseJsonLossless(stringifyJsonLossless(v))` gives `v` back exactly (doubles stay
 * doubles: integral ones past 2^53 are written in exponent form, and -0 as `-0`).
 * Follows `JSON.stringify` for `undefined` (skipped in objects, `null` in arrays) and `toJSON`.
 * Throws a TypeError naming the path for values JSON cannot represent: non-finite numbers,
 * functions, symbols and cycles.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A message payload (Pub/Sub data as bytes, or text) as JSON: invalid UTF-8 is an error, not silently
 * replaced, and integers keep every digit. The one decoder of alerts and messages.
 */
export function parsePayloadJson(input: string | Uint8Array): JsonParseResult {
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      return { ok: false, error: { path: "$", message: "the payload is not valid UTF-8" } };
    }
  }
  const parsed = parseJsonLossless(text);
  return parsed.ok
    ? parsed
    : { ok: false, error: { path: parsed.error.path, message: `invalid JSON: ${parsed.error.message}` } };
}

export function stringifyJsonLossless(value: unknown): string {
  const out = writeValue(value, "$", new Set<object>());
  if (out === undefined) throw new TypeError("$: undefined cannot be serialised as JSON");
  return out;
}

function writeValue(input: unknown, path: string, ancestors: Set<object>): string | undefined {
  let value = input;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    value = (value as { toJSON: (key: string) => unknown }).toJSON("");
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} cannot be represented in JSON`);
      if (Object.is(value, -0)) return "-0";
      // A double like 2**60 printed as digits would come back as a bigint; exponent form keeps it a
      // double. toExponential() without an argument prints the shortest digits that round-trip.
      if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) return value.toExponential();
      return String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return undefined;
    case "function":
    case "symbol":
      throw new TypeError(`${path}: a ${typeof value} cannot be serialised as JSON`);
  }
  if (value === null) return "null";
  const container = value as object;
  if (ancestors.has(container)) throw new TypeError(`${path}: cyclic structure cannot be serialised as JSON`);
  ancestors.add(container);
  let out: string;
  if (Array.isArray(container)) {
    const parts: string[] = [];
    for (let i = 0; i < container.length; i++) {
      parts.push(writeValue(container[i], pathWithIndex(path, i), ancestors) ?? "null");
    }
    out = `[${parts.join(",")}]`;
  } else {
    const parts: string[] = [];
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const written = writeValue(record[key], pathWithKey(path, key), ancestors);
      if (written !== undefined) parts.push(`${JSON.stringify(key)}:${written}`);
    }
    out = `{${parts.join(",")}}`;
  }
  ancestors.delete(container);
  return out;
}
