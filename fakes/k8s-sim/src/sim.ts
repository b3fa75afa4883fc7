// startSim: an in-memory Kubernetes API server on a local port, with the library handle tests use
// to seed it, read it, inject faults and inspect the requests it answered.

import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";
import { createAdminHandler } from "./admin.js";
import { createApiRequestHandler } from "./api-server.js";
import {
  type ClusterEnvironment,
  createClusterBehaviour,
  restartedContainerStatus,
} from "./cluster-behaviour.js";
import { type ActiveFault, createFaultInjector, type FaultSpec } from "./faults.js";
import { createJobController, type JobControllerOptions, type JobOutcomeRule } from "./job-controller.js";
import { clone, getArray, getString, isObject, type KubeObject, metaOf } from "./json.js";
import { type ContainerLogs, type ContainerRef, containerNames, createPodLogStore } from "./pod-logs.js";
import {
  type AnonymousPolicy,
  bootstrapRbac,
  createRbacAuthorizer,
  createTokenAuthenticator,
} from "./rbac.js";
import { createRegistry, OWNER_INDEX, parseManifests } from "./registry.js";
import { createRequestLog, type PendingRequest, type RequestRecord } from "./request-log.js";
import { RESOURCE_TYPES, resolveType, type TypeRef } from "./resources.js";
import { KubeApiError } from "./status.js";
import { createObjectStore, type IndexFunction } from "./store.js";

export interface SimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serve HTTPS with a generated self-signed certificate (kubectl sends tokens only over HTTPS). */
  https?: boolean;
  /** Requests without a token: full access, or 401. Default: full access unless `rbac` is given. */
  anonymous?: AnonymousPolicy;
  /** RBAC manifests (Role, ClusterRole, RoleBinding, ClusterRoleBinding) as YAML texts. */
  rbac?: readonly string[];
  /** Bearer token → user name. */
  tokens?: Readonly<Record<string, string>>;
  /** Objects to create at start: YAML texts (multi-document) or objects. */
  seed?: readonly (string | KubeObject)[];
  /** Clock for timestamps and ages (tests pin it). */
  now?: () => Date;
  /** Request log capacity (ring buffer). Default 10,000. */
  requestLogSize?: number;
  /** The job controller: how long Jobs run (`finishAfterMs`, 1,000) and which fail (`outcomes`). */
  jobs?: JobControllerOptions;
}

/** Names one object: by kind (`Pod`, optional apiVersion) or resource (`pods`, optional group). */
export interface ObjectRef extends TypeRef {
  namespace?: string;
  name: string;
}

