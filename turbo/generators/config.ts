// `turbo gen service` (non-interactive: `npx turbo gen service --args <name> "<description>"`): a new
// Riposte service in services/<name> — descriptor, config, message schema, createApp, main.ts, tests,
// Dockerfile and .gcloudignore. Topology, RBAC, the deploy plan, `npm start`, `npm run build` and
// `npm test` find it from its descriptor and package.json with no other edit; the edits that are
// derived from it are made here: package-lock.json gains the new workspace (so `npm ci` accepts the
// lockfile) and `riposte docs` adds it to the README's generated tables.
//
// The files are rendered from templates/service/*.tmpl by this file's own action (no Handlebars), so
// the same generator also runs without turbo (infra/src/generate/run-generator.ts, used by its test).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { CONTAINER_FILES } from "../../infra/src/build/container.js";

/** The part of Plop's API this generator uses (turbo passes the real one). */
export interface PlopApi {
  setGenerator(name: string, config: GeneratorConfig): void;
  getDestBasePath(): string;
}

export interface Prompt {
  type: "input";
  name: string;
  message: string;
  default?: string;
  validate?: (value: string) => true | string;
}

export type Answers = Record<string, unknown> & { turbo?: { paths?: { root?: string } } };

export interface GeneratorConfig {
  description: string;
  prompts: Prompt[];
  actions: ((answers: Answers) => string | Promise<string>)[];
}

/** Service account ids are `riposte-<name>`, 6–30 characters. */
const MAX_NAME_LENGTH = 22;
/** Topics that exist whatever the services are; a service's input topic is its name. */
const RESERVED_NAMES = new Set(["falco-events", "quarantine", "action-outcomes"]);

/** Why `name` cannot be a new service in `root`, or undefined when it can. */
export function serviceNameProblem(name: string, root: string): string | undefined {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    return `"${name}" is not a service name: lowercase letters, digits and single hyphens, starting with a letter (e.g. forensics-snapshot)`;
  }
  if (name.length > MAX_NAME_LENGTH) {
    return `"${name}" has ${name.length} characters; at most ${MAX_NAME_LENGTH} fit the service account id riposte-<name>`;
  }
  if (RESERVED_NAMES.has(name) || name.endsWith("-dead-letter")) {
    return `"${name}" is the name of one of Riposte's own topics; pick another`;
  }
  if (existsSync(join(root, "services", name))) return `services/${name} already exists`;
  return undefined;
}

/**
 * The new service's local port offset: one past the highest any service declares, so no existing
 * service's `riposte dev` port moves (infra's loadServices refuses duplicates). Read from the
 * descriptors' text because turbo runs this file without the workspace's TypeScript loader.
 */
export function nextLocalPortOffset(root: string): number {
  const servicesDir = join(root, "services");
  const offsets = (existsSync(servicesDir) ? readdirSync(servicesDir) : []).flatMap((service) => {
    const descriptor = join(servicesDir, service, "src", "descriptor.ts");
    if (!existsSync(descriptor)) return [];
    const declared = /\blocalPortOffset:\s*(\d+)/.exec(readFileSync(descriptor, "utf8"));
    return declared ? [Number(declared[1])] : [];
  });
  return offsets.length === 0 ? 0 : Math.max(...offsets) + 1;
}

/** The values the templates use, derived from the answers. */
export function templateValues(
  name: string,
  description: string,
  localPortOffset = 0,
): Record<string, string> {
  const words = name.split("-");
  const pascal = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
  return {
    name,
    pascal,
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    kind: pascal,
    descriptionJson: JSON.stringify(description),
    descriptionLine: description.replace(/\s+/g, " "),
    localPortOffset: String(localPortOffset),
  };
}

