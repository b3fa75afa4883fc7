// A playbook's `approval:` as written (issue 21): parsed to the contracts' policy, refused at start-up
// with file:line:column where it could not do what it says, and hostile approvers never get through.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { APPROVERS_MAX } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { PlaybookError, parsePlaybooks } from "./load.js";

function problemsOf(yaml: string) {
  try {
    parsePlaybooks(yaml, "pb.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(PlaybookError);
    return (error as PlaybookError).problems;
  }
  throw new Error("expected the playbooks to be refused");
}

/** One playbook with `actions` (YAML flow or block text, indented under `actions:`) and extra keys. */
function playbook(actions: string, extra = ""): string {
  return `playbooks:
  - name: gated
    match: { priority: ">= Critical" }
${extra}    actions:
${actions}`;
}

const APPROVAL = `{ timeout: 15m, on_timeout: proceed, approvers: ["group:SRE@acme.com", alice@acme.com] }`;

describe("approval: parsing", () => {
  it("an action's approval: timeout in seconds, approvers normalised to user:/group: and once each", () => {
    const [parsed] = parsePlaybooks(
      playbook(`      - notify
      - action: kill-pod
        approval:
          timeout: 15m
          on_timeout: abandon
          approvers: ["group:SRE@acme.com", " Alice@Acme.com ", "user:alice@acme.com"]
`),
    );
    expect(parsed?.actions).toEqual([
      { action: "notify", params: {} },
      {
        action: "kill-pod",
        params: {},
        approval: {
          timeoutSeconds: 900,
          onTimeout: "abandon",
          approvers: ["group:sre@acme.com", "user:alice@acme.com"],
        },
      },
    ]);
  });

  it("a playbook's approval holds each action that can be held; approval: false and an action's own win", () => {
    const [parsed] = parsePlaybooks(
      playbook(
        `      - notify
      - isolate-pod
      - { action: taint-node, approval: false }
      - action: kill-pod
        approval: { timeout: 1h, on_timeout: abandon, approvers: [bob@acme.com] }
`,
        `    approval: ${APPROVAL}\n`,
      ),
    );
    const held = Object.fromEntries(parsed?.actions.map((entry) => [entry.action, entry.approval]) ?? []);
    const playbookPolicy = {
      timeoutSeconds: 900,
      onTimeout: "proceed",
      approvers: ["group:sre@acme.com", "user:alice@acme.com"],
    };
    expect(held).toEqual({
      notify: undefined,
      "isolate-pod": playbookPolicy,
      "taint-node": undefined,
      "kill-pod": { timeoutSeconds: 3600, onTimeout: "abandon", approvers: ["user:bob@acme.com"] },
    });
  });

  it("the issue's chain: isolate and capture at once, the kill after the capture held", () => {
    const [parsed] = parsePlaybooks(
      playbook(`      - isolate-pod
      - { action: capture, after: isolate-pod }
      - action: kill-pod
        after: capture
        approval: ${APPROVAL}
`),
    );
    expect(parsed?.actions.map((entry) => Boolean(entry.approval))).toEqual([false, false, true]);
  });

  it("timeouts from 1m to 24h, as a duration", () => {
    for (const [timeout, seconds] of [
      ["1m", 60],
      ["60s", 60],
      ["24h", 86_400],
      ["1d", 86_400],
    ] as const) {
      const [parsed] = parsePlaybooks(
        playbook(
          `      - { action: kill-pod, approval: { timeout: ${timeout}, on_timeout: proceed, approvers: [a@b.io] } }\n`,
        ),
      );
      expect(parsed?.actions[0]?.approval?.timeoutSeconds).toBe(seconds);
    }
  });
});

describe("approval: refused at start-up, with file:line:column", () => {
  it("on notify and export-finding, pointing at the approval", () => {
    const problems = problemsOf(
      playbook(`      - action: notify
        approval: ${APPROVAL}
      - action: export-finding
        approval: ${APPROVAL}
`),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({
      file: "pb.yaml",
      line: 6,
      column: 19,
      field: "playbooks[0].actions[0].approval",
    });
    expect(problems[0]?.message).toMatch(
      /^notify cannot wait for an approval .*; approval: is for kill-pod, isolate-pod, taint-node, capture, capture-node$/,
    );
    expect(problems[1]).toMatchObject({ line: 8, field: "playbooks[0].actions[1].approval" });
    expect(problems[1]?.message).toMatch(/^export-finding cannot wait for an approval/);
  });

  it("a playbook's approval that holds none of its actions", () => {
    const problems = problemsOf(
      playbook(
        `      - notify\n      - { action: kill-pod, approval: false }\n`,
        `    approval: ${APPROVAL}\n`,
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ line: 4, field: "playbooks[0].approval" })]);
    expect(problems[0]?.message).toMatch(/holds none of this playbook's actions \(notify, kill-pod\)/);
  });

  it("an action after a held one, in its playbook or in another", () => {
    const problems = problemsOf(`playbooks:
  - name: gated
    match: { priority: ">= Critical" }
    actions:
      - action: isolate-pod
        approval: ${APPROVAL}
      - action: kill-pod
        after: isolate-pod
  - name: other
    match: { rules: [x] }
    actions:
      - isolate-pod
      - { action: capture-node, after: isolate-pod }
`);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ line: 8, column: 16, field: "playbooks[0].actions[1].after" });
    expect(problems[0]?.message).toBe(
      "after: isolate-pod, which this playbook holds for an approval: it has no outcome until someone decides, so kill-pod would stop waiting after its wait and run anyway; hold kill-pod instead, or order it after an action that is not held",
    );
    expect(problems[1]).toMatchObject({ line: 13, field: "playbooks[1].actions[1].after" });
    expect(problems[1]?.message).toMatch(/^after: isolate-pod, which playbook gated holds for an approval/);
  });

  it("a held action after a held one (a playbook's approval over a chain)", () => {
    const problems = problemsOf(
      playbook(
        `      - isolate-pod\n      - { action: kill-pod, after: isolate-pod }\n`,
        `    approval: ${APPROVAL}\n`,
      ),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(
      /the order would mean nothing .*drop after: or isolate-pod's approval/,
    );
  });

  it("a timeout out of bounds or not a duration, an unknown on_timeout, a missing or unknown key", () => {
    const cases: [string, string, RegExp][] = [
      [
        "{ timeout: 30s, on_timeout: proceed, approvers: [a@b.io] }",
        "approval.timeout",
        /from 60s \(1m\) to 86400s/,
      ],
      ["{ timeout: 25h, on_timeout: proceed, approvers: [a@b.io] }", "approval.timeout", /from 60s/],
      ["{ timeout: 15 minutes, on_timeout: proceed, approvers: [a@b.io] }", "approval.timeout", /e\.g\. 15m/],
      [
        "{ timeout: 900, on_timeout: proceed, approvers: [a@b.io] }",
        "approval.timeout",
        /duration such as 15m/,
      ],
      [
        "{ timeout: 15m, on_timeout: maybe, approvers: [a@b.io] }",
        "approval.on_timeout",
        /proceed .* or abandon/,
      ],
      ["{ timeout: 15m, on_timeout: proceed }", "approval.approvers", /./],
      ["{ timeout: 15m, on_timeout: proceed, approvers: [] }", "approval.approvers", /at least one approver/],
      ["{ timeout: 15m, on_timeout: proceed, approvers: [a@b.io], __proto__: x }", "approval", /__proto__/],
      ["true", "approval", /expected \{ timeout: 15m, .* or false/],
      ["yes please", "approval", /expected \{ timeout: 15m/],
    ];
    for (const [approval, field, message] of cases) {
      const problems = problemsOf(playbook(`      - action: kill-pod\n        approval: ${approval}\n`));
      expect(problems, approval).toHaveLength(1);
      expect(problems[0]?.field, approval).toBe(`playbooks[0].actions[0].${field}`);
      expect(problems[0]?.line, approval).toBe(6);
      expect(problems[0]?.message, approval).toMatch(message);
    }
  });
});

describe("approval: hostile approvers are refused with a clear message", () => {
  const refused = (approvers: string) =>
    problemsOf(
      playbook(`      - action: kill-pod
        approval:
          timeout: 15m
          on_timeout: proceed
          approvers: ${approvers}
`),
    );

  it.each([
    ["a newline inside", `["alice@acme.com\\nbcc: eve@evil.io"]`, /"alice@acme.com\\nbcc: eve@evil.io"/],
    [
      "group: without an email",
      `["group:"]`,
      /approver "group:": expected an email, user:EMAIL or group:EMAIL/,
    ],
    ["a bare name", `["alice"]`, /approver "alice"/],
    ["markup", `["<script>alert(1)</script>@acme.com"]`, /approver "<script>/],
    ["a look-alike Cyrillic a", `["\u0430lice@acme.com"]`, /approver "\u0430lice@acme.com"/],
    ["an unknown kind", `["role:admin@acme.com"]`, /approver "role:admin@acme.com"/],
    ["a number", `[12]`, /expected string/],
  ])("%s", (_, approvers, message) => {
    const problems = refused(approvers);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 9, field: "playbooks[0].actions[0].approval.approvers[0]" });
    expect(problems[0]?.message).toMatch(message);
  });

  it("a 10 KB approver: refused, and the message quotes 80 characters of it", () => {
    const problems = refused(`["${"a".repeat(10_000)}@acme.com"]`);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message.length).toBeLessThan(200);
  });

  it(`${APPROVERS_MAX + 1} approvers in one policy`, () => {
    const many = Array.from({ length: APPROVERS_MAX + 1 }, (_, index) => `u${index}@acme.com`);
    const problems = refused(JSON.stringify(many));
    expect(problems).toEqual([
      expect.objectContaining({ line: 9, field: "playbooks[0].actions[0].approval.approvers" }),
    ]);
    expect(problems[0]?.message).toBe(`at most ${APPROVERS_MAX} approvers`);
  });

  it(`more than ${APPROVERS_MAX} approvers of one action across the playbooks that hold it`, () => {
    const names = (from: number) =>
      JSON.stringify(Array.from({ length: 30 }, (_, index) => `u${from + index}@acme.com`));
    const problems = problemsOf(`playbooks:
  - name: a
    match: { priority: Critical }
    actions:
      - { action: kill-pod, approval: { timeout: 15m, on_timeout: proceed, approvers: ${names(0)} } }
  - name: b
    match: { rules: [x] }
    actions:
      - { action: kill-pod, approval: { timeout: 15m, on_timeout: proceed, approvers: ${names(21)} } }
`);
    expect(problems).toEqual([
      expect.objectContaining({ line: 9, field: "playbooks[1].actions[0].approval" }),
    ]);
    expect(problems[0]?.message).toMatch(
      /kill-pod is held by playbooks naming 51 approvers together \(at most 50/,
    );
  });
});

describe("approval: the README's example", () => {
  it("is a valid playbook that isolates and captures at once and holds the kill", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("**Approvals: a person decides.**"));
    const block = section.match(/```yaml\n([\s\S]*?)```/)?.[1] ?? "";
    const [parsed] = parsePlaybooks(
      `playbooks:\n  - name: readme\n    match: { priority: ">= Critical" }\n${block}`,
      "README.md",
    );
    expect(parsed?.actions.map((entry) => [entry.action, entry.approval])).toEqual([
      ["isolate-pod", undefined],
      ["capture", undefined],
      [
        "kill-pod",
        {
          timeoutSeconds: 900,
          onTimeout: "proceed",
          approvers: ["group:sre@acme.com", "user:alice@acme.com"],
        },
      ],
    ]);
  });
});

describe("approval: the README's local walk-through", () => {
  it("is a valid playbook file that isolates and notifies at once and holds the kill for the stand-in's on-call member", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Try it locally"));
    const block = section.match(/```yaml\n([\s\S]*?)```/)?.[1] ?? "";
    const [parsed, ...others] = parsePlaybooks(block, "approve-the-kill.yaml");
    expect(others).toEqual([]);
    expect(parsed?.actions.map((entry) => [entry.action, entry.approval])).toEqual([
      ["isolate-pod", undefined],
      ["notify", undefined],
      ["kill-pod", { timeoutSeconds: 900, onTimeout: "abandon", approvers: ["user:oncall@example.com"] }],
    ]);
  });
});
