// Messages for the scc-exporter's tests, built from the shipped example alerts the way the router and
// the actioners build them (commands) and report (outcomes).
import { readFileSync } from "node:fs";
import {
  ActionOutcome,
  ExportFindingCommand,
  type OutcomeResult,
  parseFalcoAlert,
  summarizeAlert,
} from "@riposte/falco-event";

const EXAMPLES = new URL("../../../examples/", import.meta.url);

export interface CommandChanges {
  top?: Record<string, unknown>;
  fields?: Record<string, unknown>;
  dryRun?: boolean;
  playbooks?: string[];
  issuedAt?: string;
}

/** An ExportFinding command for an example alert (optionally changed). */
export function exportCommand(file: string, changes: CommandChanges = {}): ExportFindingCommand {
  const raw = JSON.parse(readFileSync(new URL(file, EXAMPLES), "utf8")) as Record<string, unknown> & {
    output_fields: Record<string, unknown>;
  };
  const edited = { ...raw, ...changes.top, output_fields: { ...raw.output_fields, ...changes.fields } };
  const parsed = parseFalcoAlert(JSON.stringify(edited));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.path}: ${parsed.error.message}`);
  return ExportFindingCommand.parse({
    v: 1,
    kind: "ExportFinding",
    incident: parsed.alert.incidentKey,
    alert: summarizeAlert(parsed.alert),
    target: parsed.alert.target,
    dryRun: changes.dryRun ?? false,
    playbooks: changes.playbooks ?? ["critical-default"],
    issuedAt: changes.issuedAt ?? new Date().toISOString(),
  });
}

/** The outcome another service reports for the incident of `command`. */
export function outcomeFor(
  command: ExportFindingCommand,
  changes: Partial<Omit<ActionOutcome, "result">> & { result?: OutcomeResult } = {},
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
