// Label and field selectors as the API server parses them from `labelSelector=` / `fieldSelector=`
// (k8s.io/apimachinery/pkg/labels and pkg/fields), plus LabelSelector objects found in specs.

import { isObject } from "./json.js";
import { badRequest } from "./status.js";

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector; an empty list matches everything. */
export type LabelSelector = LabelRequirement[];

export class SelectorParseError extends Error {
  readonly selector: string;
  constructor(selector: string, detail: string) {
    super(`unable to parse requirement: ${detail}`);
    this.name = "SelectorParseError";
    this.selector = selector;
  }
}

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type Token =
  | { kind: "word"; text: string }
  | { kind: "op"; text: "=" | "==" | "!=" | "!" | "(" | ")" | "," | ">" | "<" };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? "";
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === "==" || two === "!=") {
      tokens.push({ kind: "op", text: two });
      i += 2;
      continue;
    }
    if (ch === "=" || ch === "!" || ch === "(" || ch === ")" || ch === "," || ch === ">" || ch === "<") {
      tokens.push({ kind: "op", text: ch });
      i++;
      continue;
    }
    let j = i;
    while (j < input.length && !/[\s=!(),<>]/.test(input[j] ?? "")) j++;
    tokens.push({ kind: "word", text: input.slice(i, j) });
    i = j;
  }
  return tokens;
}

