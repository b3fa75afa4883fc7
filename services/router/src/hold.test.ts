// Several playbooks asking for one held action merge as the README says; the held commands are split
// from those published now, with their deadlines; the published ones tell the held actions.
import { Command } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { buildCommands, decide } from "./decide.js";
import { splitHeld, withAwaiting } from "./hold.js";
import { parsePlaybooks } from "./playbooks/load.js";
import { exampleAlert } from "./test-alerts.js";

const critical = exampleAlert("sidekick-critical-drop-exec.json");

const policy = (timeout: string, onTimeout: string, approvers: string[]) =>
  `{ timeout: ${timeout}, on_timeout: ${onTimeout}, approvers: ${JSON.stringify(approvers)} }`;

function decideWith(yaml: string, globalDryRun = false) {
  return decide(critical, parsePlaybooks(yaml), globalDryRun);
}

const planned = (decision: ReturnType<typeof decide>, action: string) =>
  decision.actions.find((entry) => entry.action === action);

describe("several playbooks ask for one held action", () => {
  it("held if any holds it; the shortest timeout; abandon wins; approvers united in file order", () => {
    const decision = decideWith(`playbooks:
  - name: first
    match: { any: true }
    actions:
      - action: kill-pod
        approval: ${policy("1h", "proceed", ["alice@acme.com", "group:sre@acme.com"])}
  - name: plain
    match: { any: true }
    actions: [kill-pod]
  - name: second
    match: { any: true }
    actions:
      - action: kill-pod
        approval: ${policy("10m", "abandon", ["group:SRE@acme.com", "bob@acme.com"])}
  - name: third
    match: { any: true }
    actions:
      - action: kill-pod
        approval: ${policy("2h", "proceed", ["carol@acme.com"])}
`);
    expect(planned(decision, "kill-pod")?.approval).toEqual({
      timeoutSeconds: 600,
      onTimeout: "abandon",
      approvers: ["user:alice@acme.com", "group:sre@acme.com", "user:bob@acme.com", "user:carol@acme.com"],
      playbooks: ["first", "second", "third"],
    });
    expect(planned(decision, "kill-pod")?.playbooks).toEqual(["first", "plain", "second", "third"]);
  });

  it("one playbook holding it is enough, whichever comes first", () => {
    for (const order of [
      ["plain", "holding"],
      ["holding", "plain"],
    ]) {
      const text = {
        plain: "  - name: plain\n    match: { any: true }\n    actions: [isolate-pod]\n",
        holding: `  - name: holding\n    match: { any: true }\n    actions:\n      - { action: isolate-pod, approval: ${policy("5m", "proceed", ["a@acme.com"])} }\n`,
      };
      const decision = decideWith(`playbooks:\n${order.map((name) => text[name as "plain"]).join("")}`);
      expect(planned(decision, "isolate-pod")?.approval?.playbooks, order.join(",")).toEqual(["holding"]);
    }
  });

  it("a trial playbook never holds a live action back; a dry-run action is held by its trial (a rehearsal)", () => {
    const decision = decideWith(`playbooks:
  - name: live
    match: { any: true }
    actions: [kill-pod]
  - name: trial
    dry_run: true
    match: { any: true }
    actions:
      - { action: kill-pod, approval: ${policy("5m", "abandon", ["a@acme.com"])} }
      - { action: taint-node, approval: ${policy("5m", "abandon", ["a@acme.com"])} }
`);
    expect(planned(decision, "kill-pod")).toMatchObject({ dryRun: false, trialPlaybooks: ["trial"] });
    expect(planned(decision, "kill-pod")?.approval).toBeUndefined();
    expect(planned(decision, "taint-node")).toMatchObject({
      dryRun: true,
      approval: { timeoutSeconds: 300, onTimeout: "abandon", playbooks: ["trial"] },
    });
  });

  it("DRY_RUN=true holds what the live playbooks hold", () => {
    const decision = decideWith(
      `playbooks:
  - name: live
    match: { any: true }
    actions:
      - { action: kill-pod, approval: ${policy("5m", "proceed", ["a@acme.com"])} }
`,
      true,
    );
    expect(planned(decision, "kill-pod")).toMatchObject({ dryRun: true, approval: { timeoutSeconds: 300 } });
  });
});

describe("held commands are split from those published now", () => {
  const decision = decideWith(`playbooks:
  - name: chain
    match: { any: true }
    actions:
      - isolate-pod
      - { action: capture, after: isolate-pod }
      - action: kill-pod
        after: capture
        approval: ${policy("15m", "proceed", ["group:sre@acme.com"])}
      - notify
`);
  const issuedAt = new Date("2025-06-01T12:00:00.000Z");
  const commands = buildCommands(critical, decision, issuedAt);

  it("the held command goes to the ledger with its deadline; the others are published", () => {
    const { publish, held } = splitHeld(decision.actions, commands, issuedAt);
    expect(publish.map((built) => built.command.kind)).toEqual(["IsolatePod", "Capture", "Notify"]);
    expect(held).toEqual([
      {
        action: "kill-pod",
        deadline: new Date("2025-06-01T12:15:00.000Z"),
        onTimeout: "proceed",
        approvers: ["group:sre@acme.com"],
        command: commands[2]?.command,
      },
    ]);
    // Kept whole, its order too: approved within the wait, it still runs after the capture.
    expect(held[0]?.command).toMatchObject({ kind: "KillPod", order: { after: ["capture"] } });
  });

  it("every published command tells the held actions, each a valid command", () => {
    const awaiting = [
      {
        action: "kill-pod" as const,
        deadline: "2025-06-01T12:15:00.000Z",
        onTimeout: "proceed" as const,
        approvers: ["group:sre@acme.com"],
      },
    ];
    const { publish } = splitHeld(decision.actions, commands, issuedAt);
    const out = withAwaiting(publish, awaiting);
    expect(out).toHaveLength(3);
    for (const { command } of out) {
      expect(command.awaitingApproval).toEqual(awaiting);
      expect(Command.parse(JSON.parse(JSON.stringify(command)))).toMatchObject({
        awaitingApproval: awaiting,
      });
    }
    expect(withAwaiting(publish, [])).toEqual(publish);
  });

  it("a list the contract refuses is caught here, not by every service receiving it", () => {
    const { publish } = splitHeld(decision.actions, commands, issuedAt);
    const bad = [{ action: "notify", deadline: "soon", onTimeout: "proceed", approvers: [] }];
    expect(() => withAwaiting(publish, bad as never)).toThrow(/cannot wait for an approval/);
  });
});
