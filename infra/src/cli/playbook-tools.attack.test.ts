// Attack tests: every string of an alert is the attacker's. Through `riposte playbook test`, `explain`
// and `replay`, an alert's rule, source and output fields carrying ANSI escapes, C1 controls, bidi
// overrides and line breaks reach the terminal only as visible \uXXXX text — they can neither drive
// the terminal nor forge a line (a fake "✓ … passed").
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { playbookExplain } from "./playbook-explain.js";
import { playbookTest } from "./playbook-test.js";
import { createReplayCommand } from "./replay.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const FORGED = "\n✓ forged.yaml: passed\r";
const RULE = `Shell\u001b[2J\u001b[31m\u009b1A\u202eevil${FORGED}`;
const SOURCE = "sys\u001b]0;pwned\u0007call";
const PROC = `ba\u001b[1Ash\u2028${FORGED}`;

const alert = JSON.stringify({
  rule: RULE,
  priority: "Notice",
  time: "2024-11-23T10:21:33.123456789Z",
  source: SOURCE,
  output: `attack ${FORGED}`,
  tags: [`t\u001b[0m${FORGED}`],
  output_fields: {
    "container.id": "4b2f1a9c8d7e",
    "k8s.ns.name": "shop",
    "k8s.pod.name": "web-1",
    "proc.name": PROC,
    [`field\u001b[31m${FORGED}`]: "x",
  },
});

const PLAYBOOKS = `playbooks:
  - name: by-source
    match: { source: syscall }
    actions: [notify]
  - name: by-rule
    match: { rules: "Terminal shell in container" }
    actions: [notify]
  - name: by-proc
    match: { output_fields: { proc.name: { in: [bash, sh] } } }
    actions: [notify]
  - name: by-proc-absent
    match: { output_fields: { proc.name: { exists: false } } }
    actions: [notify]
  - name: everything
    match: { any: true }
    actions: [{ action: notify, params: { destinations: [soc] } }]
`;

function files(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "riposte-attack-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  return {
    playbooks: write("playbooks.yaml", PLAYBOOKS),
    alert: write("alert.json", alert),
    // The case expects what the alert's fields do not give: every reason with alert text is printed.
    case: write(
      "case.yaml",
      "alert: alert.json\nexpect:\n  matched: [by-source, by-rule, by-proc, by-proc-absent]\n  actions: []\n",
    ),
    ndjson: write(
      "alerts.ndjson",
      `${alert}\n{"rule": "\\u001b[2J${"\\n"}✓ forged", "priority": "Nope\\u009b"}\n`,
    ),
  };
}

/** Everything a command wrote, one entry per write call (each is one line to the terminal). */
function capture() {
  const writes: string[] = [];
  return {
    writes,
    write: { out: (text: string) => writes.push(text), err: (text: string) => writes.push(text) },
  };
}

function expectInert(writes: readonly string[]): void {
  expect(writes.length).toBeGreaterThan(1);
  for (const text of writes) expect(text).not.toMatch(INVISIBLE);
  expect(writes.some((text) => text.startsWith("✓ forged"))).toBe(false);
}

describe("attack: terminal control from alert fields", () => {
  it("`playbook test`: reasons quoting the alert are escaped, no forged verdict line", async () => {
    const f = files();
    const { writes, write } = capture();
    expect(await playbookTest([f.playbooks as string, f.case as string], write)).toBe(1);
    expectInert(writes);
    const text = writes.join("\n");
    expect(text).toContain("source sys\\u001b]0;pwned\\u0007call, not one of: syscall");
    expect(text).toContain(
      "proc.name ba\\u001b[1Ash\\u2028\\u000a✓ forged.yaml: passed\\u000d, not one of: bash, sh",
    );
    expect(text).toContain(
      'rule "Shell\\u001b[2J\\u001b[31m\\u009b1A\\u202eevil\\n✓ forged.yaml: passed\\r"',
    );
  });

  it("`playbook test --json`: valid JSON whose strings keep the attacker's text exactly", async () => {
    const f = files();
    const { writes, write } = capture();
    await playbookTest(["--json", f.playbooks as string, f.case as string], write);
    expectInert([...writes, "-"]);
    const report = JSON.parse(writes.join(""));
    const reasons = report.cases[0].failures.map((failure: { actual: unknown }) => String(failure.actual));
    expect(reasons.some((reason: string) => reason.includes(PROC))).toBe(true);
  });

  it("`playbook explain`: the alert heading and every reason are escaped", async () => {
    const f = files();
    const { writes, write } = capture();
    expect(await playbookExplain([f.playbooks as string, f.alert as string], write)).toBe(0);
    expectInert(writes);
    expect(writes[0]).toContain("\\u009b1A\\u202eevil");
  });

  it("`replay`: incident headings and refused lines are escaped", async () => {
    const f = files();
    const { writes, write } = capture();
    const code = await createReplayCommand(write).run([
      f.playbooks as string,
      "--from",
      f.ndjson as string,
      "--current",
      f.playbooks as string,
    ]);
    expect(code).toBe(0);
    // The same playbooks on both sides: nothing changes, so the refused line is what gets printed.
    expectInert([...writes, "-"]);
    const changed = await createReplayCommand(write).run([
      f.playbooks as string,
      "--from",
      f.ndjson as string,
    ]);
    expect(changed).toBe(0);
    expectInert(writes);
    expect(writes.join("\n")).toContain("\\u202eevil");
  });
});
