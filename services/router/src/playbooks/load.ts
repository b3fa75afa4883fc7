// Reading a playbook file: YAML syntax errors and schema errors alike are reported as
// `file:line:column: path: message`, using the yaml library's source positions.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isMap, isNode, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { type CompiledPlaybook, compilePlaybooks } from "./match.js";
import { playbookFileSchema } from "./schema.js";

export interface PlaybookProblem {
  file: string;
  line: number;
  column: number;
  /** e.g. `playbooks[2].match.priority` */
  field: string;
  message: string;
}

export class PlaybookError extends Error {
  override readonly name = "PlaybookError";
  readonly problems: readonly PlaybookProblem[];

  constructor(problems: readonly PlaybookProblem[]) {
    super(
      `invalid playbooks:\n${problems
        .map((p) => `  ${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}`)
        .join("\n")}`,
    );
    this.problems = problems;
  }
}

export function loadPlaybookFile(path: string): CompiledPlaybook[] {
  return readPlaybookFile(path).playbooks;
}

/** The file's playbooks and the sha256 of its bytes (which file content runs, for the start-up log). */
export function readPlaybookFile(path: string): { playbooks: CompiledPlaybook[]; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new PlaybookError([
      { file: path, line: 0, column: 0, field: "", message: `cannot read: ${(error as Error).message}` },
    ]);
  }
  return { playbooks: parsePlaybooks(bytes.toString("utf8"), path), sha256: sha256Of(bytes) };
}

export function sha256Of(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Parses and validates playbook YAML; `file` only names the source in errors. */
export function parsePlaybooks(text: string, file = "<playbooks>"): CompiledPlaybook[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new PlaybookError(
      doc.errors.map((error) => {
        const { line, col } = at(error.pos[0]);
        return { file, line, column: col, field: "", message: error.message.split("\n")[0] ?? error.message };
      }),
    );
  }

  const result = playbookFileSchema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
  if (!result.success) {
    throw new PlaybookError(
      result.error.issues.map((issue) => {
        const node = nodeAt(doc.contents, issue);
        const { line, col } = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
        return { file, line, column: col, field: formatField(issue.path), message: issue.message };
      }),
    );
  }
  return compilePlaybooks(result.data);
}

/** The YAML node an issue points at: the offending key for unknown keys, else the deepest node on its path. */
function nodeAt(root: unknown, issue: z.core.$ZodIssue): Node | undefined {
  let node: unknown = root;
  let found: Node | undefined = isNode(root) ? root : undefined;
  for (const segment of issue.path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isNode(item.key) && (item.key as { value?: unknown }).value === segment,
      );
      if (!pair) break;
      node = pair.value;
      if (isNode(pair.value)) found = pair.value;
      else if (isNode(pair.key)) found = pair.key;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      if (isNode(node)) found = node;
    } else break;
  }
  if (issue.code === "unrecognized_keys" && isMap(node)) {
    const pair = node.items.find(
      (item) => isNode(item.key) && issue.keys.includes(String((item.key as { value?: unknown }).value)),
    );
    if (pair && isNode(pair.key)) return pair.key;
  }
  return found;
}

function formatField(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
