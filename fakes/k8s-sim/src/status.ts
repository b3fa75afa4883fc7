// Kubernetes `Status` failures with the wording of k8s.io/apimachinery/pkg/api/errors, so that
// kubectl and client libraries print and classify them exactly as they would against a real cluster.

export interface StatusCause {
  type?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A resource as the API server names it in messages: `pods`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** An API failure: carries the Status body and any extra response headers (Retry-After). */
export class KubeApiError extends Error {
  readonly status: KubeStatus;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: KubeStatus, headers: Record<string, string> = {}) {
    super(status.message ?? `HTTP ${status.code}`);
    this.name = "KubeApiError";
    this.status = status;
    this.headers = headers;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

function failure(
  code: number,
  reason: string | undefined,
  message: string,
  details?: StatusDetails,
): KubeStatus {
  const status: KubeStatus = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    code,
  };
  if (reason !== undefined) status.reason = reason;
  if (details !== undefined) status.details = details;
  return status;
}

function resourceDetails(gr: GroupResource, name: string): StatusDetails {
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (gr.group) details.group = gr.group;
  details.kind = gr.resource;
  return details;
}

export function notFound(gr: GroupResource, name: string): KubeApiError {
  return new KubeApiError(
    failure(404, "NotFound", `${qualifiedResource(gr)} "${name}" not found`, resourceDetails(gr, name)),
  );
}

export function alreadyExists(gr: GroupResource, name: string): KubeApiError {
  return new KubeApiError(
    failure(
      409,
      "AlreadyExists",
      `${qualifiedResource(gr)} "${name}" already exists`,
      resourceDetails(gr, name),
    ),
  );
}

export function conflict(gr: GroupResource, name: string, cause: string): KubeApiError {
  return new KubeApiError(
    failure(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${cause}`,
      resourceDetails(gr, name),
    ),
  );
}

/** The optimistic-concurrency failure of an update whose resourceVersion is stale. */
export const OBJECT_MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

/**
 * Storage precondition failures (delete with `preconditions.uid` / `resourceVersion`) surface as the
 * etcd3 store's StorageError text, wrapped in a Conflict (apiserver/pkg/storage/etcd3/store.go,
 * checkPreconditions + storage.NewInvalidObjError; registry/generic/registry/store.go turns it into
 * errors.NewConflict).
 */
export function preconditionFailed(
  gr: GroupResource,
  name: string,
  storageKey: string,
  detail: string,
): KubeApiError {
  return conflict(
    gr,
    name,
    `StorageError: invalid object, Code: 4, Key: ${storageKey}, ResourceVersion: 0, AdditionalErrorMsg: ${detail}`,
  );
}

export function forbidden(gr: GroupResource, name: string, reason: string): KubeApiError {
  const subject = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  const message = gr.resource ? `${subject} is forbidden: ${reason}` : `forbidden: ${reason}`;
  return new KubeApiError(failure(403, "Forbidden", message, resourceDetails(gr, name)));
}

/** One field error, as k8s.io/apimachinery/pkg/util/validation/field renders it. */
export interface FieldError {
  type:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueForbidden"
    | "FieldValueDuplicate"
    | "FieldValueTooLong";
  field: string;
  /** The text after `field: `, e.g. `Required value` or `Invalid value: "x": must be ...`. */
  body: string;
}

export function fieldRequired(field: string, detail = ""): FieldError {
  return { type: "FieldValueRequired", field, body: detail ? `Required value: ${detail}` : "Required value" };
}

export function fieldInvalid(field: string, value: unknown, detail: string): FieldError {
  return {
    type: "FieldValueInvalid",
    field,
    body: `Invalid value: ${goValue(value)}${detail ? `: ${detail}` : ""}`,
  };
}

export function fieldNotSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return {
    type: "FieldValueNotSupported",
    field,
    body: `Unsupported value: ${goValue(value)}: supported values: ${list}`,
  };
}

/** Renders a value roughly as Go's `%#v`/`%q` would in field errors. */
function goValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  return JSON.stringify(value);
}

/** 422 Invalid, message built like errors.NewInvalid: `Pod "x" is invalid: [a, b]`. */
export function invalid(
  group: string,
  kind: string,
  name: string,
  errors: readonly FieldError[],
): KubeApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const rendered = errors.map((e) => `${e.field}: ${e.body}`);
  let message = `${qualifiedKind} "${name}" is invalid`;
  if (rendered.length === 1) message += `: ${rendered[0]}`;
  else if (rendered.length > 1) message += `: [${rendered.join(", ")}]`;
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (group) details.group = group;
  details.kind = kind;
  details.causes = errors.map((e) => ({ type: e.type, message: e.body, field: e.field }));
  return new KubeApiError(failure(422, "Invalid", message, details));
}

/**
 * A JSON patch that cannot be applied (failed `test`, missing path). kube-apiserver answers with
 * errors.NewGenericServerResponse(422, "", GroupResource{}, "", err, 0, false) — see
 * staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go, jsonPatcher.applyJSPatch — which
 * drops the json-patch error text and reports reason Invalid with the generic 422 message.
 */
export function jsonPatchNotApplicable(): KubeApiError {
  return new KubeApiError(
    failure(422, "Invalid", "the server rejected our request due to an error in our request", {}),
  );
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(failure(400, "BadRequest", message));
}

export function internalError(message: string): KubeApiError {
  return new KubeApiError(
    failure(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] }),
  );
}

export function serviceUnavailable(
  message = "the server is currently unable to handle the request",
): KubeApiError {
  return new KubeApiError(failure(503, "ServiceUnavailable", message));
}

export function tooManyRequests(retryAfterSeconds: number): KubeApiError {
  return new KubeApiError(
    failure(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds }),
    { "retry-after": String(retryAfterSeconds) },
  );
}

/** A status code injected as a fault; known codes get the API server's reason and wording. */
export function injectedFailure(code: number, retryAfterSeconds: number | undefined): KubeApiError {
  if (code === 429) return tooManyRequests(retryAfterSeconds ?? 1);
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
  const details = retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined;
  const known: Record<number, [string, string]> = {
    500: ["InternalError", "Internal error occurred: injected fault"],
    503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
    504: ["Timeout", "Timeout: request did not complete within the allotted timeout"],
    409: ["Conflict", OBJECT_MODIFIED],
    404: ["NotFound", "the server could not find the requested resource"],
    403: ["Forbidden", "forbidden: injected fault"],
    401: ["Unauthorized", "Unauthorized"],
  };
  const [reason, message] = known[code] ?? [
    code >= 500 ? "InternalError" : undefined,
    `injected fault ${code}`,
  ];
  return new KubeApiError(failure(code, reason, message, details), headers);
}

export function unauthorized(): KubeApiError {
  return new KubeApiError(failure(401, "Unauthorized", "Unauthorized"));
}

export function methodNotAllowed(): KubeApiError {
  return new KubeApiError(
    failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
  );
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): KubeApiError {
  return new KubeApiError(
    failure(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format (${contentType || "none"}) - accepted media types include: ${accepted.join(", ")}`,
    ),
  );
}

export function gone(message: string): KubeApiError {
  return new KubeApiError(failure(410, "Expired", message));
}

/** Resource-less 404 for URLs the server does not serve, like the API server's catch-all. */
export function pathNotFound(): KubeApiError {
  return new KubeApiError(failure(404, "NotFound", "the server could not find the requested resource", {}));
}

export function successStatus(details: StatusDetails): Omit<KubeStatus, "code" | "message" | "reason"> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}
