// `deploy plan --playbooks FILE` validates FILE when it prints the script; the script (or --apply) runs
// later. A file edited in between (or replaced by someone else) must not reach Secret Manager
// unvalidated: the plan carries the sha256 of the bytes it validated, the preflight checks it before
// anything is created, and the store step checks it again right before `gcloud secrets versions add`.
import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { createDeployCommand } from "../cli/deploy.js";
import { loadServices } from "../services.js";

const VALID = `playbooks:\n  - name: kill-miners\n    match: { rules: "Detect crypto miners*" }\n    actions: [kill-pod]\n`;
const INVALID = "playbooks:\n  - name: everything\n    match: {}\n    actions: [kill-pod]\n";

// EDIT_ON_ACCOUNT: appends to that file when the first service account is created (after the preflight).
const FAKE_GCLOUD = `#!/usr/bin/env bash
printf '%s\\n' "gcloud $*" >> "$CALLS"
case "$*" in
  "auth list"*) echo "ops@acme.example" ;;
  "auth print-access-token"*) echo "ya29.fake" ;;
  "projects describe"*) echo "123456789" ;;
  "services list"*) echo "run.googleapis.com" ;;
  "run services describe"*) echo "https://$4-xyz.a.run.app" ;;
  "secrets versions add"*) echo "7" ;;
  "iam service-accounts create"*) [ -n "\${EDIT_ON_ACCOUNT:-}" ] && echo "# edited" >> "$EDIT_ON_ACCOUNT" ;;
  *" describe "*) exit 1 ;;
esac
exit 0
`;
const FAKE_CURL = `#!/usr/bin/env bash
while [ $# -gt 0 ]; do [ "$1" = --data ] && { shift; data="$1"; }; shift; done
printf '%s' "$data"
`;
const FAKE_OTHER = (name: string) => `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "$CALLS"\n`;

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "riposte-plan-playbooks-changed-"));
  const file = join(dir, "playbooks.yaml");
  writeFileSync(file, VALID);
  return { dir, file };
}

const planArgs = (file: string) => [
  "plan",
  "--project",
  "acme-prod",
  "--region",
  "europe-west1",
  "--service",
  "router",
  "--playbooks",
  file,
];

/** The deploy command; `ran` records every argv its runner is given (--apply). */
function deployCommand(onRun: (argv: readonly string[]) => void = () => {}) {
  let script = "";
  const ran: string[] = [];
  const command = createDeployCommand({
    loadDescriptors: async () => descriptors,
    runner: {
      run: async (argv) => {
        ran.push(argv.join(" "));
        onRun(argv);
        // Nothing exists yet (existence checks fail); reads with a --format answer.
        const missing = argv.includes("describe") && !argv.some((word) => word.startsWith("--format=value("));
        return { code: missing ? 1 : 0, stdout: argv.includes("versions") ? "4" : "https://router.run.app" };
      },
    },
    isInteractive: () => false,
    confirm: async () => false,
    out: (text) => {
      script += `${text}\n`;
    },
  });
  return { command, ran, script: () => script };
}

function runScript(dir: string, script: string, env: Record<string, string> = {}) {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const [name, text] of Object.entries({
    gcloud: FAKE_GCLOUD,
    curl: FAKE_CURL,
    npm: FAKE_OTHER("npm"),
    npx: FAKE_OTHER("npx"),
  })) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const calls = join(dir, "calls.txt");
  writeFileSync(calls, "");
  const run = spawnSync("bash", ["-c", script], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, CALLS: calls, RIPOSTE_IAM_RETRY_DELAY: "0", ...env },
  });
  return { ...run, calls: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

const CHANGES = /\b(create|enable|deploy|add-iam-policy-binding|add)\b/;

describe("the printed script", () => {
  it("stops at the preflight when the file changed after the plan was printed: nothing created", async () => {
    const { dir, file } = setup();
    const { command, script } = deployCommand();
    await command.run(planArgs(file));
    expect(script()).toMatch(/file_unchanged \S+ [0-9a-f]{64}/);
    writeFileSync(file, INVALID); // edited (or swapped) between review and run

    const run = runScript(dir, script());
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      `preflight: ${file} changed since the plan was printed: re-run riposte deploy plan`,
    );
    expect(run.calls.filter((call) => call.startsWith("gcloud secrets versions add"))).toEqual([]);
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("does not store a file changed after the preflight passed (checked again right before storing)", async () => {
    const { dir, file } = setup();
    const { command, script } = deployCommand();
    await command.run(planArgs(file));
    const run = runScript(dir, script(), { EDIT_ON_ACCOUNT: file });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`${file} changed since the plan was printed: re-run riposte deploy plan`);
    expect(run.calls.some((call) => call.startsWith("gcloud iam service-accounts create"))).toBe(true);
    expect(run.calls.filter((call) => call.startsWith("gcloud secrets versions add"))).toEqual([]);
  });

  it("stores the file when it is unchanged", async () => {
    const { dir, file } = setup();
    const { command, script } = deployCommand();
    await command.run(planArgs(file));
    const run = runScript(dir, script());
    expect(run.stderr).not.toMatch(/changed since/);
    expect(run.status).toBe(0);
    expect(run.calls.filter((call) => call.startsWith("gcloud secrets versions add"))).toHaveLength(1);
  });
});

describe("--apply", () => {
  it("re-reads the file before storing it, and stops when it changed since it was validated", async () => {
    const { file } = setup();
    const { command, ran } = deployCommand((argv) => {
      if (argv.join(" ").startsWith("gcloud iam service-accounts create riposte-router")) {
        appendFileSync(file, "# edited\n");
      }
    });
    const applied = command.run([...planArgs(file), "--apply", "--yes"]);
    await expect(applied).rejects.toThrow(
      `${file} changed since the plan was printed: re-run riposte deploy plan`,
    );
    expect(ran.some((line) => line.startsWith("gcloud iam service-accounts create"))).toBe(true);
    expect(ran.filter((line) => line.startsWith("gcloud secrets versions add"))).toEqual([]);
  });

  it("runs the preflight's file check too (the same bash as the script)", async () => {
    const { file } = setup();
    const { command, ran } = deployCommand();
    await command.run([...planArgs(file), "--apply", "--yes"]);
    const preflight = ran.find((line) => line.startsWith("bash -c"));
    expect(preflight).toMatch(/file_unchanged \S+ [0-9a-f]{64} \|\| preflight_fail/);
  });
});
