// `riposte playbook test`: the shipped example cases pass (so a team can copy the layout), and a wrong
// expectation fails with a diff a person can read.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_PLAYBOOKS_YAML } from "@riposte/router";
import { describe, expect, it } from "vitest";
import { playbookTest } from "./playbook-test.js";

const ROOT = join(import.meta.dirname, "../../..");
const EXAMPLES = join(ROOT, "examples/playbook-tests");
const CLI = join(import.meta.dirname, "../../bin/riposte.js");

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await playbookTest(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err, text: [...out, ...err].join("\n") };
}

/** A scratch directory with the default playbooks and the given case files. */
function scratch(cases: Record<string, string>): { dir: string; playbooks: string } {
  const dir = mkdtempSync(join(tmpdir(), "riposte-cases-"));
  const playbooks = join(dir, "playbooks.yaml");
  writeFileSync(playbooks, DEFAULT_PLAYBOOKS_YAML);
  for (const [name, text] of Object.entries(cases)) writeFileSync(join(dir, name), text);
  return { dir, playbooks };
}

const SHELL = join(ROOT, "examples/modern-terminal-shell.json");

describe("riposte playbook test: the examples", () => {
  it.each(["default", "readme"])("examples/playbook-tests/%s: every case passes", async (suite) => {
    const dir = join(EXAMPLES, suite);
    const result = await run([join(dir, "playbooks.yaml"), dir]);
    expect(result.text).not.toContain("✗");
    expect(result.code).toBe(0);
    expect(result.out.filter((line) => line.startsWith("✓")).length).toBeGreaterThanOrEqual(3);
    expect(result.out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it("default/playbooks.yaml is the router's default playbooks, byte for byte", () => {
    expect(readFileSync(join(EXAMPLES, "default/playbooks.yaml"), "utf8")).toBe(DEFAULT_PLAYBOOKS_YAML);
  });

  it("readme/playbooks.yaml is the README's example playbook", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Playbooks"));
    const block = section.match(/```yaml\n([\s\S]*?)```/)?.[1];
    expect(readFileSync(join(EXAMPLES, "readme/playbooks.yaml"), "utf8")).toBe(block);
  });

  it("runs from the operator's command line (bin/riposte.js), exit 0", async () => {
    const dir = join(EXAMPLES, "default");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI, "playbook", "test", join(dir, "playbooks.yaml"), dir],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/5 passed, 0 failed/);
  }, 30_000);
});

describe("riposte playbook test: a wrong expectation", () => {
  const wrong = `name: "a shell is killed (wrong: it is isolated)"
alert: ${SHELL}
expect:
  matched: [kill-critical-workload]
  actions:
    kill-pod: { params: { grace_period_seconds: 30 } }
    notify: { dry_run: true }
`;

  it("fails with exit 1 and a diff of expected against actual", async () => {
    const { playbooks, dir } = scratch({ "wrong.yaml": wrong });
    const result = await run([playbooks, join(dir, "wrong.yaml")]);
    expect(result.code).toBe(1);
    expect(result.out[0]).toBe("✗ wrong.yaml: a shell is killed (wrong: it is isolated)");
    expect(result.text).toContain(
      ["    actions", "      - expected: kill-pod, notify", "      + actual:   isolate-pod, notify"].join(
        "\n",
      ),
    );
    expect(result.text).toContain(
      ["    notify.dry_run", "      - expected: true", "      + actual:   false"].join("\n"),
    );
    expect(result.text).toContain(
      [
        "    matched",
        "      - expected: kill-critical-workload matches",
        "      + actual:   it does not: priority Notice < Critical",
      ].join("\n"),
    );
    expect(result.out.at(-1)).toBe("0 passed, 1 failed");
  });

  it("checks the order a case expects: a kill that would not wait, or waits longer, fails", async () => {
    const critical = join(ROOT, "examples/sidekick-critical-drop-exec.json");
    const { playbooks, dir } = scratch({
      "order.yaml": `name: the kill waits for nothing and only 30 s (wrong)
alert: ${critical}
expect:
  actions:
    isolate-pod: { after: [capture] }
    capture: {}
    kill-pod: { after: [], wait: 30s }
    notify: {}
    export-finding: {}
`,
    });
    const result = await run([playbooks, join(dir, "order.yaml")]);
    expect(result.code).toBe(1);
    expect(result.text).toContain(
      ["    isolate-pod.after", "      - expected: capture", "      + actual:   (none)"].join("\n"),
    );
    expect(result.text).toContain(
      ["    kill-pod.after", "      - expected: (none)", "      + actual:   capture"].join("\n"),
    );
    expect(result.text).toContain(
      ["    kill-pod.wait", "      - expected: 30s", "      + actual:   60s"].join("\n"),
    );
  });

  it("--json: one document for machines, same verdicts", async () => {
    const { playbooks, dir } = scratch({ "wrong.yaml": wrong });
    const result = await run(["--json", playbooks, join(dir, "wrong.yaml")]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out.join("\n"));
    expect(report).toMatchObject({ ok: false, passed: 0, failed: 1 });
    expect(report.cases[0].failures).toContainEqual({
      field: "actions",
      expected: ["kill-pod", "notify"],
      actual: ["isolate-pod", "notify"],
    });
  });

  it("a param checked on an action that is not decided is reported once, under actions", async () => {
    const { playbooks, dir } = scratch({ "wrong.yaml": wrong });
    const result = await run([playbooks, join(dir, "wrong.yaml")]);
    expect(result.text).not.toContain("kill-pod.params");
  });

  it("a playbook name that is not in the file is a failure, not a silent pass", async () => {
    const { playbooks, dir } = scratch({
      "typo.yaml": `alert: ${SHELL}\nexpect:\n  not_matched: [kill-critical-wokload]\n`,
    });
    const result = await run([playbooks, join(dir, "typo.yaml")]);
    expect(result.code).toBe(1);
    expect(result.text).toContain("no playbook named kill-critical-wokload");
  });

  it("a case that is not valid (unknown key, nothing expected, unreadable alert) fails with the reason", async () => {
    const { playbooks, dir } = scratch({
      "unknown.yaml": `alert: ${SHELL}\nexpect: { actions: [] }\nexpected: {}\n`,
      "empty.yaml": `alert: ${SHELL}\nexpect: {}\n`,
      "missing.yaml": "alert: nowhere.json\nexpect: { actions: [] }\n",
      "not-alert.yaml": "alert: { rule: x }\nexpect: { actions: [] }\n",
    });
    const result = await run([playbooks, dir]);
    expect(result.code).toBe(1);
    expect(result.text).toMatch(/✗ unknown\.yaml: .*expected/);
    expect(result.text).toMatch(/✗ empty\.yaml: .*nothing to check/);
    expect(result.text).toMatch(/✗ missing\.yaml: cannot read .*nowhere\.json/);
    expect(result.text).toMatch(/✗ not-alert\.yaml: .*not an alert/);
    expect(result.out.at(-1)).toBe("0 passed, 4 failed");
  });

  it("an invalid playbook file: its problems, exit 1", async () => {
    const { dir } = scratch({ "bad.yaml": "playbooks:\n  - name: x\n    match: {}\n    actions: [nuke]\n" });
    const result = await run([join(dir, "bad.yaml"), join(EXAMPLES, "default")]);
    expect(result.code).toBe(1);
    expect(result.err.join("\n")).toContain('unknown action "nuke"');
  });
});

