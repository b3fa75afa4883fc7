// Authentication by bearer token and authorization by RBAC (Role/ClusterRole + bindings read from
// the store, as kube-apiserver's RBAC authorizer does), with the API server's Forbidden wording.

import { getArray, getObject, getString, isObject, type KubeObject, metaOf } from "./json.js";
import { labelSelectorFromObject, matchesLabels } from "./selectors.js";
import { forbidden, type KubeApiError } from "./status.js";
import type { ObjectStore } from "./store.js";

export interface UserInfo {
  name: string;
  groups: readonly string[];
}

export const ANONYMOUS_USER: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };

/** How requests without a bearer token are treated. */
export type AnonymousPolicy = "full-access" | "deny";

export type Authentication =
  | { kind: "user"; user: UserInfo; fullAccess: false }
  | { kind: "anonymous"; user: UserInfo; fullAccess: boolean }
  | { kind: "unauthorized" };

/** Groups the API server adds for a user: everyone authenticated, plus service-account groups. */
export function groupsFor(userName: string, extraGroups: readonly string[] = []): string[] {
  const groups = new Set<string>(extraGroups);
  const sa = /^system:serviceaccount:([^:]+):[^:]+$/.exec(userName);
  if (sa) {
    groups.add("system:serviceaccounts");
    groups.add(`system:serviceaccounts:${sa[1] ?? ""}`);
  }
  groups.add("system:authenticated");
  return [...groups];
}

export interface TokenAuthenticator {
  authenticate(authorizationHeader: string | undefined): Authentication;
  addToken(token: string, userName: string, groups?: readonly string[]): void;
  setAnonymous(policy: AnonymousPolicy): void;
  anonymousPolicy(): AnonymousPolicy;
}

export function createTokenAuthenticator(options: {
  tokens: Readonly<Record<string, string>>;
  anonymous: AnonymousPolicy;
}): TokenAuthenticator {
  const users = new Map<string, UserInfo>();
  for (const [token, name] of Object.entries(options.tokens))
    users.set(token, { name, groups: groupsFor(name) });
  let anonymous = options.anonymous;
  return {
    authenticate(header) {
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (header && !match) return { kind: "unauthorized" };
      const token = match?.[1];
      if (token === undefined) {
        return anonymous === "full-access"
          ? { kind: "anonymous", user: ANONYMOUS_USER, fullAccess: true }
          : { kind: "unauthorized" };
      }
      const user = users.get(token);
      return user ? { kind: "user", user, fullAccess: false } : { kind: "unauthorized" };
    },
    addToken(token, userName, groups = []) {
      users.set(token, { name: userName, groups: groupsFor(userName, groups) });
    },
    setAnonymous(policy) {
      anonymous = policy;
    },
    anonymousPolicy: () => anonymous,
  };
}

/** What is being asked, as authorizer.Attributes: resource requests or non-resource paths. */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface Authorizer {
  authorize(attributes: RequestAttributes): Decision;
}

function ruleAllows(rule: unknown, attributes: RequestAttributes): boolean {
  if (!isObject(rule)) return false;
  const verbs = getArray(rule, ["verbs"]).map(String);
  if (!verbs.includes("*") && !verbs.includes(attributes.verb)) return false;
  if (!attributes.resourceRequest) {
    return getArray(rule, ["nonResourceURLs"])
      .map(String)
      .some(
        (url) =>
          url === "*" ||
          url === attributes.path ||
          (url.endsWith("*") && attributes.path.startsWith(url.slice(0, -1))),
      );
  }
  const groups = getArray(rule, ["apiGroups"]).map(String);
  if (!groups.includes("*") && !groups.includes(attributes.apiGroup)) return false;
  const combined = attributes.subresource
    ? `${attributes.resource}/${attributes.subresource}`
    : attributes.resource;
  const resources = getArray(rule, ["resources"]).map(String);
  const resourceMatches = resources.some(
    (r) =>
      r === "*" || r === combined || (attributes.subresource !== "" && r === `*/${attributes.subresource}`),
  );
  if (!resourceMatches) return false;
  const names = getArray(rule, ["resourceNames"]).map(String);
  return names.length === 0 || names.includes(attributes.name);
}

