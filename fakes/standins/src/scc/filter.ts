// The ListFindings `filter` language as the v2 proto documents it: restrictions `<field> <op> <value>`
// combined with AND / OR (OR binds tighter than AND, as SCC documents; juxtaposition means AND),
// parentheses, and a leading `-` or NOT for negation. Operators: `=` for all fields, `:` (substring)
// for strings, `> < >= <=` for event_time and numbers. Anything else is INVALID_ARGUMENT, so a
// filter the real API would refuse does not silently match everything here.

import { invalidArgument } from "./status-error.js";
import type { JsonValue } from "./wire.js";

/** The view of a finding the filter evaluates. */
export interface FilterableFinding {
  name: string;
  parent: string;
  resourceName: string;
  state: string;
  category: string;
  externalUri: string;
  severity: string;
  findingClass: string;
  mute: string;
  /** Undefined when the finding has no event_time. */
  eventTimeMillis: number | undefined;
  sourceProperties: Record<string, JsonValue>;
}

export type FindingPredicate = (finding: FilterableFinding) => boolean;

type Operator = "=" | "!=" | ":" | ">" | "<" | ">=" | "<=";

type Token =
  | { type: "(" | ")" | "-"; at: number }
  | { type: "op"; op: Operator; at: number }
  | { type: "word"; text: string; at: number }
  | { type: "string"; text: string; at: number };

const stringFields = {
  name: (f: FilterableFinding) => f.name,
  parent: (f: FilterableFinding) => f.parent,
  resource_name: (f: FilterableFinding) => f.resourceName,
  category: (f: FilterableFinding) => f.category,
  external_uri: (f: FilterableFinding) => f.externalUri,
} as const;

const enumFields = {
  state: (f: FilterableFinding) => f.state,
  severity: (f: FilterableFinding) => f.severity,
  finding_class: (f: FilterableFinding) => f.findingClass,
  mute: (f: FilterableFinding) => f.mute,
} as const;

export const supportedFilterFields = [
  ...Object.keys(stringFields),
  ...Object.keys(enumFields),
  "event_time",
  "source_properties.<key>",
];

function fail(expression: string, at: number, message: string): never {
  throw invalidArgument(`filter "${expression}": ${message} at position ${at}`);
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      tokens.push({ type: c, at: i });
      i++;
      continue;
    }
    const two = expression.slice(i, i + 2);
    if (two === ">=" || two === "<=" || two === "!=") {
      tokens.push({ type: "op", op: two, at: i });
      i += 2;
      continue;
    }
    if (c === "=" || c === ":" || c === ">" || c === "<") {
      tokens.push({ type: "op", op: c, at: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let text = "";
      i++;
      while (i < expression.length && expression[i] !== c) {
        if (expression[i] === "\\" && i + 1 < expression.length) i++;
        text += expression[i];
        i++;
      }
      if (i >= expression.length) fail(expression, start, "unterminated string");
      i++;
      tokens.push({ type: "string", text, at: start });
      continue;
    }
    const previous = tokens.at(-1);
    if (c === "-" && previous?.type !== "op") {
      tokens.push({ type: "-", at: i });
      i++;
      continue;
    }
    const word = /^-?[A-Za-z0-9_.]+/.exec(expression.slice(i));
    if (!word) fail(expression, i, `unexpected character "${c}"`);
    tokens.push({ type: "word", text: word[0], at: i });
    i += word[0].length;
  }
  return tokens;
}

function compareOrdered(actual: number, op: Operator, expected: number): boolean {
  switch (op) {
    case "=":
      return actual === expected;
    case "!=":
      return actual !== expected;
    case ">":
      return actual > expected;
    case "<":
      return actual < expected;
    case ">=":
      return actual >= expected;
    case "<=":
      return actual <= expected;
    default:
      return false;
  }
}

