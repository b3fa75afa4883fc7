// Rules of the code base that no single package's tests can see.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Node, type SourceFile, SyntaxKind } from "typescript/unstable/ast";
import { API } from "typescript/unstable/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./services.js";

/** Product code: every package, service and infra tool, and the chaos run. */
const PRODUCT_ROOTS = ["packages", "services", "infra/src", "test/chaos"];

/**
 * Where process.env may still appear outside a config module, and why. Keep this short: each entry
 * is a debt or a fixture, not a place to add more. (bench/ is not product code and not scanned.)
 */
const PROCESS_ENV_EXCEPTIONS = [
  // Test fixtures: starting the emulators and the vitest global setups need the test's environment.
  "packages/service-kit/src/testing/",
];

// .tsx too: the console's pages are hono JSX, and product code like any other.
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const TEST = /\.test\.(ts|tsx|mts|js|mjs)$/;
const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", "build-output", ".turbo"]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : sourceFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

/** Code without its comments (roughly: enough that a comment naming process.env is not a use of it). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const PROCESS_ENV =
  /\bprocess\s*\??\.\s*env\b|\bprocess\s*\[\s*["'`]env["'`]\s*\]|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/;

function isConfigModule(path: string): boolean {
  return path.endsWith("/config.ts");
}

describe("process.env is read only in config modules", () => {
  it("no product file outside a config.ts reads process.env (values are passed in)", () => {
    const root = repoRoot();
    const offenders = PRODUCT_ROOTS.flatMap((productRoot) => sourceFiles(join(root, productRoot)))
      .map((path) => relative(root, path))
      .filter((path) => !TEST.test(path) && !isConfigModule(path))
      .filter((path) => !PROCESS_ENV_EXCEPTIONS.some((exception) => path.startsWith(exception)))
      .filter((path) => PROCESS_ENV.test(withoutComments(readFileSync(join(root, path), "utf8"))));
    expect(offenders).toEqual([]);
  });

  it("every exception still exists (a stale one would hide nothing and mislead)", () => {
    const root = repoRoot();
    const missing = PROCESS_ENV_EXCEPTIONS.filter((exception) => !existsSync(join(root, exception)));
    expect(missing).toEqual([]);
  });

  it("finds the forms it looks for, and not a comment", () => {
    expect(PROCESS_ENV.test(withoutComments("const host = process.env.HOST;"))).toBe(true);
    expect(PROCESS_ENV.test(withoutComments('const env = process["env"];'))).toBe(true);
    expect(PROCESS_ENV.test(withoutComments("const { env } = process;"))).toBe(true);
    expect(PROCESS_ENV.test(withoutComments("// read from process.env by config.ts"))).toBe(false);
    expect(PROCESS_ENV.test(withoutComments("/** the process.env of the child */ run();"))).toBe(false);
  });
});