function subjectMatches(subject: unknown, user: UserInfo, bindingNamespace: string): boolean {
  if (!isObject(subject)) return false;
  const name = getString(subject, ["name"]);
  switch (subject.kind) {
    case "User":
      return name === user.name;
    case "Group":
      return name !== undefined && user.groups.includes(name);
    case "ServiceAccount": {
      const namespace = getString(subject, ["namespace"]) || bindingNamespace;
      return user.name === `system:serviceaccount:${namespace}:${name ?? ""}`;
    }
    default:
      return false;
  }
}

/** RBAC over the Role/ClusterRole/RoleBinding/ClusterRoleBinding objects currently stored. */
export function createRbacAuthorizer(store: ObjectStore): Authorizer {
  const clusterRoleRules = (name: string): unknown[] => {
    const role = store.get("rbac.authorization.k8s.io/clusterroles", "", name);
    if (!role) return [];
    const aggregation = getObject(role, ["aggregationRule"]);
    if (!aggregation) return getArray(role, ["rules"]);
    // The aggregation controller's result: rules of every ClusterRole the selectors match.
    const selectors = getArray(aggregation, ["clusterRoleSelectors"]).map(labelSelectorFromObject);
    return store
      .list("rbac.authorization.k8s.io/clusterroles")
      .filter((other) => selectors.some((s) => s.length > 0 && matchesLabels(s, metaOf(other).labels)))
      .flatMap((other) => getArray(other, ["rules"]));
  };

  const rulesFor = (binding: KubeObject, namespace: string): unknown[] => {
    const kind = getString(binding, ["roleRef", "kind"]);
    const name = getString(binding, ["roleRef", "name"]) ?? "";
    if (kind === "ClusterRole") return clusterRoleRules(name);
    if (kind === "Role")
      return getArray(store.get("rbac.authorization.k8s.io/roles", namespace, name), ["rules"]);
    return [];
  };

  return {
    authorize(attributes) {
      for (const binding of store.list("rbac.authorization.k8s.io/clusterrolebindings")) {
        if (!getArray(binding, ["subjects"]).some((s) => subjectMatches(s, attributes.user, ""))) continue;
        if (rulesFor(binding, "").some((rule) => ruleAllows(rule, attributes)))
          return { allowed: true, reason: "" };
      }
      if (attributes.resourceRequest && attributes.namespace) {
        const namespace = attributes.namespace;
        for (const binding of store.list("rbac.authorization.k8s.io/rolebindings", { namespace })) {
          if (!getArray(binding, ["subjects"]).some((s) => subjectMatches(s, attributes.user, namespace)))
            continue;
          if (rulesFor(binding, namespace).some((rule) => ruleAllows(rule, attributes))) {
            return { allowed: true, reason: "" };
          }
        }
      }
      return { allowed: false, reason: "" };
    },
  };
}

/** Requests every authenticated user may make (system:discovery, system:basic-user, public-info). */
export function alwaysAllowed(attributes: RequestAttributes): boolean {
  if (!attributes.resourceRequest) return attributes.verb === "get";
  return (
    attributes.apiGroup === "authorization.k8s.io" &&
    (attributes.resource === "selfsubjectaccessreviews" ||
      attributes.resource === "selfsubjectrulesreviews") &&
    attributes.verb === "create"
  );
}

/** The 403 of responsewriters.ForbiddenStatusError, e.g. `pods "x" is forbidden: User "y" cannot delete …`. */
export function forbiddenError(attributes: RequestAttributes, reason: string): KubeApiError {
  let message = `User "${attributes.user.name}" cannot ${attributes.verb}`;
  if (attributes.resourceRequest) {
    const resource = attributes.subresource
      ? `${attributes.resource}/${attributes.subresource}`
      : attributes.resource;
    message = `${message} resource "${resource}" in API group "${attributes.apiGroup}"`;
    message = attributes.namespace
      ? `${message} in the namespace "${attributes.namespace}"`
      : `${message} at the cluster scope`;
  } else {
    message = `${message} path "${attributes.path}"`;
  }
  if (reason) message = `${message}: ${reason}`;
  return forbidden({ group: attributes.apiGroup, resource: attributes.resource }, attributes.name, message);
}

/** The bootstrap policy every cluster has: cluster-admin, bound to the system:masters group. */
export function bootstrapRbac(): KubeObject[] {
  const labels = { "kubernetes.io/bootstrapping": "rbac-defaults" };
  const annotations = { "rbac.authorization.kubernetes.io/autoupdate": "true" };
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "cluster-admin", labels, annotations },
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
        { nonResourceURLs: ["*"], verbs: ["*"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "cluster-admin", labels, annotations },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:masters" }],
    },
  ];
}
