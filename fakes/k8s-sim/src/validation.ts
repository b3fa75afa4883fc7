// Object validation with the API server's field paths and messages (apimachinery validation and
// pkg/apis/*/validation), for what Riposte and its tests rely on: names, labels, required fields,
// taints, workload selectors and RBAC references. Failures become 422 Invalid.

import { getArray, getObject, getPath, getString, isObject, type KubeObject, metaOf } from "./json.js";
import type { NameRule, ResourceType } from "./resources.js";
import { labelSelectorFromObject, matchesLabels } from "./selectors.js";
import {
  type FieldError,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  invalid,
  type KubeApiError,
} from "./status.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_NAME_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Problems with a DNS-1123 label (namespaces, container names); empty when valid. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push("must be no more than 63 characters");
  if (!DNS1123_LABEL.test(value)) problems.push(DNS1123_LABEL_MESSAGE);
  return problems;
}

/** Problems with a DNS-1123 subdomain (pod, node and most object names); empty when valid. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value)) problems.push(DNS1123_SUBDOMAIN_MESSAGE);
  return problems;
}

function pathSegmentProblems(value: string): string[] {
  if (value === "." || value === "..") return [`may not be '${value}'`];
  const problems: string[] = [];
  if (value.includes("/")) problems.push("may not contain '/'");
  if (value.includes("%")) problems.push("may not contain '%'");
  return problems;
}

export function nameProblems(rule: NameRule, value: string): string[] {
  switch (rule) {
    case "dns-label":
      return dns1123LabelProblems(value);
    case "dns-subdomain":
      return dns1123SubdomainProblems(value);
    case "path-segment":
      return pathSegmentProblems(value);
    default:
      return [];
  }
}

/** Label and annotation keys: `[prefix/]name` (ValidateQualifiedName). */
export function qualifiedNameProblems(key: string): string[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  const problems: string[] = [];
  if (key.split("/").length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (prefix !== undefined) {
    if (prefix.length === 0) problems.push("prefix part must be non-empty");
    else for (const p of dns1123SubdomainProblems(prefix)) problems.push(`prefix part ${p}`);
  }
  if (name.length === 0) problems.push("name part must be non-empty");
  else if (name.length > 63) problems.push("name part must be no more than 63 characters");
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name)) problems.push(QUALIFIED_NAME_MESSAGE);
  return problems;
}

export function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push("must be no more than 63 characters");
  if (!LABEL_VALUE.test(value)) problems.push(LABEL_VALUE_MESSAGE);
  return problems;
}

function validateMetadata(type: ResourceType, obj: KubeObject, errors: FieldError[]): void {
  const meta = metaOf(obj);
  if (!meta.name) {
    errors.push(fieldRequired("metadata.name", "name or generateName is required"));
  } else {
    for (const problem of nameProblems(type.nameRule, meta.name)) {
      errors.push(fieldInvalid("metadata.name", meta.name, problem));
    }
  }
  if (meta.labels !== undefined) {
    if (!isObject(meta.labels)) {
      errors.push(fieldInvalid("metadata.labels", meta.labels, "must be a map of strings"));
    } else {
      for (const [key, value] of Object.entries(meta.labels)) {
        for (const problem of qualifiedNameProblems(key))
          errors.push(fieldInvalid("metadata.labels", key, problem));
        if (typeof value !== "string") {
          errors.push(fieldInvalid("metadata.labels", value, "must be a string"));
          continue;
        }
        for (const problem of labelValueProblems(value))
          errors.push(fieldInvalid("metadata.labels", value, problem));
      }
    }
  }
  if (meta.annotations !== undefined) {
    if (!isObject(meta.annotations)) {
      errors.push(fieldInvalid("metadata.annotations", meta.annotations, "must be a map of strings"));
    } else {
      let total = 0;
      for (const [key, value] of Object.entries(meta.annotations)) {
        for (const problem of qualifiedNameProblems(key.toLowerCase())) {
          errors.push(fieldInvalid("metadata.annotations", key, problem));
        }
        total += key.length + (typeof value === "string" ? value.length : 0);
      }
      if (total > 256 * 1024) {
        errors.push({
          type: "FieldValueTooLong",
          field: "metadata.annotations",
          body: "Too long: must have at most 262144 bytes",
        });
      }
    }
  }
}

