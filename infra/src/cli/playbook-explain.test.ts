// `riposte playbook explain`: every playbook matched or not with the first condition that failed, and
// the merged commands with where each param came from.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleAlertJson } from "@riposte/contracts/testing";
import { describe, expect, it } from "vitest";
import { playbookExplain } from "./playbook-explain.js";

const ROOT = join(import.meta.dirname, "../../..");
const DEFAULTS = join(ROOT, "examples/playbook-tests/default/playbooks.yaml");

async function explain(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await playbookExplain(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "riposte-explain-")), name);
  writeFileSync(path, text);
  return path;
}

describe("riposte playbook explain", () => {
  it("a terminal shell against the default playbooks: each playbook's verdict and the commands", async () => {
    const { code, out } = await explain([DEFAULTS, join(ROOT, "examples/modern-terminal-shell.json")]);
    expect(code).toBe(0);
    expect(out).toContain("  ✗ falco-internal              source syscall, not one of: internal");
    expect(out).toContain("  ✗ notify-and-record           priority Notice < Warning");
    expect(out).toContain("  ✓ isolate-interactive-access");
    expect(out).toContain("  ✗ kill-critical-workload      priority Notice < Critical");
    expect(out).toContain("  ✗ taint-compromised-node      priority Notice < Critical");
    expect(out).toContain("  isolate-pod (live), asked by isolate-interactive-access");
    expect(out).toContain("      allow_dns: false    default");
  });

  it("names an excluded namespace, a playbook skipped after continue: false, and each param's playbook", async () => {
    const playbooks = file(
      "p.yaml",
      `playbooks:
  - name: not-system
    match: { any: true, namespaces: { exclude: [kube-*] } }
    actions: [{ action: notify, params: { destinations: [soar] } }]
  - name: page
    match: { priority: ">= Critical" }
    actions: [{ action: notify, params: { destinations: [pager] } }, { action: kill-pod, params: { grace_period_seconds: 5 } }]
  - name: announce
    match: { any: true }
    actions: [{ action: notify, params: { destinations: [slack] } }]
    continue: false
  - name: later
    match: { any: true }
    actions: [export-finding]
`,
    );
    const system = file(
      "a.json",
      exampleAlertJson("modern-terminal-shell.json", { fields: { "k8s.ns.name": "kube-system" } }),
    );
    const { out } = await explain([playbooks, system]);
    expect(out).toContain("  ✗ not-system  namespace kube-system excluded (kube-*)");
    expect(out).toContain("  ✗ later       not evaluated: announce matched with continue: false");
    const critical = file("c.json", exampleAlertJson("sidekick-critical-drop-exec.json"));
    const lines = (await explain([playbooks, critical])).out;
    expect(lines).toContain("  notify (live), asked by not-system, page, announce");
    expect(lines).toContain("      destinations: [soar, pager, slack]    from not-system, page, announce");
    expect(lines).toContain("  kill-pod (live), asked by page");
    expect(lines).toContain("      grace_period_seconds: 5    from page");
  });

  it("shows what each command waits for: the earlier actions and the wait", async () => {
    const playbooks = file(
      "ordered.yaml",
      `playbooks:
  - name: isolate-then-kill
    match: { priority: ">= Critical" }
    actions:
      - isolate-pod
      - action: kill-pod
        after: isolate-pod
        wait: 45s
`,
    );
    const { code, out } = await explain([playbooks, join(ROOT, "examples/sidekick-critical-drop-exec.json")]);
    expect(code).toBe(0);
    const kill = out.indexOf("  kill-pod (live), asked by isolate-then-kill");
    expect(kill).toBeGreaterThan(0);
    expect(out[kill + 1]).toBe("      after isolate-pod, or 45 s after the alert at the latest");
    const isolate = out.indexOf("  isolate-pod (live), asked by isolate-then-kill");
    expect(out[isolate + 1]).not.toMatch(/after/);
  });

  it("shows an action held for approval: the merged policy and the playbooks it comes from", async () => {
    const playbooks = file(
      "held.yaml",
      `playbooks:
  - name: gated-kill
    match: { priority: ">= Critical" }
    actions:
      - isolate-pod
      - action: kill-pod
        approval: { timeout: 90m, on_timeout: proceed, approvers: [group:sre@acme.com, "<b>eve</b>@acme.com"] }
`,
    );
    const bad = await explain([playbooks, join(ROOT, "examples/sidekick-critical-drop-exec.json")]);
    // The hostile approver never gets as far as a decision: refused by the loader, with its place.
    expect(bad.code).toBe(1);
    expect(bad.err.join("\n")).toMatch(
      /held\.yaml:7:\d+: playbooks\[0\]\.actions\[1\]\.approval\.approvers\[1\]: approver "<b>eve<\/b>@acme\.com"/,
    );
    writeFileSync(
      playbooks,
      readFileSync(playbooks, "utf8").replace('"<b>eve</b>@acme.com"', "Eve@acme.com"),
    );
    const { code, out } = await explain([playbooks, join(ROOT, "examples/sidekick-critical-drop-exec.json")]);
    expect(code).toBe(0);
    const kill = out.indexOf("  kill-pod (live), asked by gated-kill");
    expect(out[kill + 1]).toBe(
      "      held for approval (not published until decided): up to 90m, then runs (proceed); approvers group:sre@acme.com, user:eve@acme.com; from gated-kill",
    );
    const isolate = out.indexOf("  isolate-pod (live), asked by gated-kill");
    expect(out[isolate + 1]).not.toMatch(/approval/);
  });

  it("no playbook matches: says so; an unreadable alert: exit 1 with the reason", async () => {
    const { out } = await explain([DEFAULTS, join(ROOT, "examples/informational.json")]);
    expect(out.at(-1)).toBe("commands: none (no playbook matched)");
    const bad = await explain([DEFAULTS, file("bad.json", '{"rule": 1}')]);
    expect(bad.code).toBe(1);
    expect(bad.err.join("\n")).toContain("not an alert");
  });
});
