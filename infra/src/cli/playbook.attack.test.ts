// Attack tests (adversarial review of issue 15 #1): `riposte playbook deploy` refuses an invalid or
// hostile file before any gcloud call, and a destructive action on a match that lets every alert through
// is refused unless the match says `any: true`.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandRunner } from "../deploy/apply.js";
import { createPlaybookCommand } from "./playbook.js";

async function deploy(content: string | Buffer | null) {
  const dir = mkdtempSync(join(tmpdir(), "riposte-playbook-attack-"));
  const file = join(dir, "playbooks.yaml");
  if (content !== null) writeFileSync(file, content);
  const calls: string[][] = [];
  const err: string[] = [];
  const command = createPlaybookCommand({
    runner: {
      run: async (argv: readonly string[]) => {
        calls.push([...argv]);
        return { code: 0, stdout: "4\n", stderr: "" };
      },
    } as CommandRunner,
    out: () => {},
    err: (text) => err.push(text),
  });
  let code: number;
  try {
    code = await command.run(["deploy", file, "--project", "acme-prod"]);
  } catch (error) {
    code = -1;
    err.push(String(error));
  }
  return { code, calls, err: err.join("\n") };
}

const kill = (match: string) => `playbooks:\n  - name: p\n    match: ${match}\n    actions: [kill-pod]\n`;

describe("attack: hostile playbook files are refused before any gcloud call", () => {
  const hostile: [string, string | Buffer | null][] = [
    ["missing file", null],
    ["not YAML", "playbooks: [ {"],
    ["binary", Buffer.from([0, 1, 2, 0xff, 0xfe])],
    ["empty file", ""],
    [
      "alias bomb",
      `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nplaybooks: []\n`,
    ],
    [
      "__proto__ key",
      `playbooks:\n  - name: p\n    match: { rules: x }\n    actions: [notify]\n    __proto__: { dry_run: true }\n`,
    ],
    [
      "duplicate keys",
      `playbooks:\n  - name: p\n    match: { rules: x }\n    match: {}\n    actions: [kill-pod]\n`,
    ],
    [
      "two documents",
      `playbooks: []\n---\nplaybooks:\n  - name: p\n    match: {}\n    actions: [kill-pod]\n`,
    ],
    ["yaml tag", `playbooks: !!js/function "function(){}"\n`],
  ];
  for (const [name, content] of hostile) {
    it(name, async () => {
      const run = await deploy(content);
      expect(run.code, run.err).not.toBe(0);
      expect(run.calls).toEqual([]);
    });
  }
});

describe("attack: a destructive action on a match that cannot fail needs `any: true`", () => {
  const everyAlert = [
    "{}",
    "{ target: any }",
    '{ rules: "*" }',
    '{ rules: ["*", "Terminal shell in container"] }',
    '{ priority: ">= Debug" }',
    '{ priority: "<= Emergency" }',
  ];
  for (const match of everyAlert) {
    it(`match: ${match}`, async () => {
      const run = await deploy(kill(match));
      expect(run.code, `accepted: ${match}`).not.toBe(0);
      expect(run.calls).toEqual([]);
    });
  }
  it("match: { any: true } is accepted (the explicit opt-in)", async () => {
    const run = await deploy(kill("{ any: true }"));
    expect(run.code, run.err).toBe(0);
  });
});
