// What a service is, declared once: topology, RBAC manifests, deploy commands and the README's env
// tables are all derived from these descriptors, never written a second time.
import type { z } from "zod";

export interface PushInput {
  /** Topic this input reads, e.g. "pod-killer" or "action-outcomes". */
  topic: string;
  /** HTTP path the push subscription targets, e.g. "/" or "/outcomes". */
  path: string;
  /** Message kinds accepted here (documentation and topology checks). */
  accepts: readonly string[];
}

/** One RBAC rule, as it appears in a ClusterRole. */
export interface KubernetesPermission {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
  /** Why the service needs it; printed as a comment in the generated manifest. */
  reason: string;
}

/** A GCP IAM role and what it is granted on. */
export interface GcpRoleGrant {
  role: string;
  on: { kind: "project" } | { kind: "organization" } | { kind: "topic"; topic: string };
  reason: string;
}

export interface RuntimeSettings {
  /** Push ack deadline = Cloud Run request timeout; handlers must finish well within it. */
  ackDeadlineSeconds: number;
  /** Cloud Run concurrency (requests per instance). */
  concurrency: number;
  /** Warm instances: the first responders cannot wait for a cold start. */
  minInstances: number;
  maxInstances?: number;
  /** Dead-letter after this many failed deliveries (Pub/Sub allows 5–100). */
  maxDeliveryAttempts: number;
}

export interface ServiceDescriptor<Env extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  inputs: readonly PushInput[];
  /** Topics this service publishes to; it gets publisher on exactly these. */
  publishes: readonly string[];
  kubernetes: readonly KubernetesPermission[];
  gcpRoles: readonly GcpRoleGrant[];
  /** The service's own environment variables (the kit's common ones are added by startService). */
  env: Env;
  runtime: RuntimeSettings;
  /** Environment for `riposte dev`: points the service at the local stand-ins. */
  localEnv?: (local: LocalEnvironment) => Record<string, string>;
}

/** What `riposte dev` runs locally, for services to point at. */
export interface LocalEnvironment {
  /** The simulated cluster's API server URL (plain HTTP, anonymous full access). */
  kubernetesUrl: string;
  /** The Slack stand-in's webhook URL (or SLACK_WEBHOOK_URL when the user set one). */
  slackWebhookUrl: string;
  /** A generic (SOAR) webhook URL on the stand-in. */
  webhookUrl: string;
  /** host:port of the SCC stand-in (insecure gRPC). */
  sccEndpoint: string;
  /** The "Riposte" source created on the SCC stand-in: `organizations/O/sources/S`. */
  sccSourceName: string;
  /** OTLP/HTTP traces endpoint of the local collector. */
  otlpEndpoint?: string;
}

export const DEFAULT_RUNTIME: RuntimeSettings = {
  // Long enough for a Kubernetes call with retries, short enough that a stuck push is retried soon.
  ackDeadlineSeconds: 30,
  // Handlers are I/O bound; 80 is Cloud Run's default and leaves headroom for bursts.
  concurrency: 80,
  minInstances: 0,
  // Pub/Sub's minimum; a transient failure gets five tries before it is dead-lettered.
  maxDeliveryAttempts: 5,
};

/** The subscription feeding `input`: the service's first input is `<service>`, others `<service>-<topic>`. */
export function subscriptionNameFor(
  descriptor: Pick<ServiceDescriptor, "name" | "inputs">,
  input: PushInput,
): string {
  return descriptor.inputs[0] === input ? descriptor.name : `${descriptor.name}-${input.topic}`;
}
