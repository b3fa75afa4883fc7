// The service generator, run non-interactively in a copy of the repository: the new service
// typechecks, its generated tests pass, it builds to a bundle that answers a push with 204, the
// lockfile and the README's generated tables list it, and the topology, the deploy plan and `npm
// start`'s service list all include it with no other edit. (round-trip.test.ts then runs `npm ci` and
// the tests in a fresh copy.) The actioner generator, in the same copy: one catalogue entry, an
// actioner that typechecks and whose tests pass against the simulated cluster, its RBAC manifest, and
// the tables and topology that list it.
import { execFile, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACTION_NAMES } from "@riposte/contracts";
import { freePort, pushEnvelope, uniqueName } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CATALOGUE_FILE,
  CATALOGUE_MARKER,
  catalogueActions,
  catalogueEntry,
  pascalCase,
} from "../../../turbo/generators/config.js";
import { BUNDLE_ENTRY } from "../build/bundle.js";
import { DOCKERFILE } from "../build/container.js";
import { withGeneratedDocs } from "../docs.js";
import { loadServices, repoRoot } from "../services.js";
import { unusedActionName, unusedServiceName } from "./unused-name.js";

const NAME = unusedServiceName(repoRoot(), "forensics-snapshot");
const DESCRIPTION = "Takes a forensic snapshot of the pod";
const ACTION = unusedActionName(repoRoot(), "snapshot-pod");
const ACTIONER = unusedServiceName(repoRoot(), "pod-snapshotter");
const ACTIONER_DESCRIPTION = "Snapshots the pod an alert names";
const COPIED = [
  ".gitignore",
  "README.md",
  "package.json",
  "package-lock.json",
  "tsconfig.base.json",
  "turbo.json",
  "biome.json",
  "vitest.config.ts",
  "docs",
  "examples",
  "packages",
  "fakes",
  "services",
  "infra",
  "turbo",
];

let copy: string;
/** The copy's catalogue before any generator ran. */
let catalogueBefore: string;

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
/** The folders in the repository's `entry` (a file has none). */
function subfolders(entry: string): string[] {
  const path = join(repoRoot(), entry);
  return statSync(path).isDirectory()
    ? readdirSync(path).filter((name) => statSync(join(path, name)).isDirectory())
    : [];
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
    if (entry !== ".package-lock.json" && entry !== "@riposte")
      symlinkSync(join(installed, entry), join(copy, "node_modules", entry));
  }
  // The workspaces' links are the copy's own (relative, as npm writes them): a generated actioner must
  // read the copy's catalogue, which the generator changed, not the repository's.
  mkdirSync(join(copy, "node_modules", "@riposte"));
  for (const workspace of readdirSync(join(installed, "@riposte"))) {
    const link = join(installed, "@riposte", workspace);
    symlinkSync(readlinkSync(link), join(copy, "node_modules", "@riposte", workspace));
  }
  // So are the packages npm installed inside a workspace (a version other workspaces do not share).
  for (const entry of COPIED) {
    for (const workspace of existsSync(join(repoRoot(), entry, "package.json")) ? [""] : subfolders(entry)) {
      const nested = join(repoRoot(), entry, workspace, "node_modules");
      if (existsSync(nested)) symlinkSync(nested, join(copy, entry, workspace, "node_modules"));
    }
  }
  catalogueBefore = readFileSync(join(copy, CATALOGUE_FILE), "utf8");
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

