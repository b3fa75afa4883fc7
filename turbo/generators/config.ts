// `turbo gen service` (non-interactive: `npx turbo gen service --args <name> "<description>"`): a new
// Riposte service in services/<name> — descriptor, config, message schema, createApp, main.ts, tests,
// Dockerfile and .gcloudignore. Topology, RBAC, the deploy plan, `npm start`, `npm run build` and
// `npm test` find it from its descriptor and package.json with no other edit; the edits that are
// derived from it are made here: package-lock.json gains the new workspace (so `npm ci` accepts the
// lockfile) and `riposte docs` adds it to the README's generated tables.
//
// `turbo gen actioner` (`npx turbo gen actioner --args <action> <service> "<description>"`): a new
// action in the catalogue (@riposte/contracts actions.ts, the one contracts edit a new command needs)
// and the Kubernetes actioner that runs it, shaped like services/pod-killer — an action that finds the
// alert's pod, refuses protected ones and changes nothing yet, with its tests against the simulated
// cluster. The same lockfile and README steps follow.
//
// The files are rendered from templates/<generator>/*.tmpl by this file's own actions (no Handlebars),
// so the same generators also run without turbo (infra/src/generate/run-generator.ts, used by its test).
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
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

/** Lowercase words joined by single hyphens: service and action names alike. */
const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Why `name` cannot be a new service in `root`, or undefined when it can. */
export function serviceNameProblem(name: string, root: string): string | undefined {
  if (!KEBAB_CASE.test(name)) {
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

/** Where the action catalogue is, and the line above which `turbo gen actioner` inserts an entry. */
export const CATALOGUE_FILE = join("packages", "contracts", "src", "actions.ts");
export const CATALOGUE_MARKER = "  // `turbo gen actioner` inserts each new action's entry above this line";
/** Kinds of messages that are not commands: an action's kind (kill-pod → KillPod) must not be one. */
const OTHER_MESSAGE_KINDS = new Set(["ActionOutcome", "QuarantineRecord"]);

/**
 * The actions the catalogue names (its entries' keys), read from its text: turbo runs this file
 * without the workspace's TypeScript loader. Undefined when the catalogue or its marker is missing.
 */
export function catalogueActions(root: string): string[] | undefined {
  const file = join(root, CATALOGUE_FILE);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("const CATALOGUE = {");
  const end = text.indexOf(CATALOGUE_MARKER, start);
  if (start < 0 || end < 0) return undefined;
  const keys = text.slice(start, end).matchAll(/^ {2}("?)([a-z][a-z0-9-]*)\1: \{/gm);
  return [...keys].map((key) => key[2] as string);
}

/** Why `action` cannot be a new action in `root`'s catalogue, or undefined when it can. */
export function actionNameProblem(action: string, root: string): string | undefined {
  if (!KEBAB_CASE.test(action)) {
    return `"${action}" is not an action name: lowercase letters, digits and single hyphens, starting with a letter (e.g. capture-pod)`;
  }
  const actions = catalogueActions(root);
  if (!actions) return `${CATALOGUE_FILE} has no CATALOGUE ending in the line "${CATALOGUE_MARKER.trim()}"`;
  if (actions.includes(action)) return `"${action}" is already in the action catalogue (${CATALOGUE_FILE})`;
  const kind = pascalCase(action);
  if (OTHER_MESSAGE_KINDS.has(kind)) return `"${action}" would send ${kind}, the kind of another message`;
  return undefined;
}

/** The catalogue's entry for a new action, as biome formats it; quoted keys only where needed. */
export function catalogueEntry(action: string, service: string): string {
  const key = action.includes("-") ? JSON.stringify(action) : action;
  return [
    `  ${key}: {`,
    `    service: ${JSON.stringify(service)},`,
    "    waitsForOrder: true,",
    "    recordsOutcome: true,",
    "    params: z.strictObject({}),",
    "  },",
    "",
  ].join("\n");
}

/** Inserts the new action's entry above the catalogue's marker. */
function addToCatalogue(root: string, action: string, service: string): string {
  const file = join(root, CATALOGUE_FILE);
  const text = readFileSync(file, "utf8");
  const at = text.indexOf(CATALOGUE_MARKER);
  if (at < 0) throw new Error(`${CATALOGUE_FILE}: no line "${CATALOGUE_MARKER.trim()}" to insert above`);
  writeFileSync(file, text.slice(0, at) + catalogueEntry(action, service) + text.slice(at));
  return `${CATALOGUE_FILE}: added ${action} (run by ${service}) to the catalogue`;
}

/** pod-killer → PodKiller (as contracts's pascalCase: kill-pod's command kind is KillPod). */
export function pascalCase(name: string): string {
  return name
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

const camelCase = (name: string) => pascalCase(name).charAt(0).toLowerCase() + pascalCase(name).slice(1);

/** The values the templates use, derived from the answers. */
export function templateValues(
  name: string,
  description: string,
  localPortOffset = 0,
): Record<string, string> {
  const pascal = pascalCase(name);
  return {
    name,
    pascal,
    camel: camelCase(name),
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
function formatWithBiome(root: string, ...paths: string[]): string {
  const biome = join(root, "node_modules", ".bin", "biome");
  const what = paths.join(" ");
  if (!existsSync(biome))
    return `not formatted (no ${relative(root, biome)}): run npx biome check --write ${what}`;
  const result = spawnSync(biome, ["check", "--write", ...paths], { cwd: root, encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`biome check --write ${what} failed:\n${result.stdout}${result.stderr}`);
  return `formatted ${what} (biome)`;
}

/**
 * Renders `templates`' *.tmpl into services/<service> and adds the Dockerfile and .gcloudignore every
 * service shares (checked by container.test.ts). Answers what it wrote.
 */
function writeService(root: string, templates: string, values: Record<string, string>): string {
  const service = values.name as string;
  const target = join(root, "services", service);
  const written: string[] = [];
  const write = (file: string, content: string) => {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    writeFileSync(join(target, file), content);
    written.push(file);
  };
  for (const file of templateFiles(templates)) {
    if (!file.endsWith(".tmpl")) continue;
    write(file.slice(0, -".tmpl".length), render(readFileSync(join(templates, file), "utf8"), values, file));
  }
  for (const file of CONTAINER_FILES) write(file.name, file.content);
  return `services/${service}: ${written.sort().join(", ")}`;
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

/**
 * Adds the action's row to docs/architecture.md's names table (docs.test.ts checks it is the
 * catalogue's; `riposte docs` rewrites only the README). Its row is last, as its catalogue entry is.
 */
function addToNamesTable(root: string, action: string, service: string): string {
  const file = join(root, "docs", "architecture.md");
  const header = "| action (playbook, README) | command kind | topic / service | Kubernetes Event reason |";
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const start = text.indexOf(`${header}\n`);
  if (start < 0) return `docs/architecture.md has no names table: add ${action}'s row by hand`;
  const end = text.indexOf("\n\n", start);
  const at = end < 0 ? text.length : end + 1;
  const kind = pascalCase(action);
  const row = `| \`${action}\` | \`${kind}\` | \`${service}\` | \`Riposte${kind}\` |\n`;
  writeFileSync(file, text.slice(0, at) + row + text.slice(at));
  return `docs/architecture.md: added ${action} to the names table`;
}

/**
 * Writes the new actioner's RBAC manifest, infra/k8s/rbac/<service>.yaml (rbac.test.ts checks the
 * committed ones), from its descriptor. Only its own: the others are left as they are committed.
 */
function addRbacManifest(root: string, service: string): string {
  const riposte = join(root, "infra", "bin", "riposte.js");
  const manifest = join("infra", "k8s", "rbac", `${service}.yaml`);
  if (!existsSync(join(root, "node_modules", "tsx")))
    return `${manifest} not written (no node_modules/tsx): run npm ci, then npx riposte rbac generate`;
  const out = mkdtempSync(join(tmpdir(), "riposte-rbac-"));
  try {
    runStep(root, process.execPath, [riposte, "rbac", "generate", "--out", out], "npx riposte rbac generate");
    mkdirSync(dirname(join(root, manifest)), { recursive: true });
    copyFileSync(join(out, `${service}.yaml`), join(root, manifest));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return `wrote ${manifest} (its ClusterRole: exactly the action's permissions)`;
}

export default function generator(plop: PlopApi): void {
  const rootOf = (answers: Answers) => answers.turbo?.paths?.root ?? plop.getDestBasePath();
  // Found from the repository root: turbo compiles this file elsewhere, so its own location is unreliable.
  const templatesIn = (root: string, kind: "service" | "actioner") =>
    join(root, "turbo", "generators", "templates", kind);
  const descriptionPrompt = (example: string): Prompt => ({
    type: "input",
    name: "description",
    message: "What does it do (one sentence)?",
    default: example,
    validate: (value) => (value.trim().length > 0 ? true : "a description is required"),
  });
  const servicePrompt = (message: string): Prompt => ({
    type: "input",
    name: "name",
    message,
    validate: (value) => serviceNameProblem(value, plop.getDestBasePath()) ?? true,
  });
  /** The steps after the files: the lockfile and the README's tables list the new workspace. */
  const derivedSteps: GeneratorConfig["actions"] = [
    (answers) => updateLockfile(rootOf(answers)),
    (answers) => regenerateDocs(rootOf(answers)),
    (answers) =>
      "next: npm ci (installs it), npm test (its tests run as generated), " +
      "npm start (it joins the local pipeline), " +
      `npx riposte deploy plan --project P --region R --service ${String(answers.name)}`,
  ];

  plop.setGenerator("service", {
    description: "A new Riposte service: a Cloud Run push receiver with descriptor, tests and Dockerfile",
    prompts: [
      servicePrompt("Service name (kebab-case; also its topic and subscription):"),
      descriptionPrompt("Does one thing in response to a Falco alert"),
    ],
    actions: [
      (answers) => {
        const root = rootOf(answers);
        const name = String(answers.name);
        const problem = serviceNameProblem(name, root);
        if (problem) throw new Error(problem);
        const values = templateValues(name, String(answers.description).trim(), nextLocalPortOffset(root));
        return writeService(root, templatesIn(root, "service"), values);
      },
      (answers) => formatWithBiome(rootOf(answers), `services/${String(answers.name)}`),
      ...derivedSteps,
    ],
  });

  plop.setGenerator("actioner", {
    description:
      "A new playbook action and the Kubernetes actioner that runs it (like pod-killer): catalogue entry, action, descriptor, tests against the simulated cluster",
    prompts: [
      {
        type: "input",
        name: "action",
        message: "Action name (kebab-case, as playbooks write it; its command kind is its PascalCase):",
        validate: (value) => actionNameProblem(value, plop.getDestBasePath()) ?? true,
      },
      servicePrompt("Service name (kebab-case; the actioner that runs it, also its topic):"),
      descriptionPrompt("Acts on the pod an alert names"),
    ],
    actions: [
      (answers) => {
        const root = rootOf(answers);
        const action = String(answers.action);
        const name = String(answers.name);
        const problem = actionNameProblem(action, root) ?? serviceNameProblem(name, root);
        if (problem) throw new Error(problem);
        const service = templateValues(name, String(answers.description).trim(), nextLocalPortOffset(root));
        const values = {
          ...service,
          action,
          actionCamel: camelCase(action),
          eventReason: `Riposte${pascalCase(action)}`,
        };
        return writeService(root, templatesIn(root, "actioner"), values);
      },
      (answers) => addToCatalogue(rootOf(answers), String(answers.action), String(answers.name)),
      (answers) => formatWithBiome(rootOf(answers), `services/${String(answers.name)}`, CATALOGUE_FILE),
      (answers) => addToNamesTable(rootOf(answers), String(answers.action), String(answers.name)),
      (answers) => addRbacManifest(rootOf(answers), String(answers.name)),
      ...derivedSteps,
    ],
  });
}
