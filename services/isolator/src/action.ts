// isolate-pod: label the pod `riposte.dev/quarantine=<incident>` and make sure the namespace has the
// deny-all NetworkPolicy `riposte-quarantine` selecting that label key (Ingress and Egress, no rules).
// Allowances (DNS egress, a forensics CIDR) are extra policies selecting only this incident's pods:
// NetworkPolicies add up, so an allowance for one incident never opens another quarantined pod; and
// only the incident that quarantined a pod creates them, so a later alert never re-opens it.
// NetworkPolicies need a dataplane that enforces them: GKE Dataplane V2 or Calico. The GKE API says
// whether a cluster has one; when it has not, the pod is isolated all the same (the policy starts
// working the day enforcement is turned on) and the outcome says, in its details and its reason, that
// the pod's traffic is not cut off.
import type {
  CoreV1Api,
  NetworkingV1Api,
  V1NetworkPolicy,
  V1NetworkPolicySpec,
  V1Pod,
} from "@kubernetes/client-node";
import {
  classifyKubernetesError,
  EVENT_PERMISSION,
  kubernetesAction,
  type NetworkPolicyEnforcement,
  type NetworkPolicyEnforcementLookup,
  podRef,
  protectedNamespaceReason,
  protectedPodReason,
  RACE_LOST,
  resolveTargetPod,
  retryLostRaces,
} from "@riposte/actioner-kit";
import { durationMs, type IsolatePodCommand } from "@riposte/contracts";
import { LedgerUnavailableError, type QuarantineLeaseInput } from "@riposte/ledger";
import { type KubernetesPermission, RetryableError } from "@riposte/service-kit";
import { enforcementLookupFromEnv, leasesFromEnv, type QuarantineLeases } from "./config.js";

export const QUARANTINE_LABEL = "riposte.dev/quarantine";
export const QUARANTINE_POLICY = "riposte-quarantine";
const RULE_ANNOTATION = "riposte.dev/quarantine-rule";
const TIME_ANNOTATION = "riposte.dev/quarantined-at";
/** The ttl asked, on a pod whose quarantine has a lease in the ledger (the lease holds its expiry). */
export const LEASE_ANNOTATION = "riposte.dev/quarantine-ttl";
const MANAGED_BY = { "app.kubernetes.io/managed-by": "riposte" };

/** The deny-all policy: every pod carrying the quarantine label, no ingress, no egress. */
export function quarantinePolicySpec(): V1NetworkPolicySpec {
  return {
    podSelector: { matchExpressions: [{ key: QUARANTINE_LABEL, operator: "Exists" }] },
    policyTypes: ["Ingress", "Egress"],
    ingress: [],
    egress: [],
  };
}

/** Policies that re-open a little for one incident's pods. */
export function allowancePolicies(
  namespace: string,
  incident: string,
  params: IsolationParams,
): V1NetworkPolicy[] {
  const podSelector = { matchLabels: { [QUARANTINE_LABEL]: incident } };
  const policies: V1NetworkPolicy[] = [];
  if (params.allowDns) {
    policies.push({
      metadata: { name: `riposte-dns-${incident}`, namespace, labels: MANAGED_BY },
      spec: {
        podSelector,
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    });
  }
  if (params.forensicsCidr) {
    policies.push({
      metadata: { name: `riposte-forensics-${incident}`, namespace, labels: MANAGED_BY },
      spec: {
        podSelector,
        policyTypes: ["Ingress"],
        ingress: [{ _from: [{ ipBlock: { cidr: params.forensicsCidr } }] }],
      },
    });
  }
  return policies;
}

type IsolationParams = IsolatePodCommand["params"];

/** Compares what matters of a policy's spec (the API server may add defaults we did not send). */
function sameSpec(actual: V1NetworkPolicySpec | undefined, wanted: V1NetworkPolicySpec): boolean {
  const normalise = (spec: V1NetworkPolicySpec | undefined) =>
    canonicalJson({
      podSelector: spec?.podSelector ?? {},
      policyTypes: [...(spec?.policyTypes ?? [])].sort(),
      ingress: spec?.ingress ?? [],
      egress: spec?.egress ?? [],
    });
  return normalise(actual) === normalise(wanted);
}

/** JSON with object keys sorted and undefined dropped: the server returns fields in its own order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

type LabelSelector = NonNullable<V1NetworkPolicySpec["podSelector"]>;

/** Whether a label selector selects a pod with these labels (the API's semantics). */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, key);
    const value = labels[key];
    if (operator === "In" && !(present && values.includes(value as string))) return false;
    if (operator === "NotIn" && present && values.includes(value as string)) return false;
    if (operator === "Exists" && !present) return false;
    if (operator === "DoesNotExist" && present) return false;
  }
  return true;
}

