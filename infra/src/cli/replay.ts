// `riposte replay PLAYBOOKS.yaml --from FILE`: recorded alerts through a candidate playbook file and the
// current one, both with the router's own decide(); per incident, the actions that would be added,
// removed or changed. Nothing is published: this module has no Pub/Sub client to publish with.
import { createReadStream } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { FalcoAlert } from "@riposte/contracts";
import type { CompiledPlaybook } from "@riposte/router";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import {
  DEFAULT_CLUSTER_FIELD,
  defaultPlaybooks,
  describeAlert,
  type EffectiveCommand,
  evaluate,
  InputError,
  type Lines,
  parseAlert,
  readPlaybooks,
  safeLines,
  showDuration,
  showValue,
} from "./playbook-eval.js";

const usage = `Usage: riposte replay PLAYBOOKS.yaml --from FILE [--current FILE] [--cluster-field F] [--dry-run]

Runs recorded alerts (FILE: one JSON alert per line, as Falco or falcosidekick wrote them) through
PLAYBOOKS.yaml and through the current playbooks (--current FILE, or the router's defaults), with the
router's own decision, and prints per incident the actions that would be added (+), removed (-) or
changed (~). An incident is decided once, on its first alert, as the router's dedup does.
Nothing is sent.

Options:
  --from FILE         the recorded alerts (NDJSON)
  --current FILE      the playbooks running now (default: the router's default playbooks)
  --since DURATION    the incidents of the ledger (not available yet: needs the incident ledger)
  --cluster-field F   output field naming the cluster, as the router's CLUSTER_FIELD (default cluster)
  --dry-run           decide as the router with DRY_RUN=true`;

interface Incident {
  alert: FalcoAlert;
  alerts: number;
}

interface Recording {
  incidents: Map<string, Incident>;
  alerts: number;
  refused: number;
}

export function createReplayCommand(write: { out(text: string): void; err(text: string): void }): Command {
  return {
    name: "replay",
    summary: "what a candidate playbook file would change, on recorded alerts (sends nothing)",
    usage,
    async run(args) {
      const { values, positionals } = parseCommandArgs({ usage }, args, {
        from: { type: "string" },
        current: { type: "string" },
        since: { type: "string" },
        "cluster-field": { type: "string" },
        "dry-run": { type: "boolean" },
      });
      if (values.help) {
        write.out(usage);
        return 0;
      }
      const [candidateFile, ...extra] = positionals;
      if (!candidateFile || extra.length > 0) throw new UsageError(`expected one PLAYBOOKS.yaml\n\n${usage}`);
      if (values.since !== undefined) {
        throw new UsageError(
          "--since is not available yet: needs the incident ledger; replay recorded alerts with --from FILE",
        );
      }
      if (!values.from) throw new UsageError(`--from FILE is required\n\n${usage}`);
      const lines = safeLines(write);
      const dryRun = Boolean(values["dry-run"]);
      try {
        const candidate = readPlaybooks(candidateFile);
        const current = values.current ? readPlaybooks(values.current) : defaultPlaybooks();
        const recording = await readRecording(
          values.from,
          values["cluster-field"] ?? DEFAULT_CLUSTER_FIELD,
          lines,
        );
        let changed = 0;
        for (const [key, incident] of recording.incidents) {
          const changes = compareDecisions(incident.alert, current, candidate, dryRun);
          if (changes.length === 0) continue;
          changed += 1;
          const count = incident.alerts > 1 ? ` (${incident.alerts} alerts)` : "";
          lines.out(`incident ${key} ${describeAlert(incident.alert)}${count}`);
          for (const change of changes) lines.out(`  ${change}`);
        }
        lines.out(summary(recording, changed));
        return 0;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        for (const line of error.message.split("\n")) lines.err(line);
        return 1;
      }
    },
  };
}

