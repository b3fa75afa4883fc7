// The *target* of an alert: which cluster, node, namespace, pod and container it is about. Derived from
// the alert's `hostname` and `output_fields`, whose keys depend on the Falco version and plugins (k8s.*
// fields from the container plugin or k8smeta, k8s_audit's ka.* fields), and from the envelope it came
// in when the alert lacks them (a LogEntry's cluster and node labels). Every name is validated before it can reach a Kubernetes API
// call; a refused name is left out and recorded in `rejected` with the reason.

import { isAbsent } from "./absent.js";
import type { JsonObject, JsonValue } from "./json.js";
import { stringifyJsonLossless } from "./json.js";
import {
  explainDns1123Label,
  explainDns1123Subdomain,
  isClusterName,
  isContainerId,
  isContainerName,
  isImageReference,
  isNamespaceName,
  isNodeName,
  isPodName,
  isPodUid,
} from "./k8s-names.js";

/** A name found in the alert but refused as a target, and why. `field` is the output field (or `hostname`). */
export interface RejectedName {
  field: string;
  value: string;
  reason: string;
}

/** What an alert is about. Every property is absent when unknown or refused. JSON-serialisable. */
export interface Target {
  cluster?: string;
  node?: string;
  namespace?: string;
  pod?: string;
  podUid?: string;
  /** 12 or 64 lowercase hex chars, or "host" when the process ran on the node itself. */
  containerId?: string;
  containerName?: string;
  image?: string;
  rejected: RejectedName[];
}

export interface TargetOptions {
  /** Output field holding the cluster name (a falcosidekick customfield). Default "cluster". */
  clusterField?: string;
}

export interface TargetInput {
  outputFields: JsonObject;
  hostname?: string | undefined;
  source?: string | undefined;
  /** Names the alert's envelope gives (a Cloud Logging LogEntry's labels), used where the alert has none. */
  envelope?: EnvelopeNames | undefined;
}

/** A value from outside the alert, with the field that held it (for `rejected`). Validated like the alert's. */
export interface EnvelopeName {
  field: string;
  value: JsonValue;
}

export interface EnvelopeNames {
  cluster?: EnvelopeName | undefined;
  /** The node the alert's Falco ran on: the target's node only for node-local (syscall) sources. */
  node?: EnvelopeName | undefined;
}

export const DEFAULT_CLUSTER_FIELD = "cluster";

/** Longest rejected value kept verbatim; the raw alert keeps the rest. */
const REJECTED_VALUE_MAX_LENGTH = 1024;

// Sources whose `hostname` is the node the event happened on. For plugin sources such as k8s_audit,
// `hostname` is the node running the Falco instance that read the audit log: not the target's node.
// Falco before 0.30 wrote no `source`; falcosidekick fills in "syscalls" when Falco sent none.
const NODE_LOCAL_SOURCES = new Set(["syscall", "syscalls"]);

// Falco's own alerts (dropped events, /test) are about Falco, not a workload.
const INTERNAL_SOURCE = "internal";

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

interface NameRule {
  validate: (value: string) => boolean;
  explain: (value: string) => string;
}

const NAMESPACE_RULE: NameRule = { validate: isNamespaceName, explain: explainDns1123Label };
const CLUSTER_RULE: NameRule = { validate: isClusterName, explain: explainDns1123Label };
const POD_RULE: NameRule = { validate: isPodName, explain: explainDns1123Subdomain };
const NODE_RULE: NameRule = { validate: isNodeName, explain: explainDns1123Subdomain };
const POD_UID_RULE: NameRule = {
  validate: isPodUid,
  explain: () => "not a pod UID (a lowercase UUID like 2f9c6a1e-8b3d-4c7a-9e21-5d4f3b2a1c09)",
};
const CONTAINER_ID_RULE: NameRule = {
  validate: isContainerId,
  explain: () => 'not a container ID (12 or 64 lowercase hex characters, or "host")',
};
const CONTAINER_NAME_RULE: NameRule = {
  validate: isContainerName,
  explain: () => "not a container name (letters, digits, '_', '.', '-', at most 253 characters)",
};
const IMAGE_RULE: NameRule = {
  validate: isImageReference,
  explain: () => "not an image reference (letters, digits and ._-/:@+, at most 1024 characters)",
};
const IMAGE_TAG_RULE: NameRule = {
  validate: (value) => IMAGE_TAG.test(value),
  explain: () => "not an image tag (letters, digits, '_', '.', '-', at most 128 characters)",
};

function describeRejectedValue(value: JsonValue): string {
  const text = typeof value === "string" ? value : stringifyJsonLossless(value);
  return text.length > REJECTED_VALUE_MAX_LENGTH ? `${text.slice(0, REJECTED_VALUE_MAX_LENGTH)}…` : text;
}