/** Policies not Riposte's that select the pod and allow some traffic (a rule list that is not empty). */
async function policiesOpening(
  networking: NetworkingV1Api,
  namespace: string,
  labels: Record<string, string>,
): Promise<string[]> {
  const { items } = await networking.listNamespacedNetworkPolicy({ namespace });
  return items
    .filter((policy) => policy.metadata?.labels?.["app.kubernetes.io/managed-by"] !== "riposte")
    .filter((policy) => selects(policy.spec?.podSelector ?? {}, labels))
    .filter((policy) => (policy.spec?.ingress?.length ?? 0) > 0 || (policy.spec?.egress?.length ?? 0) > 0)
    .map((policy) => policy.metadata?.name ?? "?");
}

/** What a command's params ask to leave open, for a person. */
function requestedAllowances(params: IsolationParams): string[] {
  return [
    params.allowDns ? "DNS egress" : "",
    params.forensicsCidr ? `ingress from ${params.forensicsCidr}` : "",
  ].filter(Boolean);
}

/** The outcome's warning when other policies keep the pod open (empty when none do). */
function openWarning(openedBy: string[]): string {
  return openedBy.length > 0
    ? `; WARNING: NetworkPolicy ${openedBy.join(", ")} also selects it and allows traffic, so it is not fully cut off`
    : "";
}

type PolicyResult = "created" | "repaired" | "unchanged";

/**
 * Creates the policy, or repairs it when someone changed it. Returns what it did. A write that lost
 * a race (409: changed or re-created since our read; 404: deleted since) is decided again.
 */
function ensurePolicy(networking: NetworkingV1Api, policy: V1NetworkPolicy): Promise<PolicyResult> {
  const namespace = policy.metadata?.namespace ?? "";
  const name = policy.metadata?.name ?? "";
  return retryLostRaces(`ensure NetworkPolicy ${namespace}/${name}`, () =>
    ensurePolicyOnce(networking, policy),
  );
}

