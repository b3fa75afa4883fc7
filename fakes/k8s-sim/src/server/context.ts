// What the request handlers are given: the server's parts (once) and, per resource request, the
// request itself with its decoded route and authenticated caller — passed explicitly, not closed over.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultInjector } from "../faults.js";
import type { PodLogStore } from "../pod-logs.js";
import type { Authorizer, TokenAuthenticator, UserInfo } from "../rbac.js";
import type { Registry } from "../registry.js";
import type { RequestLog } from "../request-log.js";
import type { ResourceType } from "../resources.js";
import type { ObjectStore } from "../store.js";

export interface ApiServerContext {
  registry: Registry;
  store: ObjectStore;
  authenticator: TokenAuthenticator;
  authorizer: Authorizer;
  faults: FaultInjector;
  requestLog: RequestLog;
  /** Container logs served by pods/log. */
  podLogs: PodLogStore;
  now: () => Date;
  /** `host:port` as clients reach the server (for APIVersions). */
  serverAddress: () => string;
  /** Handles `/__sim/…`; answers nothing else. */
  admin: (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => Promise<void>;
}

/** A request for a resource, decoded from its path as the API server's RequestInfoFactory does. */
export interface ResourceRoute {
  type: ResourceType;
  namespace: string;
  name: string;
  subresource: string;
  verb: string;
}

/** Who is asking; `fullAccess` is the anonymous full-access policy, which skips authorization. */
export interface Caller {
  user: UserInfo;
  fullAccess: boolean;
}

/** One authenticated and authorized resource request, as each verb handler receives it. */
export interface ResourceRequest {
  server: ApiServerContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: ResourceRoute;
  body: Buffer;
  caller: Caller;
}
