import { Command } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { buildCommands, decide, type PlaybookOutcome } from "./decide.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./playbooks/default-playbooks.js";
import { parsePlaybooks } from "./playbooks/load.js";
import { exampleAlert } from "./test-alerts.js";

const defaults = parsePlaybooks(DEFAULT_PLAYBOOKS_YAML);
const actionsFor = (alert: ReturnType<typeof exampleAlert>) =>
  decide(alert, defaults)
    .actions.map((a) => a.action)
    .sort();

describe("default playbooks", () => {
  it("a Critical alert with a pod: isolate, capture, kill, notify, export", () => {
    expect(actionsFor(exampleAlert("sidekick-critical-drop-exec.json"))).toEqual([
      "capture",
      "export-finding",
      "isolate-pod",
      "kill-pod",
      "notify",
    ]);
  });

  it("a terminal shell (Notice): isolate and notify, no finding", () => {
    expect(actionsFor(exampleAlert("modern-terminal-shell.json"))).toEqual(["isolate-pod", "notify"]);
  });

  it("a Critical alert on the node itself: taint, notify, export", () => {
    const hostCritical = exampleAlert("host-level.json", { top: { priority: "Critical" } });
    expect(actionsFor(hostCritical)).toEqual(["export-finding", "notify", "taint-node"]);
  });

  it("a Critical alert with only a container id: kill (the actioner resolves the pod)", () => {
    const alert = exampleAlert("2019-terminal-shell-no-pod.json", { top: { priority: "Critical" } });
    expect(actionsFor(alert)).toContain("kill-pod");
  });

  it("Falco's own alerts: notify only, whatever the priority", () => {
    const internal = exampleAlert("host-level.json", {
      top: { priority: "Critical", source: "internal", rule: "Falco internal: syscall event drop" },
    });
    expect(actionsFor(internal)).toEqual(["notify"]);
  });

  it("an Informational alert: nothing", () => {
    expect(decide(exampleAlert("informational.json"), defaults)).toEqual({ matched: [], actions: [] });
  });
});