async function ensurePolicyOnce(
  networking: NetworkingV1Api,
  policy: V1NetworkPolicy,
): Promise<PolicyResult | typeof RACE_LOST> {
  const namespace = policy.metadata?.namespace ?? "";
  const name = policy.metadata?.name ?? "";
  const wanted = policy.spec as V1NetworkPolicySpec;
  let existing: V1NetworkPolicy;
  try {
    existing = await networking.readNamespacedNetworkPolicy({ name, namespace });
  } catch (error) {
    if (classifyKubernetesError(error).kind !== "not-found") throw error;
    try {
      await networking.createNamespacedNetworkPolicy({
        namespace,
        body: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", ...policy },
      });
      return "created";
    } catch (createError) {
      // AlreadyExists: a concurrent delivery created it; read it and verify its shape.
      if (classifyKubernetesError(createError).kind === "conflict") return RACE_LOST;
      throw createError;
    }
  }
  if (sameSpec(existing.spec, wanted)) return "unchanged";
  // Drift (someone edited or weakened it): put it back, guarded by the version (and uid) we read.
  try {
    await networking.replaceNamespacedNetworkPolicy({
      name,
      namespace,
      body: {
        ...existing,
        spec: wanted,
        metadata: { ...existing.metadata, labels: { ...existing.metadata?.labels, ...MANAGED_BY } },
      },
    });
    return "repaired";
  } catch (error) {
    const failure = classifyKubernetesError(error).kind;
    if (failure === "conflict" || failure === "not-found") return RACE_LOST;
    throw error;
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Labels and annotates the pod, guarded by its uid (a JSON patch `test`), so a new pod is never labelled. */
async function labelPod(
  core: CoreV1Api,
  pod: V1Pod,
  incident: string,
  { rule, ttl }: QuarantineNotes,
  now: Date,
): Promise<void> {
  const metadata = pod.metadata ?? {};
  const operations: object[] = [{ op: "test", path: "/metadata/uid", value: metadata.uid }];
  // Creating the maps replaces any a writer added since our read: only valid for the version we read.
  if (!metadata.labels || !metadata.annotations)
    operations.push({ op: "test", path: "/metadata/resourceVersion", value: metadata.resourceVersion });
  // The labels as read (so without the quarantine label): another incident's concurrent quarantine
  // fails this test instead of being overwritten, and the pod's status updates do not.
  else operations.push({ op: "test", path: "/metadata/labels", value: metadata.labels });
  if (!metadata.labels) operations.push({ op: "add", path: "/metadata/labels", value: {} });
  if (!metadata.annotations) operations.push({ op: "add", path: "/metadata/annotations", value: {} });
  operations.push(
    { op: "add", path: `/metadata/labels/${escapePointer(QUARANTINE_LABEL)}`, value: incident },
    // The rule name comes from the alert: kept as data, bounded.
    {
      op: "add",
      path: `/metadata/annotations/${escapePointer(RULE_ANNOTATION)}`,
      value: rule.slice(0, 1024),
    },
    { op: "add", path: `/metadata/annotations/${escapePointer(TIME_ANNOTATION)}`, value: now.toISOString() },
    ...(ttl
      ? [{ op: "add", path: `/metadata/annotations/${escapePointer(LEASE_ANNOTATION)}`, value: ttl }]
      : []),
  );
  await core.patchNamespacedPod({
    name: metadata.name ?? "",
    namespace: metadata.namespace ?? "",
    body: operations,
  });
}

/** The pod read earlier as it is now: gone or replaced (`stale`), or the same pod, maybe changed since. */
async function reread(core: CoreV1Api, pod: V1Pod): Promise<{ stale: string } | { current: V1Pod }> {
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "";
  try {
    const current = await core.readNamespacedPod({ name, namespace });
    if (current.metadata?.uid === pod.metadata?.uid) return { current };
    return {
      stale: `pod ${namespace}/${name} was replaced (now uid ${current.metadata?.uid}); nothing labelled`,
    };
  } catch (error) {
    if (classifyKubernetesError(error).kind === "not-found")
      return { stale: `pod ${namespace}/${name} is gone` };
    throw error;
  }
}

/** What the quarantine's annotations say: the alert's rule, and the lease's ttl when it has one. */
interface QuarantineNotes {
  rule: string;
  ttl?: string | undefined;
}

/**
 * labelPod, with what its failures mean: `stale` when the pod is not the one read, `quarantinedBy` when
 * another delivery quarantined it since our read (`leased`: with a lease), a retry on any other race.
 */
function quarantinePod(
  core: CoreV1Api,
  pod: V1Pod,
  incident: string,
  notes: QuarantineNotes,
  now: Date,
): Promise<{ stale?: string; quarantinedBy?: string; leased?: boolean }> {
  let read = pod;
  return retryLostRaces(`label pod ${podRef(pod)}`, async () => {
    try {
      await labelPod(core, read, incident, notes, now);
      return {};
    } catch (error) {
      const failure = classifyKubernetesError(error);
      if (failure.kind === "not-found") return { stale: `pod ${podRef(pod)} is gone` };
      // The API server retries a patch's own conflicts; a 409 that still comes back is contention.
      if (failure.kind === "conflict") return RACE_LOST;
      // A failed `test` answers 422, as does a patch the API finds invalid: tell them apart.
      if (failure.kind !== "invalid") throw error;
      const fresh = await reread(core, read);
      if ("stale" in fresh) return fresh;
      const quarantinedBy = fresh.current.metadata?.labels?.[QUARANTINE_LABEL];
      const leased = fresh.current.metadata?.annotations?.[LEASE_ANNOTATION] !== undefined;
      if (quarantinedBy !== undefined) return { quarantinedBy, leased };
      // Same pod, new version: someone wrote between our read and our patch. Decide again on theirs.
      if (fresh.current.metadata?.resourceVersion !== read.metadata?.resourceVersion) {
        read = fresh.current;
        return RACE_LOST;
      }
      throw error;
    }
  });
}

/** What the outcome's reason starts with when the cluster does not enforce NetworkPolicies (else empty). */
function notEnforcedWarning(cluster: string, { enforced, why }: NetworkPolicyEnforcement): string {
  return enforced === false
    ? `WARNING: traffic NOT cut off, cluster ${cluster} does not enforce NetworkPolicies: the pod is labelled and the policy stored, but nothing applies them (${why})`
    : "";
}

/**
 * The enforcement lookup over the service's own CLUSTERS and GKE_API_ENDPOINT, built on first use.
 * Unreadable (never at run time: the kit checked them at start-up) is `unknown`, never an error.
 */
function enforcementFromEnvironment(): NetworkPolicyEnforcementLookup {
  let lookup: NetworkPolicyEnforcementLookup | undefined;
  let unreadable = false;
  return {
    enforcementOf(cluster, signal) {
      if (!lookup && !unreadable) {
        try {
          lookup = enforcementLookupFromEnv();
        } catch {
          // Not the error's text: it may quote CLUSTERS, which can hold a bearer token.
          unreadable = true;
        }
      }
      if (lookup) return lookup.enforcementOf(cluster, signal);
      return Promise.resolve({
        enforced: "unknown",
        why: "CLUSTERS or GKE_API_ENDPOINT could not be read for the enforcement lookup",
      });
    },
  };
}

/** What isolate-pod (and the release of its expired leases) may do: the RBAC role is generated from it. */
const ISOLATE_POD_PERMISSIONS: KubernetesPermission[] = [
  {
    apiGroups: [""],
    resources: ["pods"],
    verbs: ["get", "list"],
    reason: "find the pod by name or by container id on its node",
  },
  {
    apiGroups: [""],
    resources: ["pods"],
    verbs: ["patch"],
    reason: "add the quarantine label and annotations",
  },
  {
    apiGroups: ["networking.k8s.io"],
    resources: ["networkpolicies"],
    verbs: ["get", "list", "create", "update"],
    reason: "ensure the deny-all quarantine policy and its allowances, and repair drift",
  },
  {
    apiGroups: ["networking.k8s.io"],
    resources: ["networkpolicies"],
    verbs: ["delete"],
    reason: "delete an incident's allowances when its quarantine lease expires",
  },
  EVENT_PERMISSION,
];

/**
 * The lease in the ledger — a new one, or, for a later incident, the first one's kept at least as long
 * as this incident asks (without a ttl: until released by hand). Out of reach, a 503 (retried): a
 * quarantine with a ttl never lands without its lease, nor a later incident's without its say.
 */
async function recordLease(
  leases: QuarantineLeases,
  lease: QuarantineLeaseInput,
  laterIncident: boolean,
  asked: boolean,
): Promise<void> {
  let kept: "kept" | "releasing" | "none" = "none";
  try {
    if (!laterIncident) await leases.recordQuarantineLease(lease);
    else kept = await leases.keepQuarantineLease(lease, asked ? lease.expiresAt : undefined, lease.incident);
  } catch (error) {
    if (error instanceof LedgerUnavailableError)
      throw new RetryableError(`recording the quarantine lease: ${error.message}`, { cause: error });
    throw error;
  }
  // Too late to keep: retried until that release is over, then this incident quarantines the pod itself.
  if (kept === "releasing")
    throw new RetryableError(
      `pod ${lease.namespace}/${lease.pod}: the quarantine lease of the incident that quarantined it is being released; retried, to quarantine it again`,
    );
}

/** The lease an isolation asks for, from `now` (without a ttl: expiring now, never recorded as such). */
function leaseOf(command: IsolatePodCommand, cluster: string, pod: V1Pod, now: Date): QuarantineLeaseInput {
  const ttlMs = command.params.ttl === undefined ? 0 : (durationMs(command.params.ttl) ?? 0);
  return {
    cluster,
    namespace: pod.metadata?.namespace ?? "",
    pod: pod.metadata?.name ?? "",
    podUid: pod.metadata?.uid ?? "",
    incident: command.incident,
    expiresAt: new Date(now.getTime() + ttlMs),
  };
}

/**
 * isolate-pod, asking `enforcement` whether the pod's cluster enforces NetworkPolicies, and recording
 * the quarantine leases of isolations with a ttl in `leases`.
 */
export const isolatePodAction = (
  enforcement: NetworkPolicyEnforcementLookup,
  leases: QuarantineLeases = leasesFromEnv(),
) =>
  kubernetesAction("isolate-pod", {
    description: "Cuts a pod off the network with a quarantine label and a deny-all NetworkPolicy",
    permissions: ISOLATE_POD_PERMISSIONS,
    limits: [{ name: "pod isolations per cluster", scope: "cluster", max: 20, windowMs: 60_000 }],
    async plan(command, { clients, signal, policy, logger, now }) {
      // Asked at once, alongside the pod lookup; it never rejects, and is cached per cluster. The
      // delivery's deadline ends this wait (the shared lookup itself goes on for other callers).
      const enforcementLookup = enforcement.enforcementOf(clients.name, signal);
      // A protected namespace is refused before any call reaches the cluster.
      const early = command.target.namespace && protectedNamespaceReason(policy, command.target.namespace);
      if (early) return { result: "refused", reason: early };
      const resolution = await resolveTargetPod(clients.core, command.target, command.alert);
      if (resolution.kind === "none") return { result: "refused", reason: resolution.reason };
      if (resolution.kind === "gone" || resolution.kind === "unmatched")
        return { result: "stale", reason: `${resolution.reason}: nothing to isolate` };
      if (resolution.kind === "replaced")
        return { result: "stale", reason: `${resolution.reason}; nothing changed` };

      const { pod } = resolution;
      const namespace = pod.metadata?.namespace ?? "";
      const name = pod.metadata?.name ?? "";
      const refusal = protectedNamespaceReason(policy, namespace) ?? protectedPodReason(policy, pod);
      if (refusal) return { result: "refused", reason: `pod ${podRef(pod)}: ${refusal}` };

      const { incident } = command;
      const quarantinedBy = pod.metadata?.labels?.[QUARANTINE_LABEL];
      // Only the incident that quarantined the pod opens it: a later incident's allowances (its own
      // playbook's DNS or forensics CIDR) would re-open an earlier quarantine it knows nothing about.
      const laterIncident = quarantinedBy !== undefined && quarantinedBy !== incident;
      const requested = requestedAllowances(command.params);
      const notApplied = laterIncident ? requested : [];
      const policies: V1NetworkPolicy[] = [
        {
          metadata: { name: QUARANTINE_POLICY, namespace, labels: MANAGED_BY },
          spec: quarantinePolicySpec(),
        },
        ...(laterIncident ? [] : allowancePolicies(namespace, incident, command.params)),
      ];
      const notAppliedNote = notApplied.length
        ? `; not applied: ${notApplied.join(" and ")} (only the incident that quarantined a pod opens it)`
        : "";
      const enforcementFound = await enforcementLookup;
      const warning = notEnforcedWarning(clients.name, enforcementFound);
      if (warning)
        logger.warn({ cluster: clients.name, enforced: false, enforcement: enforcementFound.why }, warning);
      // First in the reason: the notifier's one-line summaries cut a long reason short.
      const warned = (reason: string) => (warning ? `${warning}; ${reason}` : reason);
      const enforcementDetails = { enforced: enforcementFound.enforced, enforcement: enforcementFound.why };
      // Without a ttl, only a later incident touches a lease (the pod's annotation says it has one):
      // the first incident's is kept for it.
      const asked = command.params.ttl !== undefined;
      const leased = laterIncident && pod.metadata?.annotations?.[LEASE_ANNOTATION] !== undefined;
      const lease =
        (asked && !laterIncident) || leased ? leaseOf(command, clients.name, pod, now) : undefined;
      return {
        description:
          (laterIncident
            ? `ensure NetworkPolicy ${namespace}/${QUARANTINE_POLICY} for pod ${namespace}/${name}, already quarantined (incident ${quarantinedBy})${notAppliedNote}`
            : `label pod ${namespace}/${name} ${QUARANTINE_LABEL}=${incident} and ensure NetworkPolicy ${namespace}/${QUARANTINE_POLICY} ` +
              `(deny all ingress and egress${requested.length ? `; allow ${requested.join(" and ")}` : ""})`) +
          (lease && asked ? `; lease until ${lease.expiresAt.toISOString()}` : "") +
          (warning ? `; ${warning}` : ""),
        object: { apiVersion: "v1", kind: "Pod", name, namespace, uid: pod.metadata?.uid ?? "" },
        details: {
          resolvedBy: resolution.via,
          policies: policies.map((p) => p.metadata?.name),
          ...enforcementDetails,
          ...(lease && asked ? { leaseExpiresAt: lease.expiresAt.toISOString() } : {}),
        },
        async execute() {
          // The lease before the label (a redelivery records it again: the same lease, unchanged).
          if (lease) await recordLease(leases, lease, laterIncident, asked);
          // The policy first: the moment the label lands, the pod is cut off.
          const policyResults: PolicyResult[] = [];
          for (const networkPolicy of policies)
            policyResults.push(await ensurePolicy(clients.networking, networkPolicy));
          const changes = policies.flatMap((p, index) =>
            policyResults[index] === "unchanged"
              ? []
              : [`${policyResults[index]} NetworkPolicy ${p.metadata?.name}`],
          );
          if (quarantinedBy) {
            // A redelivery after a 503 lands here too: its warning must not be lost with the first delivery.
            const openedBy = await policiesOpening(clients.networking, namespace, pod.metadata?.labels ?? {});
            return {
              result: changes.length > 0 ? "done" : "already-done",
              doneBy: quarantinedBy,
              reason: warned(
                `pod ${namespace}/${name} already quarantined (incident ${quarantinedBy})` +
                  changes.map((change) => `; ${change}`).join("") +
                  notAppliedNote +
                  openWarning(openedBy),
              ),
              details: {
                policyResults,
                ...(notApplied.length > 0 ? { notApplied } : {}),
                ...(openedBy.length > 0 ? { openedBy } : {}),
              },
            };
          }
          const notes = { rule: command.alert.rule, ttl: command.params.ttl };
          const labelled = await quarantinePod(clients.core, pod, incident, notes, now);
          if (labelled.stale) return { result: "stale", reason: labelled.stale };
          if (labelled.quarantinedBy !== undefined) {
            // Quarantined meanwhile by another incident: its lease is kept at least as long as we ask.
            if (labelled.leased)
              await recordLease(
                leases,
                leaseOf(command, clients.name, pod, now),
                true,
                notes.ttl !== undefined,
              );
            return {
              result: "already-done",
              doneBy: labelled.quarantinedBy,
              reason: warned(
                `pod ${namespace}/${name} was quarantined meanwhile (incident ${labelled.quarantinedBy}); label left as it is`,
              ),
              details: { policyResults },
            };
          }
          // NetworkPolicies add up: another policy that selects the pod and allows traffic keeps it open.
          const openedBy = await policiesOpening(clients.networking, namespace, {
            ...pod.metadata?.labels,
            [QUARANTINE_LABEL]: incident,
          });
          return {
            result: "done",
            reason: warned(`isolated pod ${namespace}/${name}${openWarning(openedBy)}`),
            details: { policyResults, ...(openedBy.length > 0 ? { openedBy } : {}) },
          };
        },
      };
    },
  });

const environmentEnforcement = enforcementFromEnvironment();

/** The isolator's quarantine leases: in the ledger its own LEDGER_* variables name. */
export const isolatorLeases = leasesFromEnv();

/** The isolator's action: the enforcement lookup over its own environment, its leases in its ledger. */
export const isolatePod = isolatePodAction(environmentEnforcement, isolatorLeases);

/** The same action recording its leases in `leases` (tests). */
export const isolatePodWithLeases = (leases: QuarantineLeases) =>
  isolatePodAction(environmentEnforcement, leases);
