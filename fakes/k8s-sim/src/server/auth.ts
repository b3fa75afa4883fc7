// Authentication (bearer token or the anonymous policy) and authorization of each request, plus the
// SelfSubjectAccessReview that asks the authorizer on the caller's behalf (`kubectl auth can-i`).

import type { ServerResponse } from "node:http";
import { isObject, type JsonObject } from "../json.js";
import { decodeSelfSubjectAccessReview, isKubernetesProtobuf } from "../protobuf-ssar.js";
import {
  type Authorizer,
  alwaysAllowed,
  forbiddenError,
  type RequestAttributes,
  type TokenAuthenticator,
} from "../rbac.js";
import { badRequest, unauthorized } from "../status.js";
import type { Caller, ResourceRoute } from "./context.js";
import { decodeBody, sendJson } from "./http.js";

export function authenticate(authenticator: TokenAuthenticator, authorization: string | undefined): Caller {
  const authentication = authenticator.authenticate(authorization);
  if (authentication.kind === "unauthorized") throw unauthorized();
  return { user: authentication.user, fullAccess: authentication.fullAccess };
}

/** Throws the API server's Forbidden unless the caller may do this. */
export function authorize(
  authorizer: Authorizer,
  { user, fullAccess }: Caller,
  attributes: Omit<RequestAttributes, "user">,
): void {
  if (fullAccess) return;
  const full: RequestAttributes = { ...attributes, user };
  if (alwaysAllowed(full)) return;
  const decision = authorizer.authorize(full);
  if (!decision.allowed) throw forbiddenError(full, decision.reason);
}

/** Discovery, OpenAPI, version and health are non-resource paths, authorized by HTTP verb. */
export function nonResourceAttributes(method: string, url: URL): Omit<RequestAttributes, "user"> {
  return {
    verb: method === "HEAD" ? "get" : method.toLowerCase(),
    resourceRequest: false,
    apiGroup: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
    path: url.pathname,
  };
}

export function resourceAttributes(route: ResourceRoute, url: URL): Omit<RequestAttributes, "user"> {
  return {
    verb: route.verb,
    resourceRequest: true,
    apiGroup: route.type.group,
    resource: route.type.resource,
    subresource: route.subresource,
    namespace: route.namespace,
    name: route.name,
    path: url.pathname,
  };
}

/** kubectl sends this review as protobuf; other clients send JSON or YAML. */
function decodeReview(body: Buffer, contentType: string | undefined): unknown {
  if (!isKubernetesProtobuf(body)) return decodeBody(body, contentType);
  try {
    return decodeSelfSubjectAccessReview(body);
  } catch (error) {
    throw badRequest(`cannot decode SelfSubjectAccessReview: ${(error as Error).message}`);
  }
}

function reviewAttributes(spec: JsonObject, caller: Caller): RequestAttributes {
  const resource = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nonResource = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  return {
    user: caller.user,
    verb: String((resource ?? nonResource)?.verb ?? ""),
    resourceRequest: resource !== undefined,
    apiGroup: String(resource?.group ?? ""),
    resource: String(resource?.resource ?? ""),
    subresource: String(resource?.subresource ?? ""),
    namespace: String(resource?.namespace ?? ""),
    name: String(resource?.name ?? ""),
    path: String(nonResource?.path ?? ""),
  };
}

export function serveSelfSubjectAccessReview(
  res: ServerResponse,
  authorizer: Authorizer,
  caller: Caller,
  body: Buffer,
  contentType: string | undefined,
): void {
  const review = decodeReview(body, contentType);
  const spec = isObject(review) && isObject(review.spec) ? review.spec : {};
  const attributes = reviewAttributes(spec, caller);
  const allowed = caller.fullAccess || alwaysAllowed(attributes) || authorizer.authorize(attributes).allowed;
  sendJson(res, 201, {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed },
  });
}