/** The test doubles' packages: they live under fakes/, and the product never runs them. */
const FAKES = /["'`]@riposte\/(k8s-sim|standins)(\/[^"'`]*)?["'`]/;
/** Code that runs in a deployed service: the runtime packages and the services, without tests and test fixtures. */
const RUNTIME_ROOTS = ["packages", "services"];

describe("test doubles stay on their own floor", () => {
  it("no runtime file of a package or service imports a fake (tests and testing/ fixtures may)", () => {
    const root = repoRoot();
    const offenders = RUNTIME_ROOTS.flatMap((runtimeRoot) => sourceFiles(join(root, runtimeRoot)))
      .map((path) => relative(root, path))
      .filter((path) => !TEST.test(path) && !path.includes("/testing/") && !path.endsWith("/testing.ts"))
      .filter((path) => FAKES.test(withoutComments(readFileSync(join(root, path), "utf8"))));
    expect(offenders).toEqual([]);
  });

  it("a package or service lists a fake only as a devDependency, and the fakes sit under fakes/", () => {
    const root = repoRoot();
    const offenders = RUNTIME_ROOTS.flatMap((runtimeRoot) =>
      readdirSync(join(root, runtimeRoot)).map((name) => join(runtimeRoot, name, "package.json")),
    )
      .filter((path) => existsSync(join(root, path)))
      .filter((path) => {
        const { dependencies = {} } = JSON.parse(readFileSync(join(root, path), "utf8")) as {
          dependencies?: Record<string, string>;
        };
        return Object.keys(dependencies).some((name) => FAKES.test(`"${name}"`));
      });
    expect(offenders).toEqual([]);
    expect(readdirSync(join(root, "fakes")).sort()).toEqual(["k8s-sim", "standins"]);
  });

  it("finds an import of a fake, and not a comment naming one", () => {
    expect(FAKES.test(withoutComments('import { startSim } from "@riposte/k8s-sim";'))).toBe(true);
    expect(FAKES.test(withoutComments('await import("@riposte/standins/x")'))).toBe(true);
    expect(FAKES.test(withoutComments("// a test drives @riposte/k8s-sim"))).toBe(false);
  });
});

/** The longest body one function may have before it hides more than one job. */
const MAX_FUNCTION_LINES = 150;
/** Where the length rule applies: what runs, and the tools; not tests, test fixtures or the fakes. */
const LENGTH_ROOTS = ["packages", "services", "infra/src"];

/**
 * Functions allowed to stay longer, each with why. Keep this short: an entry is a table or a debt,
 * not a place to add more. Keyed by "file: name" as the checker prints it.
 */
const LONG_FUNCTION_EXCEPTIONS: Record<string, string> = {};

const FUNCTION_KINDS = new Set<SyntaxKind>([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

interface LongFunction {
  /** "file: outer > inner", the key of LONG_FUNCTION_EXCEPTIONS. */
  readonly where: string;
  readonly lines: number;
}

type FunctionNode = Node & { readonly body?: Node; readonly name?: Node };

/** A function's own name, or the name of what it is assigned to or passed to. */
function functionName(node: FunctionNode, sourceFile: SourceFile): string {
  if (node.kind === SyntaxKind.Constructor) return "constructor";
  if (node.name) return node.name.getText(sourceFile);
  const parent = node.parent as Node & { readonly name?: Node; readonly expression?: Node };
  if (
    (parent.kind === SyntaxKind.VariableDeclaration ||
      parent.kind === SyntaxKind.PropertyAssignment ||
      parent.kind === SyntaxKind.PropertyDeclaration) &&
    parent.name
  ) {
    return parent.name.getText(sourceFile);
  }
  if (parent.kind === SyntaxKind.CallExpression && parent.expression) {
    return `${parent.expression.getText(sourceFile)}(callback)`;
  }
  return "(anonymous)";
}

/** Every function in the file whose body spans more than MAX_FUNCTION_LINES lines (nested ones counted in their parent too). */
function longFunctions(sourceFile: SourceFile, file: string): LongFunction[] {
  const found: LongFunction[] = [];
  const lineOf = (position: number) => sourceFile.getLineAndCharacterOfPosition(position).line;
  const visit = (node: Node, outer: readonly string[]): void => {
    let names = outer;
    const fn = node as FunctionNode;
    if (FUNCTION_KINDS.has(node.kind) && fn.body) {
      names = [...outer, functionName(fn, sourceFile)];
      const lines = lineOf(fn.body.end) - lineOf(fn.body.getStart(sourceFile)) + 1;
      if (lines > MAX_FUNCTION_LINES) found.push({ where: `${file}: ${names.join(" > ")}`, lines });
    }
    node.forEachChild((child) => visit(child, names));
  };
  visit(sourceFile, []);
  return found;
}

describe(`no function is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  let api: API;
  beforeAll(() => {
    api = new API({ cwd: repoRoot() });
  });
  afterAll(() => api?.close());

  /** Parses files (relative to root) with the TypeScript compiler, each in its own package's project, and lists the long functions. */
  function measure(paths: readonly string[], root = repoRoot()): LongFunction[] {
    const absolute = paths.map((path) => join(root, path));
    const snapshot = api.updateSnapshot({ openFiles: absolute });
    try {
      return paths.flatMap((path, index) => {
        const file = absolute[index] as string;
        const sourceFile = snapshot.getDefaultProjectForFile(file)?.program.getSourceFile(file);
        if (!sourceFile) throw new Error(`TypeScript did not parse ${path}`);
        return longFunctions(sourceFile, path);
      });
    } finally {
      api.updateSnapshot({ closeFiles: absolute });
      snapshot.dispose();
    }
  }

  function productFiles(): string[] {
    const root = repoRoot();
    return LENGTH_ROOTS.flatMap((lengthRoot) => sourceFiles(join(root, lengthRoot)))
      .map((path) => relative(root, path))
      .filter((path) => /\.tsx?$/.test(path) && !path.endsWith(".d.ts") && !TEST.test(path))
      .filter((path) => !path.includes("/testing/") && !path.endsWith("/testing.ts"));
  }

  it("every function body of product code is at most that long (or an exception says why)", () => {
    const offenders = measure(productFiles())
      .filter(({ where }) => !(where in LONG_FUNCTION_EXCEPTIONS))
      .map(({ where, lines }) => `${where} (${lines} lines)`);
    expect(offenders).toEqual([]);
  }, 120_000);

  it("every exception is still long (a stale one would hide nothing and mislead)", () => {
    const files = [
      ...new Set(Object.keys(LONG_FUNCTION_EXCEPTIONS).map((key) => key.split(": ")[0] as string)),
    ];
    const stillLong = new Set(measure(files).map(({ where }) => where));
    expect(Object.keys(LONG_FUNCTION_EXCEPTIONS).filter((key) => !stillLong.has(key))).toEqual([]);
  }, 120_000);

  it("measures a function's body, nested ones too, and names them by where they sit", () => {
    const root = mkdtempSync(join(tmpdir(), "riposte-long-function-"));
    const fixture = "fixture.ts";
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");
    writeFileSync(
      join(root, fixture),
      [
        `export function outer(): void {\n  const inner = () => {\n${body(150)}\n  };\n  inner();\n}`,
        `export const short = () => {\n${body(148)}\n};`,
      ].join("\n"),
    );
    try {
      expect(measure([fixture], root)).toEqual([
        { where: `${fixture}: outer`, lines: 155 },
        { where: `${fixture}: outer > inner`, lines: 152 },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