describe("precedence when several playbooks ask for one action", () => {
  const playbooks = parsePlaybooks(`playbooks:
  - name: first
    match: { any: true }
    actions:
      - { action: kill-pod, params: { grace_period_seconds: 5 } }
      - { action: notify, params: { destinations: [slack-sec] } }
  - name: trial
    dry_run: true
    match: { any: true }
    actions:
      - { action: kill-pod, params: { grace_period_seconds: 30 } }
      - { action: notify, params: { destinations: [soar, slack-sec] } }
      - action: isolate-pod
    safety: { allow_daemonset_pods: true }
  - name: stopper
    continue: false
    match: { rules: "Drop and *" }
    actions: [export-finding]
  - name: never-reached
    match: { any: true }
    actions: [taint-node]
`);
  const alert = exampleAlert("sidekick-critical-drop-exec.json");
  const decision = decide(alert, playbooks);
  const byAction = Object.fromEntries(decision.actions.map((a) => [a.action, a]));

  it("one command per action, in first-requested order, naming every playbook that asked", () => {
    expect(decision.matched).toEqual(["first", "trial", "stopper"]);
    expect(decision.actions.map((a) => a.action)).toEqual([
      "kill-pod",
      "notify",
      "isolate-pod",
      "export-finding",
    ]);
    expect(byAction["kill-pod"]?.playbooks).toEqual(["first", "trial"]);
  });

  it("the live playbook's params win; a trial playbook's are left out of a live action", () => {
    expect(byAction["kill-pod"]?.params).toEqual({ gracePeriodSeconds: 5 });
    expect(byAction.notify?.params).toEqual({ destinations: ["slack-sec"] });
  });

  it("among live playbooks the earliest param wins and destinations are the union", () => {
    const live = parsePlaybooks(`playbooks:
  - name: a
    match: { any: true }
    actions: [{ action: notify, params: { destinations: [slack-sec] } }, { action: kill-pod, params: { grace_period_seconds: 5 } }]
  - name: b
    match: { any: true }
    actions: [{ action: notify, params: { destinations: [soar, slack-sec] } }, { action: kill-pod, params: { grace_period_seconds: 30 } }]
`);
    const [notify, kill] = decide(alert, live).actions;
    expect(notify?.params).toEqual({ destinations: ["slack-sec", "soar"] });
    expect(kill?.params).toEqual({ gracePeriodSeconds: 5 });
  });

  it("dry-run only when every requesting playbook is dry-run", () => {
    expect(byAction["kill-pod"]?.dryRun).toBe(false);
    expect(byAction["isolate-pod"]?.dryRun).toBe(true);
    expect(byAction["isolate-pod"]?.safety).toEqual({ allowDaemonSetPods: true });
  });

  it("safety: the strictest wins — a trial playbook's loosening never reaches a live action", () => {
    expect(byAction["kill-pod"]?.dryRun).toBe(false);
    expect(byAction["kill-pod"]?.safety).toEqual({});
  });

  it("a playbook's excluded namespaces are protected from its actions, whatever the alert says", () => {
    const [excluding] = parsePlaybooks(`playbooks:
  - name: not-payments
    match: { any: true, namespaces: { exclude: [payments, "pay-*"] } }
    actions: [kill-pod]
    safety: { protected_namespaces: [billing], allow_mirror_pods: false }
`);
    const noNamespace = exampleAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.ns.name": null, "k8s.pod.name": null },
    });
    const decision = decide(noNamespace, excluding ? [excluding] : []);
    expect(decision.actions[0]?.safety).toEqual({
      protectedNamespaces: ["billing", "payments", "pay-*"],
      allowMirrorPods: false,
    });
    const command = buildCommands(noNamespace, decision, new Date())[0]?.command;
    expect(command?.safety).toEqual({
      protectedNamespaces: ["billing", "payments", "pay-*"],
      allowMirrorPods: false,
    });
  });

  it("continue: false stops evaluation", () => {
    expect(byAction["taint-node"]).toBeUndefined();
  });

  it("the global dry-run forces every action to dry-run", () => {
    expect(decide(alert, playbooks, true).actions.every((a) => a.dryRun)).toBe(true);
  });

  it("builds commands that validate, with defaults filled in", () => {
    const commands = buildCommands(alert, decision, new Date("2026-01-01T00:00:00Z"));
    expect(commands.map((c) => c.topic)).toEqual(["pod-killer", "notifier", "isolator", "scc-exporter"]);
    for (const { command } of commands)
      expect(Command.safeParse(JSON.parse(JSON.stringify(command))).success).toBe(true);
    expect(commands[2]?.command).toMatchObject({
      kind: "IsolatePod",
      incident: alert.incidentKey,
      params: { allowDns: false },
      dryRun: true,
      target: { namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2" },
      issuedAt: "2026-01-01T00:00:00.000Z",
    });
  });
});

describe("buildCommands checks shared parts once", () => {
  // Every action, with params left to their defaults and set, safety overrides and dry-run mixed.
  const everything = parsePlaybooks(`playbooks:
  - name: all-actions
    match: { any: true }
    actions: [kill-pod, isolate-pod, taint-node, notify, export-finding]
    safety: { protected_namespaces: [billing] }
  - name: with-params
    match: { any: true }
    dry_run: true
    actions:
      - action: taint-node
        params: { effect: NoExecute, cordon: true }
      - action: notify
        params: { destinations: [soar] }
`);
  const examples = [
    "2019-terminal-shell-no-pod.json",
    "2019-terminal-shell-pod.json",
    "host-level.json",
    "informational.json",
    "k8saudit-exec.json",
    "k8smeta-fields.json",
    "modern-k8s-api-contact.json",
    "modern-terminal-shell.json",
    "na-fields.json",
    "sidekick-critical-drop-exec.json",
  ];

  it.each(examples)("%s: every command is exactly what a full Command.parse of it gives", (file) => {
    const alert = exampleAlert(file);
    const commands = buildCommands(alert, decide(alert, everything), new Date("2026-01-02T03:04:05.678Z"));
    expect(commands).toHaveLength(5);
    for (const { command } of commands) {
      const wire = JSON.parse(JSON.stringify(command));
      expect(Command.parse(wire)).toEqual(wire);
    }
  });

  it("an alert whose summary the schema refuses still throws (a bug, never a bad command)", () => {
    const alert = exampleAlert("sidekick-critical-drop-exec.json");
    const broken = { ...alert, severity: 6 };
    expect(() => buildCommands(broken, decide(alert, everything), new Date())).toThrow(/severity/);
  });
});