/** Alerts grouped by incident, in order of first appearance; lines that are not alerts are reported. */
async function readRecording(file: string, clusterField: string, lines: Lines): Promise<Recording> {
  const recording: Recording = { incidents: new Map(), alerts: 0, refused: 0 };
  const input = createReadStream(file, "utf8");
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", (error) => reject(new InputError(`cannot read ${file}: ${error.message}`)));
  });
  await opened;
  let number = 0;
  for await (const line of ndjsonLines(input)) {
    number += 1;
    if (line.trim() === "") continue;
    let alert: FalcoAlert;
    try {
      alert = parseAlert(line, clusterField, `line ${number}`);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      recording.refused += 1;
      lines.err(error.message);
      continue;
    }
    recording.alerts += 1;
    const seen = recording.incidents.get(alert.incidentKey);
    if (seen) seen.alerts += 1;
    else recording.incidents.set(alert.incidentKey, { alert, alerts: 1 });
  }
  return recording;
}

/**
 * Lines split on \n only (a trailing \r dropped). Not readline: it also breaks at \r, U+2028 and
 * U+2029, which JSON allows raw inside a string, so an alert could cut itself in two.
 */
async function* ndjsonLines(input: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of input) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) yield part.endsWith("\r") ? part.slice(0, -1) : part;
  }
  if (rest !== "") yield rest;
}

/** `+ kill-pod (live) grace_period_seconds: 0`, `- isolate-pod (live)`, `~ notify: destinations [] → [soar]` */
function compareDecisions(
  alert: FalcoAlert,
  current: readonly CompiledPlaybook[],
  candidate: readonly CompiledPlaybook[],
  dryRun: boolean,
): string[] {
  const before = new Map(
    evaluate(alert, current, dryRun).commands.map((command) => [command.action, command]),
  );
  const after = new Map(
    evaluate(alert, candidate, dryRun).commands.map((command) => [command.action, command]),
  );
  const added = [...after.values()].filter((command) => !before.has(command.action));
  const removed = [...before.values()].filter((command) => !after.has(command.action));
  const changed = [...after.values()].flatMap((command) => {
    const old = before.get(command.action);
    const differences = old ? paramChanges(old, command) : [];
    return differences.length > 0 ? [`~ ${command.action}: ${differences.join("; ")}`] : [];
  });
  return [
    ...added.map((command) => `+ ${commandText(command)}`),
    ...removed.map((command) => `- ${commandText(command)}`),
    ...changed,
  ];
}

function commandText(command: EffectiveCommand): string {
  const params = Object.entries(command.params).map(([key, value]) => `${key}: ${showValue(value)}`);
  const held = command.approval ? `, ${holdText(command)}` : "";
  return `${command.action} (${command.dryRun ? "dry-run" : "live"}${held})${params.length > 0 ? ` ${params.join(", ")}` : ""}`;
}

/** A hold as a change line compares it: the merged policy, not the playbooks it came from. */
function holdText(command: EffectiveCommand): string {
  const { approval } = command;
  if (!approval) return "not held";
  return `held ${showDuration(approval.timeoutSeconds)} then ${approval.onTimeout}, approvers ${approval.approvers.join(", ")}`;
}

function paramChanges(before: EffectiveCommand, after: EffectiveCommand): string[] {
  const changes: string[] = [];
  if (before.dryRun !== after.dryRun) changes.push(`dry_run ${before.dryRun} → ${after.dryRun}`);
  if (holdText(before) !== holdText(after)) changes.push(`approval ${holdText(before)} → ${holdText(after)}`);
  for (const key of new Set([...Object.keys(before.params), ...Object.keys(after.params)])) {
    if (!isDeepStrictEqual(before.params[key], after.params[key])) {
      changes.push(`${key} ${showValue(before.params[key])} → ${showValue(after.params[key])}`);
    }
  }
  return changes;
}

function summary(recording: Recording, changed: number): string {
  const incidents = recording.incidents.size;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const refused =
    recording.refused > 0
      ? `; ${plural(recording.refused, "line")} ${recording.refused === 1 ? "was" : "were"} not an alert`
      : "";
  return `${plural(incidents, "incident")} from ${plural(recording.alerts, "alert")}: ${changed} would change, ${incidents - changed} unchanged${refused}`;
}

export const replayCommand: Command = createReplayCommand({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
