// The service generator, run non-interactively in a copy of the repository: the new service
// typechecks, its generated tests pass, it builds to a bundle that answers a push with 204, the
// lockfile and the README's generated tables list it, and the topology, the deploy plan and `npm
// start`'s service list all include it with no other edit. (round-trip.test.ts then runs `npm ci` and
// the tests in a fresh copy.)
import { execFile, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pushEnvelope, uniqueName } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BUNDLE_ENTRY } from "../build/bundle.js";
import { DOCKERFILE } from "../build/container.js";
import { withGeneratedDocs } from "../docs.js";
import { loadServices, repoRoot } from "../services.js";
import { unusedServiceName } from "./unused-name.js";

const NAME = unusedServiceName(repoRoot(), "forensics-snapshot");
const DESCRIPTION = "Takes a forensic snapshot of the pod";
const COPIED = [
  ".gitignore",
  "README.md",
  "package.json",
  "package-lock.json",
  "tsconfig.base.json",
  "turbo.json",
  "biome.json",
  "vitest.config.ts",
  "packages",
  "services",
  "infra",
  "turbo",
];

let copy: string;

interface Ran {
  code: number;
  output: string;
}

/** Runs a command in the copy with a clean environment (nothing of this test run leaks in). */
function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  return new Promise<Ran>((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? copy,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? copy, ...options.env },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}
const node = (args: readonly string[], options?: { cwd?: string; env?: Record<string, string> }) =>
  run(process.execPath, args, options);

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), "riposte-generator-"));
  for (const entry of COPIED) {
    cpSync(join(repoRoot(), entry), join(copy, entry), {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist|\.turbo|\.riposte)$/.test(source),
    });
  }
  // The installed packages are shared, not copied (read-only use), each by its own link: the generator's
  // `npm install --package-lock-only` rewrites node_modules/.package-lock.json, which must be the copy's.
  const installed = join(repoRoot(), "node_modules");
  mkdirSync(join(copy, "node_modules"));
  for (const entry of readdirSync(installed)) {
    if (entry !== ".package-lock.json")
      symlinkSync(join(installed, entry), join(copy, "node_modules", entry));
  }
  // biome reads .gitignore through git.
  await run("git", ["init", "-q", "."]);
}, 120_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("turbo gen service", () => {
  it("refuses names that cannot be a service, saying why", async () => {
    const bad = await node(["--import", "tsx", "infra/src/generate/main.ts", "service", "Bad_Name", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain("is not a service name");
    const taken = await node(["--import", "tsx", "infra/src/generate/main.ts", "service", "router", "x"]);
    expect(taken.code).toBe(2);
    expect(taken.output).toContain("services/router already exists");
  }, 60_000);

  it("creates a service that typechecks, passes its tests, builds, and answers a push", async () => {
    const generated = await node([
      "--import",
      "tsx",
      "infra/src/generate/main.ts",
      "service",
      NAME,
      DESCRIPTION,
    ]);
    expect(generated.code, generated.output).toBe(0);
    const dir = join(copy, "services", NAME);
    for (const file of [
      "package.json",
      "Dockerfile",
      ".gcloudignore",
      "src/descriptor.ts",
      "src/app.ts",
      "src/main.ts",
      "src/config.ts",
      "src/app.test.ts",
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(DOCKERFILE);
    // One description, the one given, in the descriptor and package.json alike (package-descriptions.test.ts).
    const descriptor = (await loadServices(copy)).find(
      (service) => service.descriptor.name === NAME,
    )?.descriptor;
    expect(descriptor?.description).toBe(DESCRIPTION);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { description?: unknown };
    expect(manifest.description).toBe(DESCRIPTION);
    // It runs on the Node every other service declares (the image's Node is checked with DOCKERFILE).
    const engines = (path: string) =>
      (JSON.parse(readFileSync(path, "utf8")) as { engines?: unknown }).engines;
    expect(engines(join(dir, "package.json"))).toEqual(
      engines(join(copy, "services", "router", "package.json")),
    );

    const typecheck = await node([
      join(copy, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      `services/${NAME}/tsconfig.json`,
    ]);
    expect(typecheck.code, typecheck.output).toBe(0);
    const lint = await run(join(copy, "node_modules", ".bin", "biome"), ["check", `services/${NAME}`]);
    expect(lint.code, lint.output).toBe(0);
    const tests = await run(join(copy, "node_modules", ".bin", "vitest"), ["run"], {
      cwd: dir,
      env: { NO_COLOR: "1" },
    });
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/Tests\s+\d+ passed/);

    const build = await node(["--import", "tsx", "../../infra/src/build/main.ts"], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    const port = await freePort();
    const child = spawn(process.execPath, [join(dir, "dist", BUNDLE_ENTRY)], {
      cwd: join(dir, "dist"),
      env: { PATH: process.env.PATH ?? "", PORT: String(port), METADATA_SERVER_DETECTION: "none" },
      stdio: "ignore",
    });
    try {
      let healthy = false;
      for (let attempt = 0; attempt < 150 && !healthy; attempt++) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(healthy).toBe(true);
      const kind = NAME.split("-")
        .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
        .join("");
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(pushEnvelope({ v: 1, kind, incident: "inc-1", dryRun: false })),
      });
      expect(response.status).toBe(204);
    } finally {
      child.kill("SIGTERM");
    }
  }, 240_000);

  it("lists it in the lockfile (npm ci accepts it) and in the README's generated tables", async () => {
    const lock = JSON.parse(readFileSync(join(copy, "package-lock.json"), "utf8")) as {
      packages: Record<string, { name?: string; resolved?: string; link?: boolean }>;
    };
    expect(lock.packages[`services/${NAME}`]?.name).toBe(`@riposte/${NAME}`);
    expect(lock.packages[`node_modules/@riposte/${NAME}`]).toEqual({
      resolved: `services/${NAME}`,
      link: true,
    });
    const readme = readFileSync(join(copy, "README.md"), "utf8");
    expect(readme).toContain(`#### ${NAME}\n`);
    expect(readme).toMatch(new RegExp(`^\\| ${NAME} \\| `, "m"));
    // What docs.test.ts checks in the copy: nothing left for `riposte docs` to change.
    const descriptors = (await loadServices(copy)).map((service) => service.descriptor);
    expect(withGeneratedDocs(readme, descriptors)).toBe(readme);
  }, 60_000);

  it("joins the topology, the deploy plan and npm start with no other edit", async () => {
    const services = await loadServices(copy);
    const added = services.find((service) => service.descriptor.name === NAME);
    expect(added?.main).toBe(join(copy, "services", NAME, "src", "main.ts"));

    const topology = await node([join(copy, "infra", "bin", "riposte.js"), "topology", "plan"], {
      env: { PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"), GOOGLE_CLOUD_PROJECT: uniqueName("gen") },
    });
    expect(topology.code, topology.output).toBe(0);
    expect(topology.output).toContain(NAME);
    expect(topology.output).toContain(`${NAME}-dead-letter`);

    const planArgs = ["plan", "--project", "acme-prod", "--region", "europe-west1"];
    const registered = readFileSync(join(copy, "infra", "src", "cli", "main.ts"), "utf8").includes(
      "deployCommand",
    );
    const deploy = registered
      ? await node([join(copy, "infra", "bin", "riposte.js"), "deploy", ...planArgs])
      : await node([
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `const { deployCommand } = await import("./infra/src/cli/deploy.ts"); process.exitCode = await deployCommand.run(${JSON.stringify(planArgs)});`,
        ]);
    expect(deploy.code, deploy.output).toBe(0);
    expect(deploy.output).toContain(`gcloud run deploy ${NAME}`);
    expect(deploy.output).toContain(`--source=services/${NAME}`);
    expect(deploy.output).toMatch(
      new RegExp(`gcloud pubsub subscriptions create ${NAME} \\\\\\n\\s+--topic=${NAME}`),
    );
  }, 120_000);
});
