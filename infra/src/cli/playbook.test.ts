// `riposte playbook` run as the operator runs it (bin/riposte.js), against a fake gcloud first on PATH
// that records its argv and answers like gcloud.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import { spawnRunner } from "../deploy/apply.js";
import { createPlaybookCommand, PlaybookDeployError } from "./playbook.js";

const CLI = join(import.meta.dirname, "../../bin/riposte.js");
const VALID = `playbooks:
  - name: kill-miners
    match: { rules: "Detect crypto miners*" }
    actions: [kill-pod, notify]
`;

/** argv after `gcloud`, one JSON line per call; FAKE_GCLOUD_FAIL fails the call starting with those words. */
const FAKE_GCLOUD = `#!/usr/bin/env node
const { appendFileSync } = require("node:fs");
const args = process.argv.slice(2);
appendFileSync(process.env.FAKE_GCLOUD_LOG, JSON.stringify(args) + "\\n");
const words = args.filter((arg) => !arg.startsWith("--")).join(" ");
if (process.env.FAKE_GCLOUD_FAIL && words.startsWith(process.env.FAKE_GCLOUD_FAIL)) {
  process.stderr.write("ERROR: (gcloud) PERMISSION_DENIED\\n");
  process.exit(1);
}
if (words.startsWith("secrets describe")) {
  // An edit of the operator's file between validation and storing (FAKE_GCLOUD_EDIT: the new content).
  if (process.env.FAKE_GCLOUD_EDIT) require("node:fs").writeFileSync(process.env.FAKE_GCLOUD_EDIT_FILE, process.env.FAKE_GCLOUD_EDIT);
  process.exit(process.env.FAKE_GCLOUD_SECRET_EXISTS ? 0 : 1);
}
if (words.startsWith("secrets versions add")) {
  const dataFile = args.find((arg) => arg.startsWith("--data-file=")).slice("--data-file=".length);
  appendFileSync(process.env.FAKE_GCLOUD_LOG + ".stored", require("node:fs").readFileSync(dataFile, "utf8"));
  process.stdout.write("4\\n");
}
`;

let dir: string;
let log: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "riposte-playbook-cli-"));
  log = join(dir, "gcloud-calls.ndjson");
  const bin = join(dir, "bin");
  writeFileSync(join(dir, "valid.yaml"), VALID);
  // The fake must be called plain `gcloud`: a CommonJS package.json beside it lets node run it.
  mkdirSync(bin);
  writeFileSync(join(bin, "package.json"), '{"type":"commonjs"}');
  writeFileSync(join(bin, "gcloud"), FAKE_GCLOUD);
  chmodSync(join(bin, "gcloud"), 0o755);
});

