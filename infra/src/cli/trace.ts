// `riposte trace INCIDENT`: the incident's span tree from the local OTLP receiver of `riposte dev`,
// or, against Google Cloud, the Cloud Trace console link (the trace id of an incident is its key).
import { isIncidentKey } from "@riposte/contracts";
import { traceConsoleUrl } from "@riposte/service-kit/gcp";
import type { CollectedSpan } from "@riposte/standins";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { isIncidentKeyOrShort, resolveIncident } from "./incident.js";
import { readDevState } from "./pubsub-target.js";
import { requireRunning } from "./reachable.js";

const usage = `Usage: riposte trace INCIDENT [--project P] [--receiver URL]

INCIDENT is the incident key, or the 12-character short key shown in Slack when the local receiver
holds exactly one incident starting with it (with --project, the full key).

Prints the incident's span tree (service, span, duration, outcome) from the OTLP receiver that
\`riposte dev\` runs (or --receiver). With --project, prints the Cloud Trace console URL instead:
an incident's trace id is its incident key.`;

/** The incident's Cloud Trace console link; a UsageError when `project` is not a project id. */
function cloudTraceLink(project: string, incident: string): string {
  const url = traceConsoleUrl(project, incident);
  if (!url) throw new UsageError(`${JSON.stringify(project)} is not a Google Cloud project id`);
  return url;
}

/** The span tree as text lines, children under parents, in start order. */
export function formatSpanTree(spans: readonly CollectedSpan[]): string[] {
  const byParent = new Map<string, CollectedSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) {
    // A span whose parent was not collected is shown as a root.
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : "";
    byParent.set(parent, [...(byParent.get(parent) ?? []), span]);
  }
  for (const list of byParent.values())
    list.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
  const lines: string[] = [];
  const walk = (parent: string, prefix: string) => {
    const children = byParent.get(parent) ?? [];
    children.forEach((span, index) => {
      const last = index === children.length - 1;
      const outcome =
        span.attributes["riposte.outcome"] ??
        (span.statusCode === 2 ? `error${span.statusMessage ? `: ${span.statusMessage}` : ""}` : "");
      const status = span.attributes["http.response.status_code"];
      lines.push(
        `${prefix}${last ? "└─" : "├─"} ${span.service.padEnd(12)} ${span.name}  ${span.durationMs.toFixed(1)} ms` +
          `${status ? `  [${status}]` : ""}${outcome ? `  → ${outcome}` : ""}`,
      );
      walk(span.spanId, `${prefix}${last ? "   " : "│  "}`);
    });
  };
  walk("", "");
  return lines;
}

/** The incidents the receiver holds spans of: a short key is resolved against these. */
async function knownIncidents(receiver: string): Promise<string[]> {
  const response = await fetch(`${receiver}/api/spans`);
  if (!response.ok) throw new Error(`the trace receiver at ${receiver} answered ${response.status}`);
  const { spans } = (await response.json()) as { spans: CollectedSpan[] };
  return spans.map((span) => span.traceId);
}

export const traceCommand: Command = {
  name: "trace",
  summary: "print an incident's span tree (or its Cloud Trace link)",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      project: { type: "string" },
      receiver: { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [typed] = positionals;
    if (!typed || !isIncidentKeyOrShort(typed))
      throw new UsageError(
        `expected an incident key (32 lowercase hex characters) or its 12-character short key\n\n${usage}`,
      );
    if (values.project) {
      // Cloud Trace is not searched by prefix here: its console link needs the full key.
      if (!isIncidentKey(typed))
        throw new UsageError("with --project, give the full 32-character incident key");
      console.log(cloudTraceLink(values.project, typed));
      return 0;
    }
    const receiver = values.receiver ?? readDevState()?.otlpReceiverUrl;
    if (!receiver) {
      const project = readCliEnv().GOOGLE_CLOUD_PROJECT;
      if (project && isIncidentKey(typed)) {
        console.log(cloudTraceLink(project, typed));
        return 0;
      }
      throw new UsageError("no trace receiver: run `riposte dev`, or pass --receiver URL or --project P");
    }
    await requireRunning(
      "trace receiver",
      receiver,
      "start `npm start`, or pass --receiver URL or --project P",
    );
    const incident = isIncidentKey(typed) ? typed : resolveIncident(typed, await knownIncidents(receiver));
    const response = await fetch(`${receiver}/api/spans?traceId=${incident}`);
    if (!response.ok) throw new Error(`the trace receiver at ${receiver} answered ${response.status}`);
    const { spans } = (await response.json()) as { spans: CollectedSpan[] };
    if (spans.length === 0) {
      console.log(`no spans for incident ${incident} yet (spans are exported within a second of each step)`);
      return 1;
    }
    const services = new Set(spans.map((span) => span.service));
    console.log(
      `incident ${incident}: ${spans.length} spans across ${services.size} services (${[...services].join(", ")})`,
    );
    for (const line of formatSpanTree(spans)) console.log(line);
    return 0;
  },
};
