import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleAlert } from "../test-alerts.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./default-playbooks.js";
import { loadPlaybookFile, PlaybookError, parsePlaybooks } from "./load.js";

function problemsOf(yaml: string) {
  try {
    parsePlaybooks(yaml, "pb.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(PlaybookError);
    return (error as PlaybookError).problems;
  }
  throw new Error("expected the playbooks to be refused");
}

describe("playbook loading", () => {
  it("accepts the shipped default playbooks", () => {
    const playbooks = parsePlaybooks(DEFAULT_PLAYBOOKS_YAML);
    expect(playbooks.map((p) => p.name)).toEqual([
      "falco-internal",
      "notify-and-record",
      "isolate-interactive-access",
      "kill-critical-workload",
      "taint-compromised-node",
    ]);
    expect(playbooks[0]?.continue).toBe(false);
    // Evidence before the kill: isolate, then capture, then kill — at the latest 60 s after the alert.
    expect(playbooks[3]?.actions).toEqual([
      { action: "isolate-pod", params: {} },
      { action: "capture", after: "isolate-pod", waitMs: 60_000, params: {} },
      { action: "kill-pod", after: "capture", waitMs: 60_000, params: { gracePeriodSeconds: 0 } },
    ]);
  });

  it("names file, line, column and field of a bad priority", () => {
    const problems = problemsOf(`playbooks:
  - name: a
    match:
      priority: ">= Critcal"
    actions: [notify]
`);
    expect(problems).toEqual([
      expect.objectContaining({ file: "pb.yaml", line: 4, column: 17, field: "playbooks[0].match.priority" }),
    ]);
    expect(problems[0]?.message).toMatch(/invalid priority condition ">= Critcal"/);
  });

  it("refuses unknown keys, pointing at the key itself", () => {
    const problems = problemsOf(`playbooks:
  - name: a
    match:
      rule: Terminal shell in container
    actions: [notify]
`);
    expect(problems[0]).toMatchObject({ line: 4, column: 7, field: "playbooks[0].match" });
    expect(problems[0]?.message).toMatch(/rule/);
  });

  it("refuses an unknown action and a misspelt param with the YAML spelling", () => {
    const problems = problemsOf(`playbooks:
  - name: a
    match: { priority: Critical }
    actions:
      - delete-namespace
      - action: kill-pod
        params: { grace_period_second: 5 }
`);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ line: 5, column: 9, field: "playbooks[0].actions[0].action" });
    expect(problems[0]?.message).toMatch(/unknown action "delete-namespace"/);
    expect(problems[1]).toMatchObject({ line: 7, field: "playbooks[0].actions[1].params" });
    expect(problems[1]?.message).toMatch(/unknown param\(s\) grace_period_second for kill-pod/);
  });

  it("refuses out-of-range params and bad CIDRs", () => {
    const problems = problemsOf(`playbooks:
  - name: a
    match: { any: true }
    actions:
      - { action: kill-pod, params: { grace_period_seconds: -1 } }
      - { action: isolate-pod, params: { forensics_cidr: "10.0.0.0/99" } }
      - { action: taint-node, params: { effect: PreferNoSchedule } }
`);
    expect(problems.map((p) => p.field)).toEqual([
      "playbooks[0].actions[0].params.grace_period_seconds",
      "playbooks[0].actions[1].params.forensics_cidr",
      "playbooks[0].actions[2].params.effect",
    ]);
  });

  it("refuses duplicate names, empty actions and YAML syntax errors", () => {
    expect(
      problemsOf(
        `playbooks:\n  - { name: a, match: {}, actions: [notify] }\n  - { name: a, match: {}, actions: [notify] }\n`,
      )[0],
    ).toMatchObject({
      line: 3,
      field: "playbooks[1].name",
      message: 'duplicate playbook name "a"',
    });
    expect(problemsOf(`playbooks:\n  - { name: a, match: {}, actions: [] }\n`)[0]?.message).toMatch(
      /at least one action/,
    );
    expect(problemsOf(`playbooks:\n  - name: a\n   match: {}\n`)[0]).toMatchObject({
      file: "pb.yaml",
      line: 3,
    });
    expect(problemsOf("")[0]?.field).toBe("playbooks");
  });

  it("refuses a destructive action on every alert unless the match says `any: true`", () => {
    for (const match of [
      "{}",
      '{ priority: ">= Debug" }',
      '{ rules: "*", target: any }',
      // Rule names are never empty: `?*` matches all of them.
      '{ rules: "?*" }',
      '{ rules: ["*?", "Terminal shell in container"] }',
      // Exclusions alone select nothing, and a typo in them leaves every alert in.
      "{ namespaces: { exclude: [kube-sytem] } }",
      "{ output_fields: { k8s.ns.nmae: { exists: false } } }",
    ]) {
      const problems = problemsOf(
        `playbooks:\n  - name: a\n    match: ${match}\n    actions: [notify, isolate-pod]\n`,
      );
      expect(problems).toEqual([
        expect.objectContaining({ file: "pb.yaml", line: 3, column: 12, field: "playbooks[0].match" }),
      ]);
      expect(problems[0]?.message).toMatch(/matches every alert.*isolate-pod.*any: true/);
    }
    expect(
      parsePlaybooks(`playbooks:\n  - { name: a, match: {}, actions: [notify, export-finding] }\n`),
    ).toHaveLength(1);
    const [everything] = parsePlaybooks(
      `playbooks:\n  - { name: a, match: { any: true }, actions: [kill-pod] }\n`,
    );
    expect(everything?.matches(exampleAlert("informational.json"))).toBe(true);
    expect(
      problemsOf(
        `playbooks:\n  - { name: a, match: { any: true, source: syscall }, actions: [notify] }\n`,
      )[0],
    ).toMatchObject({
      field: "playbooks[0].match.any",
      message: expect.stringMatching(/every alert.*remove.*\(source\)/),
    });
    // "Every alert but these" is explicit with `any: true`, and the exclusion still applies.
    const [allButSystem] = parsePlaybooks(
      `playbooks:\n  - { name: a, match: { any: true, namespaces: { exclude: [kube-system] } }, actions: [kill-pod] }\n`,
    );
    expect(allButSystem?.safety?.protectedNamespaces).toEqual(["kube-system"]);
    expect(
      parsePlaybooks(
        `playbooks:\n  - { name: a, match: { rules: "??", priority: ">= Debug" }, actions: [kill-pod] }\n`,
      ),
    ).toHaveLength(1);
  });

  describe("ordered actions: after and wait", () => {
    const chain = (actions: string) => `playbooks:
  - name: evidence-first
    match: { priority: Critical }
    actions:
${actions}`;

    it("accepts an action after an earlier one, with its wait (default 60s)", () => {
      const [playbook] = parsePlaybooks(
        chain(`      - isolate-pod
      - export-finding
      - action: taint-node
        after: isolate-pod
      - action: kill-pod
        after: export-finding
        wait: 90s
`),
      );
      expect(playbook?.actions).toEqual([
        { action: "isolate-pod", params: {} },
        { action: "export-finding", params: {} },
        { action: "taint-node", params: {}, after: "isolate-pod", waitMs: 60_000 },
        { action: "kill-pod", params: {}, after: "export-finding", waitMs: 90_000 },
      ]);
    });

    it.each([
      // A later action, itself, an action the playbook does not list: the order could never hold.
      [
        `      - action: kill-pod
        after: isolate-pod
      - isolate-pod
`,
        6,
        /names no earlier action of this playbook/,
      ],
      [
        `      - action: kill-pod
        after: kill-pod
`,
        6,
        /kill-pod cannot wait for itself/,
      ],
      [
        `      - isolate-pod
      - action: kill-pod
        after: taint-node
`,
        7,
        /names no earlier action of this playbook/,
      ],
      [
        `      - isolate-pod
      - action: kill-pod
        after: capture-all
`,
        7,
        /unknown action "capture-all"/,
      ],
      // notify records no outcome in the ledger: a wait on it would always run out.
      [
        `      - notify
      - action: kill-pod
        after: notify
`,
        7,
        /notify records no outcome/,
      ],
      // The scc-exporter and the notifier run each command at once: an order there would be ignored.
      [
        `      - isolate-pod
      - action: export-finding
        after: isolate-pod
`,
        7,
        /export-finding cannot wait for earlier actions/,
      ],
      [
        `      - isolate-pod
      - action: kill-pod
        after: isolate-pod
        wait: 6m
`,
        8,
        /at most 300s/,
      ],
      [
        `      - isolate-pod
      - action: kill-pod
        after: isolate-pod
        wait: 0s
`,
        8,
        /expected a whole number \(at least 1\)/,
      ],
      [
        `      - isolate-pod
      - action: kill-pod
        after: isolate-pod
        wait: soon
`,
        8,
        /expected a whole number/,
      ],
      [
        `      - isolate-pod
      - action: kill-pod
        wait: 30s
`,
        7,
        /wait needs after/,
      ],
      // An action listed twice makes a cycle inside one playbook.
      [
        `      - isolate-pod
      - action: kill-pod
        after: isolate-pod
      - action: isolate-pod
        after: kill-pod
`,
        7,
        /closes a cycle: kill-pod after isolate-pod \(evidence-first\), isolate-pod after kill-pod \(evidence-first\)/,
      ],
    ])("refuses a bad order with its line: %j", (actions, line, message) => {
      const problems = problemsOf(chain(actions));
      expect(problems).toEqual([expect.objectContaining({ file: "pb.yaml", line })]);
      expect(problems[0]?.message).toMatch(message);
    });
  });

  it("reads a file and names it in errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "riposte-pb-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "playbooks:\n  - name: x\n    match: { source: [] }\n    actions: [notify]\n");
    expect(() => loadPlaybookFile(file)).toThrow(`${file}:3:`);
    expect(() => loadPlaybookFile(join(dir, "missing.yaml"))).toThrow(/cannot read/);
  });
});