describe("riposte playbook test: actions held for approval", () => {
  const critical = join(ROOT, "examples/sidekick-critical-drop-exec.json");
  const HELD = `playbooks:
  - name: kill-critical
    match: { priority: ">= Critical" }
    actions:
      - isolate-pod
      - action: kill-pod
        approval: { timeout: 15m, on_timeout: proceed, approvers: [group:sre@acme.com, Alice@acme.com] }
  - name: strict
    match: { priority: ">= Critical" }
    actions:
      - { action: kill-pod, approval: { timeout: 1h, on_timeout: abandon, approvers: [bob@acme.com] } }
`;

  function held(cases: Record<string, string>) {
    const { dir, playbooks } = scratch(cases);
    writeFileSync(playbooks, HELD);
    return { dir, playbooks };
  }

  it("a case expecting the merged hold passes; true and false check only whether it is held", async () => {
    const { dir, playbooks } = held({
      "held.yaml": `alert: ${critical}
expect:
  actions:
    isolate-pod: { approval: false }
    kill-pod:
      approval: { timeout: 15m, on_timeout: abandon, approvers: [bob@acme.com, user:alice@acme.com, group:sre@acme.com] }
`,
      "held-any.yaml": `alert: ${critical}\nexpect: { actions: { kill-pod: { approval: true }, isolate-pod: {} } }\n`,
    });
    const result = await run([playbooks, dir]);
    expect(result.text).not.toContain("✗");
    expect(result.out.at(-1)).toBe("2 passed, 0 failed");
  });

  it("a wrong expectation of the hold fails with a diff", async () => {
    const { dir, playbooks } = held({
      "wrong.yaml": `alert: ${critical}
expect:
  actions:
    isolate-pod: { approval: true }
    kill-pod: { approval: { timeout: 1h, on_timeout: proceed, approvers: [alice@acme.com] } }
`,
      "not-held.yaml": `alert: ${critical}\nexpect: { actions: { kill-pod: { approval: false }, isolate-pod: {} } }\n`,
    });
    const result = await run([playbooks, dir]);
    expect(result.code).toBe(1);
    expect(result.text).toContain(
      [
        "    isolate-pod.approval",
        "      - expected: held for approval",
        "      + actual:   not held (runs at once)",
      ].join("\n"),
    );
    expect(result.text).toContain(
      ["    kill-pod.approval.timeout", "      - expected: 1h", "      + actual:   15m"].join("\n"),
    );
    expect(result.text).toContain(
      ["    kill-pod.approval.on_timeout", "      - expected: proceed", "      + actual:   abandon"].join(
        "\n",
      ),
    );
    expect(result.text).toContain(
      [
        "    kill-pod.approval.approvers",
        "      - expected: user:alice@acme.com",
        "      + actual:   group:sre@acme.com, user:alice@acme.com, user:bob@acme.com",
      ].join("\n"),
    );
    expect(result.text).toMatch(
      /kill-pod\.approval\n {6}- expected: not held \(runs at once\)\n {6}\+ actual: {3}held for approval \(not published until decided\): up to 15m, then abandoned \(never runs\); approvers group:sre@acme\.com, user:alice@acme\.com, user:bob@acme\.com; from kill-critical, strict/,
    );
  });

  it("a case's approver that is not an approver is an invalid case, not a silent pass", async () => {
    const { dir, playbooks } = held({
      "bad.yaml": `alert: ${critical}\nexpect: { actions: { kill-pod: { approval: { approvers: ["group:"] } } } }\n`,
    });
    const result = await run([playbooks, dir]);
    expect(result.code).toBe(1);
    expect(result.text).toMatch(/✗ bad\.yaml: invalid case: .*approver "group:"/);
  });
});
