// The README's promise for "Add a service", end to end in a fresh clone of HEAD: `npm ci`, generate a
// service, `npm ci` again — the lockfile must accept it — and the checks of `npm test` pass with no
// other edit. HEAD, not the working tree: that is what a clone gets, and a shared working tree holds
// others' unfinished files that `biome check .` rightly refuses (commit a generator change to test it).
//
// A subset of `npm test`, so that it takes about two minutes on two shared cores instead of the whole
// suite's many minutes: generating only adds services/<name> and rewrites package-lock.json and the README's
// generated tables, so what it can break is covered by the new workspace's typecheck through turbo
// (which must find it; the other packages' sources are unchanged), `biome check .`, the tests that
// enumerate the services (README tables, deploy plan, RBAC, local ports, container files, topology)
// and the new service's own tests.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../services.js";
import { unusedServiceName } from "./unused-name.js";

/** Infra's tests that read every service from services/: the ones a new service can break. */
const SERVICE_ENUMERATING_TESTS = [
  "infra/src/docs.test.ts",
  "infra/src/deploy/plan.test.ts",
  "infra/src/rbac.test.ts",
  "infra/src/cli/local-ports.test.ts",
  "infra/src/build/container.test.ts",
  "infra/src/topology/topology.test.ts",
  "infra/src/package-descriptions.test.ts",
];
/**
 * What the environment may pass on: the tools, npm's cache, the emulator's location, and the CA
 * bundle a machine behind a TLS-inspecting proxy needs to fetch what the cache lacks.
 */
const PASSED_ENV = [
  "PATH",
  "HOME",
  "npm_config_cache",
  "PUBSUB_EMULATOR_JAR",
  "CLOUDSDK_ROOT_DIR",
  "NODE_EXTRA_CA_CERTS",
];

let checkout: string;

interface Ran {
  code: number;
  output: string;
}

/** Runs a command in the checkout with a clean environment (nothing of this test run leaks in). */
function run(command: string, args: readonly string[]): Promise<Ran> {
  const env: Record<string, string> = { NO_COLOR: "1", TURBO_TELEMETRY_DISABLED: "1" };
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: checkout, env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

beforeAll(async () => {
  checkout = mkdtempSync(join(tmpdir(), "riposte-round-trip-"));
  const cloned = await run("git", ["clone", "-q", repoRoot(), "."]);
  expect(cloned.code, cloned.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (checkout) rmSync(checkout, { recursive: true, force: true });
});

describe("a fresh clone, turbo gen service, npm ci, npm test", () => {
  it("is green with no other edit", { timeout: 600_000 }, async () => {
    const npm = (args: readonly string[]) => run("npm", args);
    const ci = ["ci", "--prefer-offline", "--no-audit", "--no-fund"];
    const installed = await npm(ci);
    expect(installed.code, installed.output).toBe(0);

    const name = unusedServiceName(checkout, "forensics-snapshot");
    const generated = await run(process.execPath, [
      "--import",
      "tsx",
      "infra/src/generate/main.ts",
      "service",
      name,
      "Takes a forensic snapshot of the pod",
    ]);
    expect(generated.code, generated.output).toBe(0);

    // Before the generator updated it, npm ci refused the lockfile ("Missing: @riposte/<name> from lock file").
    const reinstalled = await npm(ci);
    expect(reinstalled.code, reinstalled.output).toBe(0);
    expect(existsSync(join(checkout, "node_modules", "@riposte", name))).toBe(true);

    const typecheck = await run(join(checkout, "node_modules", ".bin", "turbo"), [
      "run",
      "typecheck",
      `--filter=@riposte/${name}`,
      "--output-logs=errors-only",
    ]);
    expect(typecheck.code, typecheck.output).toBe(0);
    expect(typecheck.output).toMatch(/Tasks:\s+\d+ successful/);

    const lint = await run(join(checkout, "node_modules", ".bin", "biome"), ["check", "."]);
    expect(lint.code, lint.output).toBe(0);

    const tests = await run(join(checkout, "node_modules", ".bin", "vitest"), [
      "run",
      ...SERVICE_ENUMERATING_TESTS,
      `services/${name}/`,
    ]);
    expect(tests.code, tests.output).toBe(0);
    // Each filter found its tests (a filter matching nothing would go unnoticed).
    expect(tests.output).toContain(`|@riposte/${name}| src/`);
    for (const file of SERVICE_ENUMERATING_TESTS) expect(tests.output).toContain(file.slice("infra/".length));
  });
});
