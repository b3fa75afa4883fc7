// Validators for the Kubernetes and container identifiers found in alerts. Alert fields end up in API
// paths (`/api/v1/namespaces/{ns}/pods/{pod}`), label selectors and finding names, so anything that is
// not exactly the shape Kubernetes itself allows is refused rather than escaped. The k8s actioners use
// the same functions on what they receive. All checks are ASCII-only by construction (no look-alikes).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTAINER_ID = /^(?:[0-9a-f]{12}|[0-9a-f]{64})$/;
// Docker's container-name charset; Kubernetes container names (DNS-1123 labels) are a subset.
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
// Loose image reference: registry[:port]/path[:tag][@digest]. Display and findings only, never a path.
const IMAGE_REFERENCE = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@+]*$/;

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const IMAGE_REFERENCE_MAX_LENGTH = 1024;

/** RFC 1123 label as Kubernetes uses it for namespace names: ≤ 63 chars, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`. */
export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && DNS1123_LABEL.test(value);
}

/** RFC 1123 subdomain as Kubernetes uses it for pod and node names: ≤ 253 chars, dot-separated labels. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(value);
}

export const isNamespaceName = isDns1123Label;
export const isPodName = isDns1123Subdomain;
export const isNodeName = isDns1123Subdomain;

/** GKE cluster names are DNS-1123 labels (GKE itself allows only 40 chars, starting with a letter). */
export const isClusterName = isDns1123Label;

/** A pod `metadata.uid`: a lowercase UUID, as the API server generates it. */
export function isPodUid(value: string): boolean {
  return UUID.test(value);
}

/** The container ID Falco reports: 12 (short) or 64 (full) lowercase hex chars, or "host" for the node. */
export function isContainerId(value: string): boolean {
  return value === "host" || CONTAINER_ID.test(value);
}

export function isContainerName(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && CONTAINER_NAME.test(value);
}

export function isImageReference(value: string): boolean {
  return value.length <= IMAGE_REFERENCE_MAX_LENGTH && IMAGE_REFERENCE.test(value);
}

/** Why a value failed the DNS-1123 label rule, in words a person can act on. */
export function explainDns1123Label(value: string): string {
  if (value.length > DNS1123_LABEL_MAX_LENGTH) {
    return `longer than ${DNS1123_LABEL_MAX_LENGTH} characters (${value.length})`;
  }
  return "not a DNS-1123 label (lowercase a-z, 0-9 and '-', starting and ending with a letter or digit)";
}

/** Why a value failed the DNS-1123 subdomain rule, in words a person can act on. */
export function explainDns1123Subdomain(value: string): string {
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    return `longer than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters (${value.length})`;
  }
  return "not a DNS-1123 subdomain (lowercase a-z, 0-9, '-' and '.', each part starting and ending with a letter or digit)";
}