describe("a trial (dry-run) playbook never changes a live action", () => {
  const hostCritical = exampleAlert("host-level.json", { top: { priority: "Critical" } });
  // The trial playbook comes first: "the earliest playbook's params win" must not let it win.
  const playbooks = parsePlaybooks(`playbooks:
  - name: trial-evict
    dry_run: true
    match: { any: true }
    actions:
      - action: taint-node
        params: { effect: NoExecute, cordon: true }
      - action: notify
        params: { destinations: [soar] }
  - name: live-taint
    match: { any: true }
    actions:
      - action: taint-node
        params: { effect: NoSchedule }
      - action: notify
        params: { destinations: [slack-sec] }
`);

  it("a live taint takes its params from the live playbooks only", () => {
    const decision = decide(hostCritical, playbooks);
    const taint = decision.actions.find((a) => a.action === "taint-node");
    expect(taint).toMatchObject({ dryRun: false, params: { effect: "NoSchedule" } });
    const [command] = buildCommands(hostCritical, { ...decision, actions: taint ? [taint] : [] }, new Date());
    expect(command?.command).toMatchObject({
      kind: "TaintNode",
      dryRun: false,
      params: { effect: "NoSchedule", cordon: false },
    });
  });

  it("a trial playbook adds no destination to a live notify (its destinations get no real message)", () => {
    const notify = decide(hostCritical, playbooks).actions.find((a) => a.action === "notify");
    expect(notify).toMatchObject({ dryRun: false, params: { destinations: ["slack-sec"] } });
  });

  it("the command still names every playbook that asked, and which were trials that did not shape it", () => {
    const decision = decide(hostCritical, playbooks);
    const taint = decision.actions.find((a) => a.action === "taint-node");
    expect(taint?.playbooks).toEqual(["trial-evict", "live-taint"]);
    expect(taint?.trialPlaybooks).toEqual(["trial-evict"]);
    const [command] = buildCommands(hostCritical, { ...decision, actions: taint ? [taint] : [] }, new Date());
    expect(command?.command).toMatchObject({
      playbooks: ["trial-evict", "live-taint"],
      trialPlaybooks: ["trial-evict"],
    });
    expect(Command.safeParse(JSON.parse(JSON.stringify(command?.command))).success).toBe(true);
  });

  it("when every requesting playbook is dry-run, the action is dry-run and their params merge", () => {
    const trialsOnly = parsePlaybooks(`playbooks:
  - name: trial-a
    dry_run: true
    match: { any: true }
    actions: [{ action: taint-node, params: { effect: NoExecute } }]
  - name: trial-b
    dry_run: true
    match: { any: true }
    actions: [{ action: taint-node, params: { effect: NoSchedule, cordon: true } }]
`);
    const [taint] = decide(hostCritical, trialsOnly).actions;
    expect(taint).toMatchObject({ dryRun: true, params: { effect: "NoExecute", cordon: true } });
    expect(taint?.trialPlaybooks).toBeUndefined();
  });

  it("under the global DRY_RUN the command says what the live playbooks would really do", () => {
    const taint = decide(hostCritical, playbooks, true).actions.find((a) => a.action === "taint-node");
    expect(taint).toMatchObject({ dryRun: true, params: { effect: "NoSchedule" } });
  });

  it("a trial playbook's continue: false does not stop the live playbooks after it", () => {
    const stopping = parsePlaybooks(`playbooks:
  - name: trial-stop
    dry_run: true
    continue: false
    match: { any: true }
    actions: [notify]
  - name: trial-after
    dry_run: true
    match: { any: true }
    actions: [export-finding]
  - name: live-after
    match: { any: true }
    actions: [taint-node]
`);
    const decision = decide(hostCritical, stopping);
    expect(decision.matched).toEqual(["trial-stop", "live-after"]);
    expect(decision.actions.map((a) => [a.action, a.dryRun])).toEqual([
      ["notify", true],
      ["taint-node", false],
    ]);
  });
});

