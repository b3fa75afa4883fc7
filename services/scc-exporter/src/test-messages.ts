// Messages for the scc-exporter's tests, built from the shipped example alerts the way the router and
// the actioners build them (commands) and report (outcomes).
import type { ActionOutcome, ExportFindingCommand, OutcomeResult } from "@riposte/contracts";
import { commandFromExample, outcomeForTest } from "@riposte/contracts/testing";

export interface CommandChanges {
  top?: Record<string, unknown>;
  fields?: Record<string, unknown>;
  dryRun?: boolean;
  playbooks?: string[];
  issuedAt?: string;
}

/** An ExportFinding command for an example alert (optionally changed). */
export function exportCommand(file: string, changes: CommandChanges = {}): ExportFindingCommand {
  return commandFromExample("export-finding", file, {
    ...changes,
    playbooks: changes.playbooks ?? ["critical-default"],
  });
}

/** The outcome another service reports for the incident of `command`. */
export function outcomeFor(
  command: ExportFindingCommand,
  changes: Partial<Omit<ActionOutcome, "result">> & { result?: OutcomeResult } = {},
): ActionOutcome {
  return outcomeForTest(command, changes);
}