describe("turbo gen actioner", () => {
  const generateActioner = (action: string, service: string, description: string) =>
    node(["--import", "tsx", "infra/src/generate/main.ts", "actioner", action, service, description]);

  it("refuses an action or service name that cannot be new, saying why, and writes nothing", async () => {
    const refusals: [string, string, string][] = [
      ["Bad_Name", ACTIONER, "is not an action name"],
      ["kill-pod", ACTIONER, '"kill-pod" is already in the action catalogue'],
      ["action-outcome", ACTIONER, "would send ActionOutcome, the kind of another message"],
      [ACTION, "router", "services/router already exists"],
      [ACTION, "Bad_Service", "is not a service name"],
    ];
    for (const [action, service, why] of refusals) {
      const refused = await generateActioner(action, service, "x");
      expect(refused.code, refused.output).toBe(2);
      expect(refused.output).toContain(why);
    }
    expect(readFileSync(join(copy, CATALOGUE_FILE), "utf8")).toBe(catalogueBefore);
    expect(existsSync(join(copy, "services", ACTIONER))).toBe(false);
  }, 60_000);

  it("adds exactly one catalogue entry and an actioner that typechecks and passes its tests", async () => {
    // What the copy's catalogue names is what the repository's module exports (the parser reads it right).
    expect(catalogueActions(copy)).toEqual(ACTION_NAMES);
    const generated = await generateActioner(ACTION, ACTIONER, ACTIONER_DESCRIPTION);
    expect(generated.code, generated.output).toBe(0);
    expect(readFileSync(join(copy, CATALOGUE_FILE), "utf8")).toBe(
      catalogueBefore.replace(CATALOGUE_MARKER, `${catalogueEntry(ACTION, ACTIONER)}${CATALOGUE_MARKER}`),
    );
    const dir = join(copy, "services", ACTIONER);
    for (const file of [
      "package.json",
      "tsconfig.json",
      "vitest.config.ts",
      "Dockerfile",
      ".gcloudignore",
      "src/action.ts",
      "src/descriptor.ts",
      "src/index.ts",
      "src/main.ts",
      "src/app.test.ts",
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(DOCKERFILE);

    const typecheck = await node([
      join(copy, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      `services/${ACTIONER}/tsconfig.json`,
    ]);
    expect(typecheck.code, typecheck.output).toBe(0);
    const lint = await run(join(copy, "node_modules", ".bin", "biome"), [
      "check",
      `services/${ACTIONER}`,
      CATALOGUE_FILE,
    ]);
    expect(lint.code, lint.output).toBe(0);
    // Its tests as `npm test` runs them: the generated project, with the run's Firestore emulator.
    writeFileSync(
      join(copy, "vitest.generated.config.ts"),
      `import { defineConfig } from "vitest/config";
export default defineConfig({
  test: {
    projects: ["services/${ACTIONER}"],
    globalSetup: ["./packages/service-kit/src/testing/firestore-global-setup.ts"],
  },
});
`,
    );
    const tests = await run(
      join(copy, "node_modules", ".bin", "vitest"),
      ["run", "--config", "vitest.generated.config.ts"],
      { env: { NO_COLOR: "1", FIRESTORE_EMULATOR_HOST: inject("firestoreEmulatorHost") } },
    );
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/Tests\s+5 passed/);
  }, 240_000);

  it("is in the lockfile, the README, the names table, RBAC and the topology", async () => {
    const lock = JSON.parse(readFileSync(join(copy, "package-lock.json"), "utf8")) as {
      packages: Record<string, { name?: string }>;
    };
    expect(lock.packages[`services/${ACTIONER}`]?.name).toBe(`@riposte/${ACTIONER}`);
    const readme = readFileSync(join(copy, "README.md"), "utf8");
    expect(readme).toContain(`#### ${ACTIONER}\n`);
    expect(readme).toContain(`| \`${ACTION}\` | none | | |`);

    // Read with the copy's own modules: they see the new catalogue entry.
    const checked = await node([
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { readFileSync } from "node:fs";
const { ACTION_NAMES, ACTIONS } = await import("@riposte/contracts");
const { loadServices } = await import("./infra/src/services.ts");
const { actionNamesTable, withGeneratedDocs } = await import("./infra/src/docs.ts");
const { rbacManifestFor } = await import("./infra/src/rbac.ts");
const descriptors = (await loadServices()).map((service) => service.descriptor);
const actioner = descriptors.find((descriptor) => descriptor.name === ${JSON.stringify(ACTIONER)});
const readme = readFileSync("README.md", "utf8");
console.log(JSON.stringify({
  actions: ACTION_NAMES,
  action: ACTIONS[${JSON.stringify(ACTION)}],
  inputs: actioner?.inputs,
  kubernetes: actioner?.kubernetes.map(({ resources, verbs }) => ({ resources, verbs })),
  readmeCurrent: withGeneratedDocs(readme, descriptors) === readme,
  namesTableCurrent: readFileSync("docs/architecture.md", "utf8").includes(actionNamesTable(descriptors)),
  rbacCurrent: readFileSync(${JSON.stringify(`infra/k8s/rbac/${ACTIONER}.yaml`)}, "utf8") === rbacManifestFor(actioner),
}));`,
    ]);
    expect(checked.code, checked.output).toBe(0);
    const found = JSON.parse(checked.output.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    const pascal = pascalCase(ACTION);
    expect(found).toEqual({
      actions: [...ACTION_NAMES, ACTION],
      action: expect.objectContaining({
        name: ACTION,
        kind: pascal,
        service: ACTIONER,
        topic: ACTIONER,
        eventReason: `Riposte${pascal}`,
        waitsForOrder: true,
        recordsOutcome: true,
      }),
      inputs: [{ topic: ACTIONER, path: "/", accepts: [pascal] }],
      kubernetes: [
        { resources: ["pods"], verbs: ["get", "list"] },
        { resources: ["events"], verbs: ["create"] },
      ],
      readmeCurrent: true,
      namesTableCurrent: true,
      rbacCurrent: true,
    });

    const topology = await node([join(copy, "infra", "bin", "riposte.js"), "topology", "plan"], {
      env: { PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"), GOOGLE_CLOUD_PROJECT: uniqueName("gen") },
    });
    expect(topology.code, topology.output).toBe(0);
    expect(topology.output).toContain(ACTIONER);
    expect(topology.output).toContain(`${ACTIONER}-dead-letter`);
  }, 120_000);
});