function jsonTypeOf(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

class TargetBuilder {
  readonly rejected: RejectedName[] = [];

  constructor(private readonly outputFields: JsonObject) {}

  private reject(field: string, value: JsonValue, reason: string): void {
    this.rejected.push({ field, value: describeRejectedValue(value), reason });
  }

  /** Validates one value; records the refusal and returns undefined when it is not acceptable. */
  check(field: string, value: JsonValue | undefined, rule: NameRule): string | undefined {
    if (isAbsent(value)) return undefined;
    if (typeof value !== "string") {
      this.reject(field, value, `expected a string, got ${jsonTypeOf(value)}`);
      return undefined;
    }
    if (!rule.validate(value)) {
      this.reject(field, value, rule.explain(value));
      return undefined;
    }
    return value;
  }

  field(name: string): JsonValue | undefined {
    return Object.hasOwn(this.outputFields, name) ? this.outputFields[name] : undefined;
  }

  /**
   * The value named by the first present field among `fields`. Conservative on purpose: if any
   * present candidate is refused, or two valid candidates disagree, the target property stays unknown.
   */
  pick(fields: readonly string[], rule: NameRule): string | undefined {
    let chosen: { field: string; value: string } | undefined;
    let refused = false;
    for (const field of fields) {
      const raw = this.field(field);
      if (isAbsent(raw)) continue;
      const value = this.check(field, raw, rule);
      if (value === undefined) {
        refused = true;
      } else if (chosen === undefined) {
        chosen = { field, value };
      } else if (chosen.value !== value) {
        this.reject(field, value, `conflicts with ${chosen.field}=${JSON.stringify(chosen.value)}`);
        refused = true;
      }
    }
    return refused ? undefined : chosen?.value;
  }
}

/** Derives the target from an alert's hostname, source and output fields. Never throws. */
export function extractTarget(input: TargetInput, options: TargetOptions = {}): Target {
  if (input.source === INTERNAL_SOURCE) return { rejected: [] };
  const builder = new TargetBuilder(input.outputFields);
  const target: Omit<Target, "rejected"> = {};

  const clusterField = options.clusterField ?? DEFAULT_CLUSTER_FIELD;
  const envelope = input.envelope ?? {};
  const cluster =
    isAbsent(builder.field(clusterField)) && envelope.cluster !== undefined
      ? builder.check(envelope.cluster.field, envelope.cluster.value, CLUSTER_RULE)
      : builder.pick([clusterField], CLUSTER_RULE);
  if (cluster !== undefined) target.cluster = cluster;

  if (input.source === undefined || NODE_LOCAL_SOURCES.has(input.source)) {
    const node =
      isAbsent(input.hostname) && envelope.node !== undefined
        ? builder.check(envelope.node.field, envelope.node.value, NODE_RULE)
        : builder.check("hostname", input.hostname, NODE_RULE);
    if (node !== undefined) target.node = node;
  }

  // k8s_audit: `ka.target.*` names the object of the API request. Any namespaced object (a secret, a
  // configmap, a pod) gives its namespace, so namespace filters work for audit alerts; only a pod is a
  // pod target (a secret's name is not a pod's).
  const namespaceFields = ["k8s.ns.name", "k8smeta.ns.name", "ka.target.namespace"];
  const podFields = ["k8s.pod.name", "k8smeta.pod.name"];
  if (builder.field("ka.target.resource") === "pods") podFields.push("ka.target.name");
  const namespace = builder.pick(namespaceFields, NAMESPACE_RULE);
  if (namespace !== undefined) target.namespace = namespace;
  const pod = builder.pick(podFields, POD_RULE);
  if (pod !== undefined) target.pod = pod;
  // k8s.pod.id is the legacy name of k8s.pod.uid (same value) (Falco's field docs).
  const podUid = builder.pick(["k8s.pod.uid", "k8s.pod.id", "k8smeta.pod.uid"], POD_UID_RULE);
  if (podUid !== undefined) target.podUid = podUid;

  // container.id is the short id everywhere; container.full_id only exists with newer plugins.
  const containerIdField = isAbsent(builder.field("container.id")) ? "container.full_id" : "container.id";
  const containerId = builder.pick([containerIdField], CONTAINER_ID_RULE);
  if (containerId !== undefined) target.containerId = containerId;
  const containerName = builder.pick(["container.name"], CONTAINER_NAME_RULE);
  if (containerName !== undefined) target.containerName = containerName;

  const image = imageOf(builder);
  if (image !== undefined) target.image = image;

  return { ...target, rejected: builder.rejected };
}

function imageOf(builder: TargetBuilder): string | undefined {
  const repositoryRaw = builder.field("container.image.repository");
  if (!isAbsent(repositoryRaw)) {
    const repository = builder.check("container.image.repository", repositoryRaw, IMAGE_RULE);
    const tagRaw = builder.field("container.image.tag");
    const tag = builder.check("container.image.tag", tagRaw, IMAGE_TAG_RULE);
    // A refused tag must not silently turn into an untagged (":latest") reference.
    if (repository === undefined || (tag === undefined && !isAbsent(tagRaw))) return undefined;
    const image = tag === undefined ? repository : `${repository}:${tag}`;
    return builder.check("container.image.repository", image, IMAGE_RULE);
  }
  return builder.check("container.image", builder.field("container.image"), IMAGE_RULE);
}
