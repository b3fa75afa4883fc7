// The project itself: the APIs the plan uses, and its number (the Pub/Sub service agent's name).

import type { ServiceDescriptor } from "@riposte/service-kit";
import { gcloud, type PlanStep } from "../commands.js";
import { DeployPlanError, type PlanContext } from "./context.js";
import { scheduledCallsOf, usesLedger } from "./ledger.js";
import { ingestsByLogging } from "./log-sink.js";

type ApiNeeds = Pick<
  PlanContext,
  "selected" | "whole" | "needsKubernetes" | "usesSecrets" | "playbooks" | "options"
>;

const API_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.googleapis\.com$/;

/** The APIs descriptors name are Google API service names (they become words of the script). */
export function checkDeclaredApis(selected: readonly ServiceDescriptor[]): void {
  for (const service of selected) {
    for (const { api } of service.apis ?? []) {
      if (!API_NAME.test(api)) {
        throw new DeployPlanError(
          `${service.name}: API ${JSON.stringify(api)}: expected NAME.googleapis.com`,
        );
      }
    }
  }
}

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
  const web = selected.some((service) => service.web);
  // Each once: a descriptor may name an API the plan enables anyway.
  const apis = [
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
    // A web front: its load balancer and Identity-Aware Proxy.
    ...(web ? ["compute.googleapis.com", "iap.googleapis.com"] : []),
    // What the descriptors name (e.g. the console's Cloud Identity API for group approvers).
    ...selected.flatMap((service) => (service.apis ?? []).map((entry) => entry.api)),
  ];
  return [...new Set(apis)];
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