async function riposte(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: {
        ...process.env,
        PATH: `${join(dir, "bin")}${delimiter}${process.env.PATH}`,
        FAKE_GCLOUD_LOG: log,
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The command in-process (the CLI's start-up costs seconds), spawning the same fake gcloud. */
async function playbook(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, {
    PATH: `${join(dir, "bin")}${delimiter}${process.env.PATH}`,
    FAKE_GCLOUD_LOG: log,
    ...env,
  });
  try {
    const command = createPlaybookCommand({
      runner: spawnRunner(dir),
      out: (text) => out.push(text),
      err: (text) => err.push(text),
    });
    const code = await command.run(args).catch((error: Error) => error);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    process.env = saved;
  }
}

const calls = (): string[][] =>
  existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as string[])
    : [];

describe("riposte playbook deploy", () => {
  it("stores a new secret version and rolls the router to it, pinned", async () => {
    const result = await riposte([
      "playbook",
      "deploy",
      "valid.yaml",
      "--project",
      "acme",
      "--region",
      "europe-west1",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const stored = calls()
      .flat()
      .find((arg) => arg.startsWith("--data-file="))
      ?.slice("--data-file=".length);
    // A private copy of the validated bytes, not the user's file.
    expect(stored).toMatch(new RegExp(`^${tmpdir()}/riposte-playbooks-[^/]+/playbooks\\.yaml$`));
    expect(readFileSync(`${log}.stored`, "utf8")).toBe(VALID);
    expect(calls()).toEqual([
      ["secrets", "describe", "riposte-playbooks", "--project=acme", "--format=value(name)"],
      ["secrets", "create", "riposte-playbooks", "--replication-policy=automatic", "--project=acme"],
      [
        "secrets",
        "add-iam-policy-binding",
        "riposte-playbooks",
        "--member=serviceAccount:riposte-router@acme.iam.gserviceaccount.com",
        "--role=roles/secretmanager.secretAccessor",
        "--project=acme",
      ],
      [
        "secrets",
        "versions",
        "add",
        "riposte-playbooks",
        `--data-file=${stored}`,
        "--project=acme",
        "--format=value(name.basename())",
      ],
      [
        "run",
        "services",
        "update",
        "router",
        "--region=europe-west1",
        "--project=acme",
        "--update-secrets=/etc/riposte/playbooks.yaml=riposte-playbooks:4",
        "--update-env-vars=PLAYBOOKS_FILE=/etc/riposte/playbooks.yaml,PLAYBOOKS_VERSION=4",
      ],
    ]);
    expect(result.stdout).toMatch(/The router runs riposte-playbooks version 4 \(1 playbooks\)/);
  }, 60_000);

  it("stores the bytes it validated, even if the file is edited meanwhile (then the temporary copy is removed)", async () => {
    const file = join(dir, "valid.yaml");
    const result = await playbook(["deploy", file, "--project", "acme"], {
      FAKE_GCLOUD_EDIT: "playbooks:\n  - name: everything\n    match: {}\n    actions: [kill-pod]\n",
      FAKE_GCLOUD_EDIT_FILE: file,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(readFileSync(`${log}.stored`, "utf8")).toBe(VALID);
    const dataFile = calls()
      .flat()
      .find((arg) => arg.startsWith("--data-file="))
      ?.slice("--data-file=".length);
    expect(dataFile).toBeDefined();
    expect(existsSync(dataFile as string)).toBe(false);
  });

  it("an existing secret is not created again", async () => {
    const result = await playbook(["deploy", join(dir, "valid.yaml"), "--project", "acme"], {
      FAKE_GCLOUD_SECRET_EXISTS: "1",
    });
    expect(result.code).toBe(0);
    expect(calls().map((argv) => argv.slice(0, 3).join(" "))).toEqual([
      "secrets describe riposte-playbooks",
      "secrets add-iam-policy-binding riposte-playbooks",
      "secrets versions add",
      "run services update",
    ]);
  }, 60_000);

  it("an invalid file is refused with file:line:column and gcloud is never called", async () => {
    writeFileSync(
      join(dir, "bad.yaml"),
      "playbooks:\n  - name: everything\n    match: {}\n    actions: [kill-pod]\n",
    );
    const result = await playbook(["deploy", join(dir, "bad.yaml"), "--project", "acme"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, "bad.yaml")}:3:12: playbooks[0].match: matches every alert`);
    expect(result.stderr).toContain("bad.yaml is invalid: nothing was changed");
    expect(calls()).toEqual([]);
  }, 60_000);

  it("a gcloud failure midway says what failed and what state the router is in", async () => {
    const stored = await playbook(["deploy", join(dir, "valid.yaml"), "--project", "acme"], {
      FAKE_GCLOUD_FAIL: "secrets versions add",
    });
    expect(stored.code).toBeInstanceOf(PlaybookDeployError);
    expect(String(stored.code)).toMatch(
      /PlaybookDeployError: `gcloud secrets versions add riposte-playbooks .*` exited with code 1: no new playbook version was stored; the router still runs its previous playbooks/,
    );
    expect(calls().some((argv) => argv[0] === "run")).toBe(false);

    const rolled = await playbook(["deploy", join(dir, "valid.yaml"), "--project", "acme"], {
      FAKE_GCLOUD_FAIL: "run services update",
    });
    expect(String(rolled.code)).toMatch(
      /exited with code 1: version 4 of riposte-playbooks is stored, but the router still runs its previous playbooks; fix the cause and run `gcloud run services update router/,
    );
  }, 60_000);
});

describe("riposte playbook validate", () => {
  it("prints the count of a valid file, every problem of an invalid one", async () => {
    expect(await playbook(["validate", join(dir, "valid.yaml")])).toMatchObject({
      code: 0,
      stdout: `${join(dir, "valid.yaml")}: 1 playbook, valid`,
    });
    writeFileSync(
      join(dir, "bad.yaml"),
      "playbooks:\n  - name: a\n    match: { priority: Critcal }\n    actions: [nuke]\n",
    );
    const bad = await playbook(["validate", join(dir, "bad.yaml")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/bad\.yaml:3:24: playbooks\[0\]\.match\.priority: invalid priority condition/),
      expect.stringMatching(/bad\.yaml:4:15: playbooks\[0\]\.actions\[0\]\.action: unknown action "nuke"/),
    ]);
    expect(calls()).toEqual([]);
  }, 60_000);
});