describe("explaining a decision", () => {
  const playbooks = parsePlaybooks(`playbooks:
  - name: a
    match: { priority: ">= Critical" }
    actions: [{ action: notify, params: { destinations: [slack-sec] } }, { action: kill-pod, params: { grace_period_seconds: 5 } }]
  - name: b
    match: { any: true }
    actions: [{ action: notify, params: { destinations: [soar, slack-sec] } }, { action: kill-pod, params: { grace_period_seconds: 30 } }]
  - name: trial-stop
    dry_run: true
    continue: false
    match: { any: true }
    actions: [export-finding]
  - name: trial-skipped
    dry_run: true
    match: { any: true }
    actions: [export-finding]
  - name: stop
    continue: false
    match: { any: true }
    actions: [notify]
  - name: after-stop
    match: { any: true }
    actions: [taint-node]
`);
  const alert = exampleAlert("sidekick-critical-drop-exec.json");

  it("says which playbook each merged param came from (destinations: every contributor)", () => {
    const { actions } = decide(alert, playbooks);
    const byAction = Object.fromEntries(actions.map((a) => [a.action, a]));
    expect(byAction["kill-pod"]?.paramsFrom).toEqual({ gracePeriodSeconds: ["a"] });
    expect(byAction.notify?.paramsFrom).toEqual({ destinations: ["a", "b"] });
    expect(byAction.notify?.params).toEqual({ destinations: ["slack-sec", "soar"] });
  });

  it("reports every playbook: matched, the first failed condition, or which playbook stopped evaluation", () => {
    const outcomes: PlaybookOutcome[] = [];
    const decision = decide(exampleAlert("modern-terminal-shell.json"), playbooks, false, (outcome) =>
      outcomes.push(outcome),
    );
    expect(outcomes).toEqual([
      {
        playbook: "a",
        matched: false,
        failed: { condition: "priority", reason: "priority Notice < Critical" },
      },
      { playbook: "b", matched: true },
      { playbook: "trial-stop", matched: true },
      { playbook: "trial-skipped", matched: false, stoppedBy: "trial-stop" },
      { playbook: "stop", matched: true },
      { playbook: "after-stop", matched: false, stoppedBy: "stop" },
    ]);
    expect(decision.matched).toEqual(["b", "trial-stop", "stop"]);
  });
});

describe("ordered actions (after, wait)", () => {
  const alert = exampleAlert("sidekick-critical-drop-exec.json");
  const issuedAt = new Date("2026-01-01T00:00:00Z");
  const orderOf = (yaml: string, action: string) => {
    const decision = decide(alert, parsePlaybooks(yaml));
    const built = buildCommands(alert, decision, issuedAt);
    for (const { command } of built)
      expect(Command.safeParse(JSON.parse(JSON.stringify(command))).success).toBe(true);
    return built.find(({ command }) => command.kind === action)?.command.order;
  };
  const playbook = (name: string, actions: string, dryRun = false) => `
  - name: ${name}
    match: { priority: Critical }
    dry_run: ${dryRun}
    actions:
${actions}`;

  it("the command carries the earlier action and the latest time it waits to", () => {
    const yaml = `playbooks:${playbook("evidence-first", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod, wait: 90s }")}`;
    expect(orderOf(yaml, "KillPod")).toEqual({
      after: ["isolate-pod"],
      notAfter: "2026-01-01T00:01:30.000Z",
    });
    expect(orderOf(yaml, "IsolatePod")).toBeUndefined();
  });

  it("several live playbooks ordering one action: it waits for each earlier action, for the shortest wait", () => {
    const yaml = `playbooks:${playbook("a", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod, wait: 120s }")}${playbook("b", "      - export-finding\n      - { action: kill-pod, after: export-finding, wait: 30s }")}${playbook("c", "      - kill-pod")}`;
    expect(orderOf(yaml, "KillPod")).toEqual({
      after: ["isolate-pod", "export-finding"],
      notAfter: "2026-01-01T00:00:30.000Z",
    });
  });

  it("a trial playbook's order never holds a live action back", () => {
    const yaml = `playbooks:${playbook("live", "      - kill-pod")}${playbook("trial", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod }", true)}`;
    expect(orderOf(yaml, "KillPod")).toBeUndefined();
  });

  it("a dry-run chain is planned whole: the trial's kill waits for its isolation (default 60 s)", () => {
    const yaml = `playbooks:${playbook("trial", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod }", true)}`;
    expect(orderOf(yaml, "KillPod")).toEqual({
      after: ["isolate-pod"],
      notAfter: "2026-01-01T00:01:00.000Z",
    });
  });
});