function restriction(
  expression: string,
  field: string,
  op: Operator,
  value: string,
  valueQuoted: boolean,
  at: number,
): FindingPredicate {
  if (field in stringFields || field in enumFields) {
    const get =
      field in stringFields
        ? stringFields[field as keyof typeof stringFields]
        : enumFields[field as keyof typeof enumFields];
    if (op === "=") return (f) => get(f) === value;
    if (op === "!=") return (f) => get(f) !== value;
    if (op === ":") return (f) => get(f).includes(value);
    fail(expression, at, `operator ${op} is not supported for ${field} (use = or :)`);
  }
  if (field === "event_time") {
    if (op === ":") fail(expression, at, "operator : is not supported for event_time");
    const millis = !valueQuoted && /^-?[0-9]+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(millis)) {
      fail(expression, at, `event_time value "${value}" is neither milliseconds since epoch nor RFC 3339`);
    }
    return (f) => f.eventTimeMillis !== undefined && compareOrdered(f.eventTimeMillis, op, millis);
  }
  if (field.startsWith("source_properties.")) {
    const key = field.slice("source_properties.".length);
    const numeric = !valueQuoted && /^-?[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : undefined;
    const boolean = !valueQuoted && (value === "true" || value === "false") ? value === "true" : undefined;
    return (f) => {
      const actual = f.sourceProperties[key];
      if (actual === undefined) return op === "!=";
      if (typeof actual === "number" && numeric !== undefined) return compareOrdered(actual, op, numeric);
      if (typeof actual === "boolean" && boolean !== undefined) {
        return op === "=" ? actual === boolean : op === "!=" ? actual !== boolean : false;
      }
      const text = typeof actual === "string" ? actual : JSON.stringify(actual);
      if (op === "=") return text === value;
      if (op === "!=") return text !== value;
      if (op === ":") return text.includes(value);
      return false;
    };
  }
  fail(expression, at, `unsupported field "${field}" (supported: ${supportedFilterFields.join(", ")})`);
}

/** Parses a ListFindings filter; an empty filter matches everything. */
export function parseFindingFilter(expression: string): FindingPredicate {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const isKeyword = (token: Token | undefined, keyword: string) =>
    token?.type === "word" && token.text === keyword;

  function parseTerm(): FindingPredicate {
    const token = peek();
    if (!token) fail(expression, expression.length, "expected a restriction");
    if (token.type === "-" || isKeyword(token, "NOT")) {
      position++;
      const inner = parseTerm();
      return (f) => !inner(f);
    }
    if (token.type === "(") {
      position++;
      const inner = parseSequence();
      if (peek()?.type !== ")") fail(expression, peek()?.at ?? expression.length, 'expected ")"');
      position++;
      return inner;
    }
    if (token.type !== "word") fail(expression, token.at, "expected a field name");
    position++;
    const op = peek();
    if (op?.type !== "op")
      fail(expression, op?.at ?? expression.length, `expected an operator after ${token.text}`);
    position++;
    const value = peek();
    if (value?.type !== "word" && value?.type !== "string") {
      fail(expression, value?.at ?? expression.length, `expected a value after ${token.text} ${op.op}`);
    }
    position++;
    return restriction(expression, token.text, op.op, value.text, value.type === "string", token.at);
  }

  function parseFactor(): FindingPredicate {
    const alternatives = [parseTerm()];
    while (isKeyword(peek(), "OR")) {
      position++;
      alternatives.push(parseTerm());
    }
    return alternatives.length === 1 && alternatives[0]
      ? alternatives[0]
      : (f) => alternatives.some((p) => p(f));
  }

  function parseSequence(): FindingPredicate {
    const all = [parseFactor()];
    for (;;) {
      const next = peek();
      if (!next || next.type === ")") break;
      if (isKeyword(next, "AND")) position++;
      all.push(parseFactor());
    }
    return (f) => all.every((p) => p(f));
  }

  if (tokens.length === 0) return () => true;
  const predicate = parseSequence();
  const rest = peek();
  if (rest) fail(expression, rest.at, "unexpected input");
  return predicate;
}
