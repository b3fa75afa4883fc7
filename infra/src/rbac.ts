// Kubernetes RBAC per service, derived from the permissions its descriptor declares (which come from
// its action's self-description): a ClusterRole and a ClusterRoleBinding to the service's Google
// service account as a User — the way GKE maps Google identities to Kubernetes users. A permission
// declared for one namespace (`namespace`) becomes a rule of a Role there instead, bound the same way,
// so it reaches nothing outside that namespace (node-capturer's Jobs in Riposte's own). For each
// workload the service launches with an identity of its own (`workloadIdentities`), the namespace and
// the Kubernetes service account, annotated with the Google account it acts as (Workload Identity).
import type { KubernetesPermission, ServiceDescriptor } from "@riposte/service-kit";
import { stringify } from "yaml";

/** The placeholder the committed manifests carry; `riposte rbac generate --project P` fills it in. */
export const PROJECT_PLACEHOLDER = "PROJECT_ID";

/** The email of a project's service account: the one form every grant and binding uses. */
export function accountEmail(accountId: string, project: string): string {
  return `${accountId}@${project}.iam.gserviceaccount.com`;
}

export function serviceAccountEmail(service: string, project: string): string {
  return accountEmail(`riposte-${service}`, project);
}

/** The manifests of one service, or undefined when it needs no Kubernetes access and launches no workload. */
export function rbacManifestFor(
  descriptor: ServiceDescriptor,
  project = PROJECT_PLACEHOLDER,
): string | undefined {
  const labels = {
    "app.kubernetes.io/managed-by": "riposte",
    "app.kubernetes.io/component": descriptor.name,
  };
  const identities = descriptor.workloadIdentities ?? [];
  // The namespace first: kubectl applies a file's documents in order, and the account lives in it.
  const workloads = identities.flatMap((identity) => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: identity.namespace, labels } },
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: identity.kubernetesServiceAccount,
        namespace: identity.namespace,
        labels,
        annotations: {
          "iam.gke.io/gcp-service-account": accountEmail(identity.gcpServiceAccountId, project),
        },
      },
    },
  ]);
  const workloadText = [
    ...identities.map(
      (identity) =>
        `#   ${identity.namespace}/${identity.kubernetesServiceAccount} acts as ${identity.gcpServiceAccountId}: ${identity.reason}`,
    ),
    ...workloads.flatMap((document) => ["---", stringify(document, { lineWidth: 0 }).trimEnd()]),
  ];
  const clusterWide = descriptor.kubernetes.filter((permission) => permission.namespace === undefined);
  const namespaces = [...new Set(descriptor.kubernetes.flatMap((permission) => permission.namespace ?? []))];
  if (descriptor.kubernetes.length === 0) {
    if (identities.length === 0) return undefined;
    return [
      `# Generated from services/${descriptor.name}'s descriptor by \`riposte rbac generate\`. Do not edit.`,
      `# The workloads ${descriptor.name} launches and the Google accounts they act as:`,
      ...workloadText,
      "",
    ].join("\n");
  }
  const name = `riposte-${descriptor.name}`;
  const ruleOf = (permission: KubernetesPermission) => ({
    apiGroups: [...permission.apiGroups],
    resources: [...permission.resources],
    verbs: [...permission.verbs],
  });
  const subjects = [
    {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "User",
      name: serviceAccountEmail(descriptor.name, project),
    },
  ];
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels },
    rules: clusterWide.map(ruleOf),
  };
  const declaredNamespaces = new Set(identities.map((identity) => identity.namespace));
  const namespaced = namespaces.flatMap((namespace) => [
    // Its namespace first, unless a workload's account already brought it.
    ...(declaredNamespaces.has(namespace)
      ? []
      : [{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels } }]),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace, labels },
      rules: descriptor.kubernetes.filter((permission) => permission.namespace === namespace).map(ruleOf),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects,
    },
  ]);
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects,
  };
  const why = descriptor.kubernetes
    .map(
      (p) =>
        `#   ${p.verbs.join(",")} ${p.resources.join(",")}${p.namespace ? ` in ${p.namespace} only` : ""}: ${p.reason}`,
    )
    .join("\n");
  return [
    `# Generated from services/${descriptor.name}'s descriptor by \`riposte rbac generate\`. Do not edit.`,
    `# ${descriptor.name} may do exactly this, nothing more:`,
    why,
    ...(identities.length > 0
      ? [`# The workloads ${descriptor.name} launches and the Google accounts they act as:`, ...workloadText]
      : []),
    "---",
    stringify(role, { lineWidth: 0 }).trimEnd(),
    "---",
    stringify(binding, { lineWidth: 0 }).trimEnd(),
    ...namespaced.flatMap((document) => ["---", stringify(document, { lineWidth: 0 }).trimEnd()]),
    "",
  ].join("\n");
}