function validateContainers(containers: unknown, path: string, errors: FieldError[]): void {
  if (!Array.isArray(containers) || containers.length === 0) {
    errors.push(fieldRequired(path));
    return;
  }
  containers.forEach((container, i) => {
    const at = `${path}[${i}]`;
    const name = getString(container, ["name"]);
    if (!name) errors.push(fieldRequired(`${at}.name`));
    else
      for (const problem of dns1123LabelProblems(name))
        errors.push(fieldInvalid(`${at}.name`, name, problem));
    if (!getString(container, ["image"])) errors.push(fieldRequired(`${at}.image`));
  });
}

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
const TOLERATION_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

function validatePodSpec(spec: unknown, path: string, errors: FieldError[]): void {
  validateContainers(getPath(spec, ["containers"]), `${path}.containers`, errors);
  const nodeName = getString(spec, ["nodeName"]);
  if (nodeName) {
    for (const problem of dns1123SubdomainProblems(nodeName)) {
      errors.push(fieldInvalid(`${path}.nodeName`, nodeName, problem));
    }
  }
  getArray(spec, ["tolerations"]).forEach((toleration, i) => {
    const effect = getString(toleration, ["effect"]);
    if (effect && !(TOLERATION_EFFECTS as readonly string[]).includes(effect)) {
      errors.push(fieldNotSupported(`${path}.tolerations[${i}].effect`, effect, TOLERATION_EFFECTS));
    }
  });
}

function validateTaints(node: KubeObject, errors: FieldError[]): void {
  const taints = getPath(node, ["spec", "taints"]);
  if (taints === undefined || taints === null) return;
  if (!Array.isArray(taints)) {
    errors.push(fieldInvalid("spec.taints", taints, "must be a list"));
    return;
  }
  const seen = new Set<string>();
  taints.forEach((taint, i) => {
    const at = `spec.taints[${i}]`;
    const key = getString(taint, ["key"]) ?? "";
    for (const problem of qualifiedNameProblems(key)) errors.push(fieldInvalid(`${at}.key`, key, problem));
    const value = getString(taint, ["value"]);
    if (value !== undefined) {
      for (const problem of labelValueProblems(value))
        errors.push(fieldInvalid(`${at}.value`, value, problem));
    }
    const effect = getString(taint, ["effect"]);
    if (!effect) errors.push(fieldRequired(`${at}.effect`));
    else if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      errors.push(fieldNotSupported(`${at}.effect`, effect, TAINT_EFFECTS));
    }
    const identity = `${key}:${effect ?? ""}`;
    if (seen.has(identity)) {
      errors.push({
        type: "FieldValueDuplicate",
        field: at,
        body: `Duplicate value: ${JSON.stringify(taint)}: taints must be unique by key and effect pair`,
      });
    }
    seen.add(identity);
  });
}

function validateWorkload(obj: KubeObject, kind: string, errors: FieldError[]): void {
  const selector = getObject(obj, ["spec", "selector"]);
  if (selector === undefined) {
    errors.push(fieldRequired("spec.selector"));
  } else {
    const requirements = labelSelectorFromObject(selector);
    if (requirements.length === 0) {
      errors.push(
        fieldInvalid("spec.selector", selector, `empty selector is invalid for ${kind.toLowerCase()}`),
      );
    } else {
      const templateLabels = getObject(obj, ["spec", "template", "metadata", "labels"]) as
        | Record<string, string>
        | undefined;
      if (!matchesLabels(requirements, templateLabels)) {
        errors.push(
          fieldInvalid(
            "spec.template.metadata.labels",
            templateLabels ?? {},
            "`selector` does not match template `labels`",
          ),
        );
      }
    }
  }
  validatePodSpec(getPath(obj, ["spec", "template", "spec"]), "spec.template.spec", errors);
}

const JOB_RESTART_POLICIES = ["OnFailure", "Never"] as const;

/** A Job's pods must end: restartPolicy defaults to Always, which validation then refuses. */
function validateJob(obj: KubeObject, errors: FieldError[]): void {
  validatePodSpec(getPath(obj, ["spec", "template", "spec"]), "spec.template.spec", errors);
  const restartPolicy = getString(obj, ["spec", "template", "spec", "restartPolicy"]) ?? "Always";
  if (!(JOB_RESTART_POLICIES as readonly string[]).includes(restartPolicy)) {
    errors.push(fieldNotSupported("spec.template.spec.restartPolicy", restartPolicy, JOB_RESTART_POLICIES));
  }
}

