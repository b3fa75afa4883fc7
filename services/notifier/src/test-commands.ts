// Test helper: Notify commands and action outcomes built from the repository's example alerts, the way
// the router and the actioners build them (parsed by the message schemas, so always valid).
import { type ActionOutcome, type AwaitingApproval, NotifyCommand } from "@riposte/contracts";
import { commandFromExample, outcomeForTest, uniqueAlertTime } from "@riposte/contracts/testing";

export interface CommandChanges {
  /** Top-level keys of the Falco alert JSON (rule, priority, output, …). */
  top?: Record<string, unknown>;
  /** output_fields entries. */
  fields?: Record<string, unknown>;
  destinations?: string[];
  dryRun?: boolean;
}

/** A Notify command for an example alert, with a unique time (so a unique incident) unless `top.time` is given. */
export function notifyCommand(
  file = "sidekick-critical-drop-exec.json",
  changes: CommandChanges = {},
): NotifyCommand {
  return commandFromExample("notify", file, {
    top: { time: uniqueAlertTime(), ...changes.top },
    ...(changes.fields ? { fields: changes.fields } : {}),
    dryRun: changes.dryRun ?? false,
    playbooks: ["notify-and-record"],
    params: { destinations: changes.destinations ?? [] },
  });
}

/** The outcome an actioner would publish for `command`. */
export function outcomeOf(
  command: NotifyCommand,
  changes: Partial<Pick<ActionOutcome, "service" | "action" | "result" | "reason" | "details">> = {},
): ActionOutcome {
  return outcomeForTest(command, changes);
}

/** A held action as the router lists it on every command of the incident (15 min, proceed, two approvers). */
export function heldAction(changes: Partial<AwaitingApproval> = {}): AwaitingApproval {
  return {
    action: "kill-pod",
    deadline: new Date(Date.now() + 15 * 60_000).toISOString(),
    onTimeout: "proceed",
    approvers: ["group:sre@acme.com", "user:alice@acme.com"],
    ...changes,
  };
}

/** `command` with the incident's actions held for approval, parsed as the notifier receives it. */
export function awaitingApproval(command: NotifyCommand, held: AwaitingApproval[]): NotifyCommand {
  return NotifyCommand.parse({ ...command, awaitingApproval: held });
}

/** The outcome the console publishes when a held action is denied or abandoned (result refused). */
export function decisionOutcome(
  command: NotifyCommand,
  decision: { state: "denied" | "abandoned"; by: string; via: string; action?: string; reason?: string },
): ActionOutcome {
  const { state, by, via, action = "kill-pod" } = decision;
  const at = new Date().toISOString();
  return outcomeOf(command, {
    service: "console",
    action,
    result: "refused",
    reason:
      decision.reason ??
      (state === "denied" ? `denied by ${by} via ${via}` : "abandoned: no decision before the deadline"),
    details: { approval: { state, by, via, at } },
  });
}

/** Text an attacker controls in an alert, trying every way to ping, link or break out. */
export const HOSTILE_TEXT =
  "<!channel> <!here> @here @channel @everyone <@U0123ABCD> <#C0123ABCD> <!subteam^S1|@sec> " +
  "<https://evil.example/login|Click to confirm> <mailto:x@evil.example|mail> " +
  "``` ``` `` ` *bold* _it_ ~s~ &amp; &lt;!channel&gt; \u202egnp.exe \u001b[31m https://evil.example/bare";
