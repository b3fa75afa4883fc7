// Rules of the code base that no single package's tests can see.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
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

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const TEST = /\.test\.(ts|mts|js|mjs)$/;
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