/** Replaces `{{key}}`; a key the values lack is a template bug and fails loudly. */
export function render(template: string, values: Record<string, string>, file: string): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${file}: unknown template value {{${key}}}`);
    return value;
  });
}

function templateFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path, base) : [relative(base, path)];
  });
}

/** Formats the new files the way `npm test` checks them (line breaks depend on the name's length). */
function formatWithBiome(root: string, folder: string): string {
  const biome = join(root, "node_modules", ".bin", "biome");
  if (!existsSync(biome))
    return `not formatted (no ${relative(root, biome)}): run npx biome check --write ${folder}`;
  const result = spawnSync(biome, ["check", "--write", folder], { cwd: root, encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`biome check --write ${folder} failed:\n${result.stdout}${result.stderr}`);
  return `formatted ${folder} (biome)`;
}

/** Runs a step of the generator in the repository root; a failure stops it, saying what to run by hand. */
function runStep(root: string, command: string, args: readonly string[], byHand: string): void {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  if (result.status !== 0) {
    const why = result.error?.message ?? `${result.stdout}${result.stderr}`;
    throw new Error(`${byHand} failed (the service's files are written; run it by hand):\n${why}`);
  }
}

/**
 * Adds the new workspace to package-lock.json, or `npm ci` refuses the lockfile. Lockfile only: the
 * installed packages are untouched (they may be shared), and every dependency the template names is
 * already locked, so this needs no network (prefer-offline for the rare one that is not).
 */
function updateLockfile(root: string): string {
  const flags = ["--package-lock-only", "--no-audit", "--no-fund", "--prefer-offline"];
  runStep(root, "npm", ["install", ...flags], "npm install --package-lock-only");
  return "updated package-lock.json (npm ci installs the new workspace)";
}

/** Rewrites the README's generated tables (`riposte docs`): they list every service's env and redelivery. */
function regenerateDocs(root: string): string {
  const riposte = join(root, "infra", "bin", "riposte.js");
  if (!existsSync(join(root, "node_modules", "tsx")))
    return "README tables not updated (no node_modules/tsx): run npm ci, then npx riposte docs";
  runStep(root, process.execPath, [riposte, "docs"], "npx riposte docs");
  return "updated the README's generated tables (riposte docs)";
}

export default function generator(plop: PlopApi): void {
  const rootOf = (answers: Answers) => answers.turbo?.paths?.root ?? plop.getDestBasePath();
  // Found from the repository root: turbo compiles this file elsewhere, so its own location is unreliable.
  const templatesIn = (root: string) => join(root, "turbo", "generators", "templates", "service");

  plop.setGenerator("service", {
    description: "A new Riposte service: a Cloud Run push receiver with descriptor, tests and Dockerfile",
    prompts: [
      {
        type: "input",
        name: "name",
        message: "Service name (kebab-case; also its topic and subscription):",
        validate: (value) => serviceNameProblem(value, plop.getDestBasePath()) ?? true,
      },
      {
        type: "input",
        name: "description",
        message: "What does it do (one sentence)?",
        default: "Does one thing in response to a Falco alert",
        validate: (value) => (value.trim().length > 0 ? true : "a description is required"),
      },
    ],
    actions: [
      (answers) => {
        const root = rootOf(answers);
        const name = String(answers.name);
        const problem = serviceNameProblem(name, root);
        if (problem) throw new Error(problem);
        const values = templateValues(name, String(answers.description).trim(), nextLocalPortOffset(root));
        const target = join(root, "services", name);
        const templates = templatesIn(root);
        const written: string[] = [];
        const write = (file: string, content: string) => {
          mkdirSync(dirname(join(target, file)), { recursive: true });
          writeFileSync(join(target, file), content);
          written.push(file);
        };
        for (const file of templateFiles(templates)) {
          if (!file.endsWith(".tmpl")) continue;
          const output = file.slice(0, -".tmpl".length);
          write(output, render(readFileSync(join(templates, file), "utf8"), values, file));
        }
        // The same Dockerfile and .gcloudignore as every other service (checked by container.test.ts).
        for (const file of CONTAINER_FILES) write(file.name, file.content);
        return `services/${name}: ${written.sort().join(", ")}`;
      },
      (answers) => formatWithBiome(rootOf(answers), `services/${String(answers.name)}`),
      (answers) => updateLockfile(rootOf(answers)),
      (answers) => regenerateDocs(rootOf(answers)),
      (answers) =>
        "next: npm ci (installs it), npm test (its tests run as generated), " +
        "npm start (it joins the local pipeline), " +
        `npx riposte deploy plan --project P --region R --service ${String(answers.name)}`,
    ],
  });
}
