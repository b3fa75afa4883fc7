// Falco's alerts through Cloud Logging instead of falcosidekick (`--ingest logging|both`): GKE's logging
// agent already collects Falco's stdout; a log sink publishes the matching entries, LogEntries around
// Falco's JSON lines, to falco-events, where the router unwraps them.
import { Topics } from "@riposte/contracts";
import { gcloud, type PlanStep, planVariable } from "../commands.js";
import type { PlanContext } from "./context.js";

/** How Falco's alerts reach falco-events: falcosidekick (the default), a log sink, or both. */
export const INGEST_PATHS = ["sidekick", "logging", "both"] as const;
export type IngestPath = (typeof INGEST_PATHS)[number];

/** The log sink's name in the project. */
export const FALCO_LOG_SINK = "riposte-falco-events";

/** Where Falco's DaemonSet runs (README: Install Falco on GKE) and its container's name in the chart. */
export const FALCO_CONTAINER = { namespace: "falco", container: "falco" } as const;

const SINK_WRITER = "FALCO_SINK_WRITER";

export function ingestsBySidekick(ingest: IngestPath | undefined): boolean {
  return ingest !== "logging";
}

export function ingestsByLogging(ingest: IngestPath | undefined): boolean {
  return ingest === "logging" || ingest === "both";
}

/**
 * The entries the sink forwards: the Falco container's logs on GKE, in every cluster of the project.
 * Falco's start-up lines match too; the router acks and counts them. The k8saudit release, in the same
 * namespace with the same container name, is included: its audit alerts are alerts as well.
 */
export function falcoLogFilter(): string {
  const { namespace, container } = FALCO_CONTAINER;
  return [
    'resource.type="k8s_container"',
    `resource.labels.namespace_name="${namespace}"`,
    `resource.labels.container_name="${container}"`,
  ].join(" AND ");
}

/** Only a whole plan owns falco-events' publishers, so only a whole plan creates the sink. */
export function logSinkSteps({ whole, options, project, projectFlag }: PlanContext): PlanStep[] {
  if (!whole || !ingestsByLogging(options.ingest)) return [];
  const describeSink = (flags: Parameters<typeof gcloud>[2]) =>
    gcloud(["logging", "sinks", "describe"], [FALCO_LOG_SINK], flags);
  return [
    {
      title: "Route Falco's container logs to falco-events",
      why: `a log sink publishes Falco's log entries (${falcoLogFilter()}) to ${Topics.falcoEvents}, with no falcosidekick; the sink writes as its own identity (writerIdentity), which may publish to ${Topics.falcoEvents} only`,
      commands: [
        {
          unless: describeSink([projectFlag]),
          call: gcloud(
            ["logging", "sinks", "create"],
            [FALCO_LOG_SINK, `pubsub.googleapis.com/projects/${project}/topics/${Topics.falcoEvents}`],
            [
              ["log-filter", falcoLogFilter()],
              ["description", "Falco's alerts (its container's log lines) for the Riposte router"],
              projectFlag,
            ],
          ),
        },
        { call: describeSink([["format", "value(writerIdentity)"], projectFlag]), capture: SINK_WRITER },
        {
          call: gcloud(
            ["pubsub", "topics", "add-iam-policy-binding"],
            [Topics.falcoEvents],
            [["member", planVariable(SINK_WRITER)], ["role", "roles/pubsub.publisher"], projectFlag],
          ),
        },
      ],
    },
  ];
}
