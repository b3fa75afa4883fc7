// What a failed Kubernetes API call means for the ack policy. The API answers with Status objects;
// client-node surfaces them as ApiException (code + body). Network failures and timeouts have no code.
import { ApiException } from "@kubernetes/client-node";
import { RetryableError } from "@riposte/service-kit";

export type KubernetesFailure =
  | { kind: "not-found"; message: string }
  | { kind: "conflict"; message: string }
  | { kind: "forbidden"; message: string }
  /** Our credentials were refused (expired or rotated token): new clients, then retry. */
  | { kind: "unauthorized"; message: string }
  | { kind: "invalid"; code: number; message: string }
  | { kind: "transient"; message: string; retryAfterSeconds?: number };

interface StatusBody {
  message?: string;
  reason?: string;
}

function statusOf(body: unknown): StatusBody {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  return typeof body === "object" && body !== null ? (body as StatusBody) : {};
}

export function classifyKubernetesError(error: unknown): KubernetesFailure {
  if (error instanceof ApiException) {
    const status = statusOf(error.body);
    const message = status.message ?? `HTTP ${error.code}`;
    if (error.code === 404) return { kind: "not-found", message };
    if (error.code === 409) return { kind: "conflict", message };
    if (error.code === 403) return { kind: "forbidden", message };
    if (error.code === 401) return { kind: "unauthorized", message };
    if (error.code === 429 || error.code >= 500) {
      const retryAfter = Number(error.headers?.["retry-after"]);
      return {
        kind: "transient",
        message: `${error.code}: ${message}`,
        ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      };
    }
    // 400/401/422 and friends: the request itself is wrong; retrying sends the same request.
    return { kind: "invalid", code: error.code, message };
  }
  if (error instanceof RetryableError) return { kind: "transient", message: error.message };
  // No HTTP answer at all: connection refused/reset, DNS, TLS, timeout.
  return {
    kind: "transient",
    message: `no answer from the Kubernetes API: ${(error as Error)?.message ?? String(error)}`,
  };
}

/** The permission a 403 Status names, e.g. `delete pods in "shop"`, for operators fixing RBAC. */
export function missingPermission(message: string): string | undefined {
  const match = message.match(
    /cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/,
  );
  if (!match) return undefined;
  const [, verb, resource, group, namespace] = match;
  return `${verb} ${resource}${group ? `.${group}` : ""}${namespace ? ` in namespace ${namespace}` : " (cluster scope)"}`;
}