const POLICY_TYPES = ["Ingress", "Egress"] as const;

function validateNetworkPolicy(obj: KubeObject, errors: FieldError[]): void {
  getArray(obj, ["spec", "policyTypes"]).forEach((policyType, i) => {
    if (!(POLICY_TYPES as readonly unknown[]).includes(policyType)) {
      errors.push(fieldNotSupported(`spec.policyTypes[${i}]`, policyType, POLICY_TYPES));
    }
  });
}

function validateRules(obj: KubeObject, errors: FieldError[]): void {
  getArray(obj, ["rules"]).forEach((rule, i) => {
    if (getArray(rule, ["verbs"]).length === 0) {
      errors.push(fieldRequired(`rules[${i}].verbs`, "verbs must contain at least one value"));
    }
    const hasUrls = getArray(rule, ["nonResourceURLs"]).length > 0;
    if (!hasUrls && getArray(rule, ["apiGroups"]).length === 0) {
      errors.push(
        fieldRequired(`rules[${i}].apiGroups`, "resource rules must supply at least one api group"),
      );
    }
    if (!hasUrls && getArray(rule, ["resources"]).length === 0) {
      errors.push(fieldRequired(`rules[${i}].resources`, "resource rules must supply at least one resource"));
    }
  });
}

function validateBinding(obj: KubeObject, errors: FieldError[]): void {
  const roleKind = getString(obj, ["roleRef", "kind"]);
  const allowed = obj.kind === "ClusterRoleBinding" ? ["ClusterRole"] : ["Role", "ClusterRole"];
  if (!roleKind || !allowed.includes(roleKind))
    errors.push(fieldNotSupported("roleRef.kind", roleKind ?? "", allowed));
  if (!getString(obj, ["roleRef", "name"])) errors.push(fieldRequired("roleRef.name"));
  getArray(obj, ["subjects"]).forEach((subject, i) => {
    const kind = getString(subject, ["kind"]);
    if (!kind || !["User", "Group", "ServiceAccount"].includes(kind)) {
      errors.push(fieldNotSupported(`subjects[${i}].kind`, kind ?? "", ["ServiceAccount", "User", "Group"]));
    }
    if (!getString(subject, ["name"])) errors.push(fieldRequired(`subjects[${i}].name`));
  });
}

function validateEvent(obj: KubeObject, errors: FieldError[]): void {
  const namespace = metaOf(obj).namespace ?? "";
  const involvedNamespace = getString(obj, ["involvedObject", "namespace"]);
  if (involvedNamespace && involvedNamespace !== namespace) {
    errors.push(
      fieldInvalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"),
    );
  }
}

/** All validation errors of an object about to be stored (in its stored form). */
export function validationErrors(type: ResourceType, obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  validateMetadata(type, obj, errors);
  switch (type.kind) {
    case "Pod":
      validatePodSpec(getPath(obj, ["spec"]), "spec", errors);
      break;
    case "Node":
      validateTaints(obj, errors);
      break;
    case "Deployment":
    case "ReplicaSet":
    case "DaemonSet":
    case "StatefulSet":
      validateWorkload(obj, type.kind, errors);
      break;
    case "Job":
      validateJob(obj, errors);
      break;
    case "NetworkPolicy":
      validateNetworkPolicy(obj, errors);
      break;
    case "Role":
    case "ClusterRole":
      validateRules(obj, errors);
      break;
    case "RoleBinding":
    case "ClusterRoleBinding":
      validateBinding(obj, errors);
      break;
    case "Event":
      validateEvent(obj, errors);
      break;
    default:
      break;
  }
  return errors;
}

/** Throws 422 Invalid when the object has validation errors. */
export function assertValid(type: ResourceType, obj: KubeObject): void {
  const errors = validationErrors(type, obj);
  if (errors.length > 0) throw invalidError(type, metaOf(obj).name ?? "", errors);
}

export function invalidError(type: ResourceType, name: string, errors: readonly FieldError[]): KubeApiError {
  return invalid(type.group, type.kind, name, errors);
}