/** Parses `app=web,tier!=db,env in (prod, staging),!canary,release`. Throws SelectorParseError. */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  const requirements: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const fail = (detail: string): never => {
    throw new SelectorParseError(input, detail);
  };
  const word = (what: string): string => {
    const token = tokens[pos];
    if (token?.kind !== "word") return fail(`expected ${what} in ${JSON.stringify(input)}`);
    pos++;
    return token.text;
  };
  const checkKey = (key: string): string => {
    if (!QUALIFIED_NAME.test(key) || key.length > 316) {
      fail(
        `key: Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
    return key;
  };
  const checkValue = (value: string): string => {
    if (!LABEL_VALUE.test(value) || value.length > 63) {
      fail(
        `values[0][${JSON.stringify(value)}]: Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
    return value;
  };
  while (pos < tokens.length) {
    const first = peek();
    if (first?.kind === "op" && first.text === "!") {
      pos++;
      requirements.push({ key: checkKey(word("key after '!'")), operator: "!", values: [] });
    } else {
      const key = checkKey(word("key"));
      const next = peek();
      if (next === undefined || (next.kind === "op" && next.text === ",")) {
        requirements.push({ key, operator: "exists", values: [] });
      } else if (next.kind === "op" && (next.text === "=" || next.text === "==")) {
        pos++;
        const after = peek();
        const value = after?.kind === "word" ? word("value") : "";
        requirements.push({ key, operator: "=", values: [checkValue(value)] });
      } else if (next.kind === "op" && next.text === "!=") {
        pos++;
        const after = peek();
        const value = after?.kind === "word" ? word("value") : "";
        requirements.push({ key, operator: "!=", values: [checkValue(value)] });
      } else if (next.kind === "op" && (next.text === ">" || next.text === "<")) {
        pos++;
        const value = word("integer value");
        if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer: ${value}`);
        requirements.push({ key, operator: next.text === ">" ? "gt" : "lt", values: [value] });
      } else if (next.kind === "word" && (next.text === "in" || next.text === "notin")) {
        pos++;
        const open = peek();
        if (open?.kind !== "op" || open.text !== "(") fail(`found '${open?.text ?? "EOF"}', expected: '('`);
        pos++;
        const values: string[] = [];
        for (;;) {
          const t = peek();
          if (t === undefined) fail("found 'EOF', expected: ')'");
          if (t?.kind === "op" && t.text === ")") {
            pos++;
            break;
          }
          if (t?.kind === "op" && t.text === ",") {
            pos++;
            continue;
          }
          values.push(checkValue(word("value")));
        }
        if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
        requirements.push({ key, operator: next.text, values });
      } else {
        fail(`found '${next.text}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    const sep = peek();
    if (sep === undefined) break;
    if (sep.kind === "op" && sep.text === ",") {
      pos++;
      if (pos >= tokens.length) fail("found 'EOF', expected: identifier");
      continue;
    }
    fail(`found '${sep.text}', expected: ',' or 'end of string'`);
  }
  return requirements;
}

export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const actual = labels ?? {};
  return selector.every((req) => {
    const has = Object.hasOwn(actual, req.key);
    const value = actual[req.key];
    switch (req.operator) {
      case "exists":
        return has;
      case "!":
        return !has;
      case "=":
        return has && value === req.values[0];
      case "!=":
        return !has || value !== req.values[0];
      case "in":
        return has && req.values.includes(value ?? "");
      case "notin":
        return !has || !req.values.includes(value ?? "");
      case "gt":
      case "lt": {
        if (!has || !/^-?\d+$/.test(value ?? "")) return false;
        const n = Number(value);
        const bound = Number(req.values[0]);
        return req.operator === "gt" ? n > bound : n < bound;
      }
      default:
        return false;
    }
  });
}

/** Converts a `LabelSelector` object (`matchLabels`, `matchExpressions`) to requirements. */
export function labelSelectorFromObject(value: unknown): LabelSelector {
  if (!isObject(value)) return [];
  const requirements: LabelRequirement[] = [];
  if (isObject(value.matchLabels)) {
    for (const [key, v] of Object.entries(value.matchLabels)) {
      requirements.push({ key, operator: "=", values: [String(v)] });
    }
  }
  if (Array.isArray(value.matchExpressions)) {
    for (const expr of value.matchExpressions) {
      if (!isObject(expr) || typeof expr.key !== "string") continue;
      const values = Array.isArray(expr.values) ? expr.values.map(String) : [];
      const op = String(expr.operator);
      const operator: LabelOperator | undefined =
        op === "In"
          ? "in"
          : op === "NotIn"
            ? "notin"
            : op === "Exists"
              ? "exists"
              : op === "DoesNotExist"
                ? "!"
                : undefined;
      if (operator) requirements.push({ key: expr.key, operator, values });
    }
  }
  return requirements;
}

/** Renders requirements as labels.Selector.String() does: sorted by key, `<none>` when empty. */
export function formatLabelSelector(selector: LabelSelector): string {
  if (selector.length === 0) return "<none>";
  return [...selector]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((req) => {
      const values = [...req.values].sort();
      switch (req.operator) {
        case "exists":
          return req.key;
        case "!":
          return `!${req.key}`;
        case "=":
          return `${req.key}=${values[0] ?? ""}`;
        case "!=":
          return `${req.key}!=${values[0] ?? ""}`;
        case "in":
          return `${req.key} in (${values.join(",")})`;
        case "notin":
          return `${req.key} notin (${values.join(",")})`;
        case "gt":
          return `${req.key}>${values[0] ?? ""}`;
        case "lt":
          return `${req.key}<${values[0] ?? ""}`;
        default:
          return req.key;
      }
    })
    .join(",");
}

export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

/** Parses `spec.nodeName=n1,status.phase!=Failed` (`==` accepted; `\,` `\=` `\\` escapes). */
export function parseFieldSelector(input: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  if (input.trim() === "") return requirements;
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === "\\" && i + 1 < input.length) {
      current += ch + (input[i + 1] ?? "");
      i++;
    } else if (ch === ",") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  for (const part of parts) {
    const match = /^(.*?)(==|!=|=)(.*)$/s.exec(part);
    if (match === null) {
      throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    }
    const [, field = "", op = "=", raw = ""] = match;
    requirements.push({
      field: field.trim(),
      operator: op === "!=" ? "!=" : "=",
      value: raw.replace(/\\(.)/g, "$1"),
    });
  }
  return requirements;
}
