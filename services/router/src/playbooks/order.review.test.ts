// Review attacks on ordered actions (issue 19): can a playbook file that loads write a cycle, or an
// order the router cannot turn into a command? Holes stay as it.fails with what the fix would be.
import { Command } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { buildCommands, decide } from "../decide.js";
import { exampleAlert } from "../test-alerts.js";
import { parsePlaybooks } from "./load.js";

const alert = exampleAlert("sidekick-critical-drop-exec.json");
const issuedAt = new Date("2026-01-01T00:00:00Z");
const playbook = (name: string, actions: string, dryRun = false) => `
  - name: ${name}
    match: { priority: Critical }
    dry_run: ${dryRun}
    actions:
${actions}`;
/** Each built command's order, by kind (undefined: unordered). */
const ordersOf = (yaml: string) =>
  Object.fromEntries(
    buildCommands(alert, decide(alert, parsePlaybooks(yaml)), issuedAt).map(({ command }) => [
      command.kind,
      command.order?.after ?? [],
    ]),
  );

describe("review: no cycle can be written", () => {
  // HOLE: orderProblems checks each playbook alone. Two playbooks, each valid, order kill after isolate
  // and isolate after kill; mergeOrder unions them, so each command waits for the other and both run
  // only at notAfter (60 s by default, up to 300 s) with stoppedWaitingFor. Fix: after merging (or at
  // load, over every pair of playbooks that can match together), refuse or drop an order that closes a
  // cycle — e.g. at load, a graph of after-edges across all playbooks must be acyclic.
  it("two playbooks cannot order two actions after each other", () => {
    const yaml = `playbooks:${playbook("evidence-first", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod }")}${playbook("kill-first", "      - kill-pod\n      - { action: isolate-pod, after: kill-pod }")}`;
    let orders: Record<string, string[]>;
    try {
      orders = ordersOf(yaml);
    } catch {
      return; // refused at load: holds
    }
    expect(orders.KillPod?.includes("isolate-pod") && orders.IsolatePod?.includes("kill-pod")).toBe(false);
  });

  // HOLE: an action listed twice in one playbook: its second entry may wait for an action listed
  // between the two, which itself waits for the first entry — one playbook, a cycle. Fix: refuse an
  // action listed twice in one playbook (orderProblems), or check `after` against actions listed
  // before the *first* entry of this action.
  it("one playbook listing an action twice cannot make a cycle", () => {
    const yaml = `playbooks:${playbook("twice", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod }\n      - { action: isolate-pod, after: kill-pod }")}`;
    let orders: Record<string, string[]>;
    try {
      orders = ordersOf(yaml);
    } catch {
      return;
    }
    expect(orders.KillPod?.includes("isolate-pod") && orders.IsolatePod?.includes("kill-pod")).toBe(false);
  });

  // HOLE (severe): `- kill-pod` then `- { action: kill-pod, after: kill-pod }` loads — kill-pod *is*
  // listed earlier — and buildCommands (which parses params only) publishes a KillPod whose order waits
  // for itself. The pod-killer's schema refuses it ("order.after.0: kill-pod cannot wait for itself"):
  // quarantined, so the pod is never killed, silently. Fix: orderProblems refuses `after` naming the
  // entry's own action (and an action listed twice, above); buildCommands could also run the command
  // schema's refinement so a failure shows up as the bug it is.
  it("a playbook whose action waits for itself is refused at load, not at routing time", () => {
    const yaml = `playbooks:${playbook("self", "      - notify\n      - kill-pod\n      - { action: kill-pod, after: kill-pod }")}`;
    let loaded = true;
    try {
      parsePlaybooks(yaml, "pb.yaml");
    } catch {
      loaded = false;
    }
    if (!loaded) return;
    // Loaded: then routing must still publish valid commands.
    const built = buildCommands(alert, decide(alert, parsePlaybooks(yaml)), issuedAt);
    for (const { command } of built) expect(Command.safeParse(command).success).toBe(true);
  });
});

describe("review: a trial never holds a live action back", () => {
  it("a live kill ordered after an isolation that only a trial asks for is still a live chain", () => {
    // The live playbook asks for both; the trial's extra order on the kill is ignored.
    const yaml = `playbooks:${playbook("live", "      - isolate-pod\n      - kill-pod")}${playbook("trial", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod, wait: 300s }", true)}`;
    const built = buildCommands(alert, decide(alert, parsePlaybooks(yaml)), issuedAt);
    const kill = built.find(({ command }) => command.kind === "KillPod")?.command;
    expect(kill?.dryRun).toBe(false);
    expect(kill?.order).toBeUndefined();
  });

  it("the shortest wait of the live playbooks wins over an unordered live request", () => {
    const yaml = `playbooks:${playbook("a", "      - isolate-pod\n      - { action: kill-pod, after: isolate-pod, wait: 5s }")}${playbook("b", "      - kill-pod")}`;
    const built = buildCommands(alert, decide(alert, parsePlaybooks(yaml)), issuedAt);
    const kill = built.find(({ command }) => command.kind === "KillPod")?.command;
    expect(kill?.order?.notAfter).toBe("2026-01-01T00:00:05.000Z");
  });
});
