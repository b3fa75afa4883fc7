// The project itself: the APIs the plan uses, and its number (the Pub/Sub service agent's name).
import { gcloud, type PlanStep } from "../commands.js";
import type { PlanContext } from "./context.js";
import { scheduledCallsOf, usesLedger } from "./ledger.js";
import { ingestsByLogging } from "./log-sink.js";

type ApiNeeds = Pick<
  PlanContext,
  "selected" | "whole" | "needsKubernetes" | "usesSecrets" | "playbooks" | "options"
>;

/** The APIs to enable, which the preflight also lists. */
export function requiredApis({
  selected,
  whole,
  needsKubernetes,
  usesSecrets,
  playbooks,
  options,
}: ApiNeeds): string[] {
  const roles = selected.flatMap((service) => service.gcpRoles.map((grant) => grant.role));
  return [
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "iam.googleapis.com",
    "pubsub.googleapis.com",
    "cloudtrace.googleapis.com",
    "telemetry.googleapis.com",
    ...(needsKubernetes || roles.some((role) => role.startsWith("roles/container.")) || whole
      ? ["container.googleapis.com"]
      : []),
    ...(roles.some((role) => role.startsWith("roles/securitycenter."))
      ? ["securitycenter.googleapis.com"]
      : []),
    ...(usesSecrets || playbooks ? ["secretmanager.googleapis.com"] : []),
    // Direct VPC egress and the preflight's subnet lookup.
    ...(options.vpc ? ["compute.googleapis.com"] : []),
    // The incident ledger, and the scheduled calls into the services that use it.
    ...(selected.some(usesLedger) ? ["firestore.googleapis.com"] : []),
    ...(scheduledCallsOf(selected).length > 0 ? ["cloudscheduler.googleapis.com"] : []),
    // The log sink of --ingest logging|both.
    ...(whole && ingestsByLogging(options.ingest) ? ["logging.googleapis.com"] : []),
  ];
}

export function enableApisStep({ apis, projectFlag }: PlanContext): PlanStep {
  return {
    title: "Enable the APIs",
    why: "Cloud Run builds with Cloud Build into Artifact Registry; Pub/Sub carries every message; the rest follows from the descriptors",
    commands: [{ call: gcloud(["services", "enable"], apis, [projectFlag]) }],
  };
}

export function projectNumberStep({ project }: PlanContext): PlanStep {
  return {
    title: "Read the project number",
    why: "the Pub/Sub service agent is service-<project number>@gcp-sa-pubsub.iam.gserviceaccount.com",
    commands: [
      {
        call: gcloud(["projects", "describe"], [project], [["format", "value(projectNumber)"]]),
        capture: "PROJECT_NUMBER",
      },
    ],
  };
}
