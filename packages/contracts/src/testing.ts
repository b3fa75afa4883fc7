// Test helpers: alerts and commands built from the shipped examples (examples/ at the repository
// root), changed as a test needs, and parsed through the real schemas — so they are always what the
// router and the actioners really exchange.
import { readFileSync } from "node:fs";
import { ACTIONS, type ActionName } from "./actions.js";
import { type FalcoAlert, parseFalcoAlert } from "./alert.js";
import { type JsonValue, parseJsonLossless, stringifyJsonLossless } from "./json.js";
import { ActionOutcome, Command, type CommandInput, type CommandOf, summarizeAlert } from "./messages.js";

const EXAMPLES = new URL("../../../examples/", import.meta.url);

export interface AlertChanges {
  /** Top-level keys of the alert JSON (rule, priority, time, …). */
  top?: Record<string, unknown>;
  /** output_fields entries to set (null or "<NA>" make a value absent). */
  fields?: Record<string, unknown>;
  /** output_fields entries to remove. */
  drop?: string[];
}

/** The JSON text of an example alert with `changes` applied (as is when there are none). */
export function exampleAlertJson(file: string, changes: AlertChanges = {}): string {
  const text = readFileSync(new URL(file, EXAMPLES), "utf8");
  if (!changes.top && !changes.fields && !changes.drop) return text;
  // Lossless both ways: the examples carry nanosecond times past 2^53.
  const parsed = parseJsonLossless(text);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.path}: ${parsed.error.message}`);
  const raw = parsed.value as Record<string, JsonValue> & { output_fields: Record<string, JsonValue> };
  const fields: Record<string, unknown> = { ...raw.output_fields, ...changes.fields };
  for (const key of changes.drop ?? []) delete fields[key];
  return stringifyJsonLossless({ ...raw, ...changes.top, output_fields: fields } as JsonValue);
}

export function exampleAlert(file: string, changes: AlertChanges = {}): FalcoAlert {
  const parsed = parseFalcoAlert(exampleAlertJson(file, changes));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.path}: ${parsed.error.message}`);
  return parsed.alert;
}

let tick = 0;

/** A time no other call gives: the same example sent twice becomes two incidents. */
export function uniqueAlertTime(): string {
  tick += 1;
  return new Date(Date.UTC(2026, 0, 1) + tick).toISOString();
}

export interface CommandOptions extends AlertChanges {
  params?: Record<string, unknown>;
  dryRun?: boolean;
  safety?: Record<string, unknown>;
  playbooks?: string[];
  issuedAt?: string;
}

/** A validated command of `action` for an example alert, as the router would publish it. */
export function commandFromExample<A extends ActionName>(
  action: A,
  file: string,
  options: CommandOptions = {},
) {
  const alert = exampleAlert(file, options);
  const input = {
    v: 1,
    kind: ACTIONS[action].kind,
    incident: alert.incidentKey,
    alert: summarizeAlert(alert),
    target: alert.target,
    params: options.params ?? {},
    dryRun: options.dryRun ?? false,
    playbooks: options.playbooks ?? ["test"],
    ...(options.safety ? { safety: options.safety } : {}),
    issuedAt: options.issuedAt ?? new Date().toISOString(),
  } as CommandInput;
  return Command.parse(input) as CommandOf<A>;
}

/** The outcome another service reports for `command`'s incident (by default: the pod-killer killed it). */
export function outcomeForTest(
  command: Command,
  changes: Partial<Omit<ActionOutcome, "v" | "kind">> = {},
): ActionOutcome {
  return ActionOutcome.parse({
    v: 1,
    kind: "ActionOutcome",
    service: "pod-killer",
    action: "kill-pod",
    incident: command.incident,
    result: "done",
    reason: "pod deleted",
    details: {},
    alert: command.alert,
    target: command.target,
    at: new Date().toISOString(),
    ...changes,
  });
}