export interface ListRef extends TypeRef {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface SimFaults {
  inject(spec: FaultSpec): ActiveFault;
  clear(): void;
  list(): ActiveFault[];
}

export interface SimCluster {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the self-signed certificate when serving HTTPS (use as the CA). */
  readonly caCert?: string;
  stop(): Promise<void>;
  /** Create-or-replace (keeps given uid, creationTimestamp and status). Returns what was stored. */
  apply(objOrYaml: string | KubeObject | readonly (string | KubeObject)[]): KubeObject[];
  get(ref: ObjectRef): KubeObject | undefined;
  list(ref: ListRef): KubeObject[];
  /** Deletes like the API (pods go at once, dependents are collected). False when absent. */
  remove(ref: ObjectRef): boolean;
  /**
   * What the kubelet reports when a container of a pod restarts (first container unless named): a
   * new container ID, the previous one in `lastState.terminated`. Returns the previous ID (with
   * its `containerd://` prefix). Throws when the pod or container does not exist.
   */
  restartContainer(pod: { namespace: string; name: string; container?: string }): string;
  /**
   * Sets what pods/log answers for a container (first container unless named): its `current`
   * instance's log and its `previous` one's (`previous=true`); parts left out are kept. Restarting
   * the container makes its current log the previous one. Throws when the pod or container does not exist.
   */
  setLogs(container: ContainerRef, logs: ContainerLogs): void;
  /**
   * Jobs matching the rule (name prefix, label selector, namespace) end with its outcome, e.g.
   * `{ namePrefix: "bad-", outcome: "Failed" }`; the latest rule wins, reset() drops the rules added.
   * Decided when the Job finishes, so a rule added while a Job runs applies to it.
   */
  setJobOutcome(rule: JobOutcomeRule): void;
  addToken(token: string, user: string, groups?: readonly string[]): void;
  /** Stores the RBAC objects of a YAML text; authorization reads them on every request. */
  loadRbac(yaml: string): KubeObject[];
  readonly faults: SimFaults;
  /** Requests answered, oldest first (bounded ring buffer). */
  readonly requests: readonly RequestRecord[];
  /** Requests received and not yet answered (a slow fault's DELETE, for one), oldest first. */
  readonly pendingRequests: readonly PendingRequest[];
  clearRequests(): void;
  /** Back to the state right after start (seed and RBAC), with no faults and an empty log. */
  reset(): void;
}

/** Thrown for library calls naming a kind or resource the sim does not serve. */
export class UnknownResourceError extends Error {
  readonly ref: TypeRef;
  constructor(ref: TypeRef) {
    super(
      `the sim does not serve ${JSON.stringify(ref)}: expected a kind (e.g. "Pod") or resource (e.g. "pods") it serves`,
    );
    this.name = "UnknownResourceError";
    this.ref = ref;
  }
}

const NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Kinds in the order a seed must be applied so owners, namespaces and nodes come first. */
const SEED_ORDER = [
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Node",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "Pod",
  "NetworkPolicy",
];

function seedRank(obj: KubeObject): number {
  const rank = SEED_ORDER.indexOf(String(obj.kind));
  return rank === -1 ? SEED_ORDER.length : rank;
}

/**
 * Secondary indexes: pods by node (the actioners resolve Falco's container id by listing a node's
 * pods) and every object by owner uid (garbage collection on delete).
 */
function storeIndexes(): Record<string, Record<string, IndexFunction>> {
  const byOwner: IndexFunction = (obj) => (metaOf(obj).ownerReferences ?? []).map((ref) => ref.uid);
  const indexes: Record<string, Record<string, IndexFunction>> = {};
  for (const type of RESOURCE_TYPES) indexes[type.storage] = { [OWNER_INDEX]: byOwner };
  indexes["core/pods"] = {
    [OWNER_INDEX]: byOwner,
    "spec.nodeName": (pod) => getString(pod, ["spec", "nodeName"]) ?? "",
  };
  return indexes;
}

const DEFAULT_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

async function selfSignedCertificate(host: string): Promise<{ key: string; cert: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000);
  const isIp = /^[\d.]+$/.test(host) || host.includes(":");
  const pems = await generate([{ name: "commonName", value: "k8s-sim" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
          ...(host !== "127.0.0.1" && host !== "localhost" && host !== "::1"
            ? [isIp ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }]
            : []),
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export async function startSim(options: SimOptions = {}): Promise<SimCluster> {
  const now = options.now ?? (() => new Date());
  const host = options.host ?? "127.0.0.1";
  const store = createObjectStore({ indexes: storeIndexes() });
  const behaviourEnv: ClusterEnvironment = {
    now,
    randomHex: (bytes) => randomBytes(bytes).toString("hex"),
    newUid: () => randomUUID(),
    listNodes: () => store.list("core/nodes"),
    podCountOnNode: (node) => store.indexCount("core/pods", "spec.nodeName", node),
  };
  const behaviour = createClusterBehaviour(behaviourEnv);
  const registry = createRegistry({
    store,
    behaviour,
    now,
    newUid: () => randomUUID(),
    nameSuffix: () =>
      Array.from({ length: 5 }, () => NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)]).join(""),
  });
  const faults = createFaultInjector();
  const requestLog = createRequestLog(options.requestLogSize ?? 10_000);
  const podLogs = createPodLogStore(now);
  const authenticator = createTokenAuthenticator({
    tokens: options.tokens ?? {},
    anonymous: options.anonymous ?? (options.rbac && options.rbac.length > 0 ? "deny" : "full-access"),
  });
  const authorizer = createRbacAuthorizer(store);

  const applyAll = (input: string | KubeObject | readonly (string | KubeObject)[]): KubeObject[] => {
    const objects = parseManifests(input as string | KubeObject | readonly (string | KubeObject)[]);
    const ordered = objects
      .map((obj, index) => ({ obj, index }))
      .sort((a, b) => seedRank(a.obj) - seedRank(b.obj) || a.index - b.index);
    return ordered.map(({ obj }) => clone(registry.apply(obj)));
  };

  const loadRbac = (yaml: string): KubeObject[] => {
    const objects = parseManifests(yaml);
    for (const obj of objects) {
      if (
        !isObject(obj) ||
        typeof obj.apiVersion !== "string" ||
        !obj.apiVersion.startsWith("rbac.authorization.k8s.io/")
      ) {
        throw new KubeApiError({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          code: 400,
          reason: "BadRequest",
          message: `RBAC files may hold only rbac.authorization.k8s.io objects, found ${String(obj.kind)} "${String(metaOf(obj).name ?? "")}"`,
        });
      }
    }
    return applyAll(objects);
  };

  const jobController = createJobController({
    store,
    registry,
    now,
    ...(options.jobs ? { options: options.jobs } : {}),
  });

  for (const name of DEFAULT_NAMESPACES)
    registry.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  applyAll(bootstrapRbac());
  for (const text of options.rbac ?? []) loadRbac(text);
  if (options.seed && options.seed.length > 0) applyAll(options.seed);
  const initialState = store.snapshot();

  const typeOf = (ref: TypeRef) => {
    const type = resolveType(ref);
    if (!type) throw new UnknownResourceError(ref);
    return type;
  };

  const tls = options.https ? await selfSignedCertificate(host) : undefined;
  let server: Server;
  let address = "";
  const handler = createApiRequestHandler({
    registry,
    store,
    authenticator,
    authorizer,
    faults,
    requestLog,
    podLogs,
    now,
    serverAddress: () => address,
    admin: createAdminHandler({
      faults,
      requestLog,
      reset: () => reset(),
      apply: (text) => applyAll(text),
      addToken: (token, user, groups) => authenticator.addToken(token, user, groups),
      setLogs: (container, logs) => setLogs(container, logs),
      setJobOutcome: (rule) => jobController.addRule(rule),
    }),
  });
  if (tls) server = createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
  else server = createHttpServer(handler);
  // Watches and kubectl keep-alive connections must not keep stop() waiting.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  address = `${urlHost}:${port}`;

  function setLogs({ namespace, pod: name, container }: ContainerRef, logs: ContainerLogs): void {
    const pod = store.get("core/pods", namespace, name);
    if (!pod) throw new Error(`setLogs: no pod ${namespace}/${name}`);
    const names = containerNames(pod);
    const target = container ?? names[0];
    if (target === undefined || !names.includes(target)) {
      throw new Error(`setLogs: no container ${container ?? "(first)"} in pod ${namespace}/${name}`);
    }
    podLogs.set(pod, target, logs);
  }

  function reset(): void {
    store.restore(initialState);
    podLogs.clear();
    jobController.reset();
    faults.clear();
    requestLog.clear();
  }

  let stopped: Promise<void> | undefined;
  const sim: SimCluster = {
    url: `${tls ? "https" : "http"}://${urlHost}:${port}`,
    host,
    port,
    ...(tls ? { caCert: tls.cert } : {}),
    stop() {
      jobController.stop();
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
    apply: applyAll,
    get(ref) {
      const type = typeOf(ref);
      const stored = store.get(type.storage, type.namespaced ? (ref.namespace ?? "default") : "", ref.name);
      return stored ? clone(registry.serve(type, stored)) : undefined;
    },
    list(ref) {
      const type = typeOf(ref);
      const { items } = registry.list(type, type.namespaced ? ref.namespace : undefined, {
        ...(ref.labelSelector ? { labelSelector: ref.labelSelector } : {}),
        ...(ref.fieldSelector ? { fieldSelector: ref.fieldSelector } : {}),
      });
      return items.map((item) => clone(item));
    },
    remove(ref) {
      const type = typeOf(ref);
      try {
        registry.delete(type, type.namespaced ? (ref.namespace ?? "default") : "", ref.name, {});
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 404) return false;
        throw error;
      }
    },
    restartContainer({ namespace, name, container }) {
      const pod = store.get("core/pods", namespace, name);
      const statuses = getArray(pod, ["status", "containerStatuses"]).filter(isObject);
      const index = container ? statuses.findIndex((s) => s.name === container) : 0;
      const previous = statuses[index];
      if (!pod || !previous) {
        throw new Error(
          `restartContainer: no container ${container ?? "(first)"} in pod ${namespace}/${name}`,
        );
      }
      const restarted = clone(pod);
      const status = restarted.status as { containerStatuses: unknown[] };
      status.containerStatuses[index] = restartedContainerStatus(previous, behaviourEnv);
      registry.apply(restarted);
      podLogs.restarted(pod, String(previous.name ?? ""));
      return String(previous.containerID);
    },
    setLogs,
    setJobOutcome: (rule) => jobController.addRule(rule),
    addToken: (token, user, groups) => authenticator.addToken(token, user, groups),
    loadRbac,
    faults: {
      inject: (spec) => faults.inject(spec),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    get requests() {
      return requestLog.entries();
    },
    get pendingRequests() {
      return requestLog.pending();
    },
    clearRequests: () => requestLog.clear(),
    reset,
  };
  return sim;
}
