// `riposte replay`: recorded alerts through a candidate playbook file and the current one, per incident
// what would be added, removed or changed — and never a command sent (no Pub/Sub client at all).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleAlertJson } from "@riposte/contracts/testing";
import { afterEach, describe, expect, it, vi } from "vitest";

const pubsubClients = vi.hoisted(() => ({ created: 0 }));
vi.mock("@google-cloud/pubsub", () => {
  class PubSub {
    constructor() {
      pubsubClients.created += 1;
    }
  }
  return { PubSub, default: { PubSub } };
});

const { main } = await import("./main.js");
const { createReplayCommand } = await import("./replay.js");

const CANDIDATE = `playbooks:
  - name: notify-all
    match: { priority: ">= Notice" }
    actions: [{ action: notify, params: { destinations: [soar] } }]
  - name: kill-shells
    match: { rules: "Terminal shell in container" }
    actions: [kill-pod]
`;

function scratch(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "riposte-replay-"));
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return [name, join(dir, name)];
    }),
  );
}

const recorded = [
  exampleAlertJson("modern-terminal-shell.json").trim(),
  exampleAlertJson("sidekick-critical-drop-exec.json").trim(),
  exampleAlertJson("sidekick-critical-drop-exec.json").trim(),
  exampleAlertJson("informational.json").trim(),
  "",
  '{"rule": "half an alert"}',
].join("\n");

async function replay(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const command = createReplayCommand({ out: (line) => out.push(line), err: (line) => err.push(line) });
  const code = await command.run(args);
  return { code, out, err };
}

describe("riposte replay", () => {
  afterEach(() => vi.restoreAllMocks());

  it("per incident: the actions added, removed and changed against the router's default playbooks", async () => {
    const files = scratch({ "candidate.yaml": CANDIDATE, "alerts.ndjson": recorded });
    const { code, out, err } = await replay([
      files["candidate.yaml"] as string,
      "--from",
      files["alerts.ndjson"] as string,
    ]);
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toMatch(
      /^incident [0-9a-f]{32} Notice "Terminal shell in container" on shop\/web-7d9f8c6b5-abcde/m,
    );
    expect(text).toContain(
      [
        "  + kill-pod (live) grace_period_seconds: 0",
        "  - isolate-pod (live) allow_dns: false",
        "  ~ notify: destinations [] → [soar]",
      ].join("\n"),
    );
    const critical = out.findIndex((line) => line.includes("Drop and execute new binary in container"));
    expect(out[critical]).toMatch(/^incident [0-9a-f]{32} Critical .*\(2 alerts\)$/);
    expect(out.slice(critical + 1, critical + 6).sort()).toEqual([
      "  - capture (live) log_bytes: 1048576, retry_for: 45s",
      "  - export-finding (live)",
      "  - isolate-pod (live) allow_dns: false",
      "  - kill-pod (live) grace_period_seconds: 0",
      "  ~ notify: destinations [] → [soar]",
    ]);
    expect(text).not.toContain("Launch Sensitive Mount Container");
    expect(out.at(-1)).toBe(
      "3 incidents from 4 alerts: 2 would change, 1 unchanged; 1 line was not an alert",
    );
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^line 6: not an alert: \$/);
  });

  it("--current FILE: compared against that file instead of the defaults", async () => {
    const files = scratch({ "candidate.yaml": CANDIDATE, "alerts.ndjson": recorded });
    const candidate = files["candidate.yaml"] as string;
    const { code, out } = await replay([
      candidate,
      "--from",
      files["alerts.ndjson"] as string,
      "--current",
      candidate,
    ]);
    expect(code).toBe(0);
    expect(out.at(-1)).toBe(
      "3 incidents from 4 alerts: 0 would change, 3 unchanged; 1 line was not an alert",
    );
  });

  it("a kill held for approval, or held otherwise, is a change", async () => {
    const held = (approval: string) => `playbooks:
  - name: kill-shells
    match: { rules: "Terminal shell in container" }
    actions: [{ action: kill-pod, approval: ${approval} }]
`;
    const files = scratch({
      "plain.yaml": CANDIDATE,
      "held.yaml": held("{ timeout: 15m, on_timeout: abandon, approvers: [group:sre@acme.com] }"),
      "longer.yaml": held("{ timeout: 1h, on_timeout: abandon, approvers: [group:sre@acme.com] }"),
      "alerts.ndjson": exampleAlertJson("modern-terminal-shell.json").trim(),
    });
    const run = async (candidate: string, current: string) =>
      (
        await replay([
          files[candidate] as string,
          "--from",
          files["alerts.ndjson"] as string,
          "--current",
          files[current] as string,
        ])
      ).out;
    expect(await run("held.yaml", "plain.yaml")).toContain(
      "  ~ kill-pod: approval not held → held 15m then abandon, approvers group:sre@acme.com",
    );
    expect(await run("longer.yaml", "held.yaml")).toContain(
      "  ~ kill-pod: approval held 15m then abandon, approvers group:sre@acme.com → held 1h then abandon, approvers group:sre@acme.com",
    );
    const added = await replay([files["held.yaml"] as string, "--from", files["alerts.ndjson"] as string]);
    expect(added.out).toContain(
      "  + kill-pod (live, held 15m then abandon, approvers group:sre@acme.com) grace_period_seconds: 0",
    );
  });

  it("--since needs the incident ledger: a clear error, exit 2", async () => {
    const files = scratch({ "candidate.yaml": CANDIDATE });
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const code = await main(["replay", files["candidate.yaml"] as string, "--since", "24h"]);
    expect(code).toBe(2);
    expect(error.mock.calls.flat().join("\n")).toContain(
      "--since is not available yet: needs the incident ledger",
    );
  });

  it("never creates a Pub/Sub client (through the whole CLI)", async () => {
    const files = scratch({ "candidate.yaml": CANDIDATE, "alerts.ndjson": recorded });
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await main([
      "replay",
      files["candidate.yaml"] as string,
      "--from",
      files["alerts.ndjson"] as string,
    ]);
    expect(code).toBe(0);
    expect(write.mock.calls.flat().join("")).toContain("2 would change");
    expect(pubsubClients.created).toBe(0);
  });

  it("needs --from, and one playbook file", async () => {
    await expect(replay([])).rejects.toThrow(/PLAYBOOKS/);
    const files = scratch({ "candidate.yaml": CANDIDATE });
    await expect(replay([files["candidate.yaml"] as string])).rejects.toThrow(/--from/);
  });
});
