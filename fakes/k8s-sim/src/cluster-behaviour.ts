// What the rest of a cluster would do to an object the API server stores: API defaulting, the
// scheduler picking a node, the kubelet reporting a running pod (containerd container IDs, IPs,
// conditions), node status, and workload controllers that converge instantly.

import {
  deepEqual,
  ensureObject,
  getArray,
  getNumber,
  getObject,
  getPath,
  getString,
  isObject,
  type JsonObject,
  type KubeObject,
  metaOf,
  rfc3339,
} from "./json.js";

export interface ClusterEnvironment {
  now(): Date;
  /** Random lower-case hex of `bytes` bytes (container IDs, image digests). */
  randomHex(bytes: number): string;
  /** A new object uid (a Job's selector names its own uid before the object is stored). */
  newUid(): string;
  listNodes(): readonly KubeObject[];
  podCountOnNode(nodeName: string): number;
}

/** Kubelet and runtime versions reported by simulated nodes (GKE 1.32 on containerd). */
export const SIM_KUBELET_VERSION = "v1.32.4-gke.1106000";
const CONTAINER_RUNTIME = "containerd://1.7.24";

function setDefault(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** Docker Hub short names as containerd reports them: `nginx:1.25` → `docker.io/library/nginx:1.25`. */
export function canonicalImage(image: string): string {
  const firstSegment = image.split("/")[0] ?? "";
  const hasRegistry =
    image.includes("/") &&
    (firstSegment.includes(".") || firstSegment.includes(":") || firstSegment === "localhost");
  if (hasRegistry) return image;
  const path = image.includes("/") ? image : `library/${image}`;
  return `docker.io/${path}`;
}

function imageWithTag(image: string): string {
  const lastSegment = image.split("/").pop() ?? image;
  return lastSegment.includes(":") || lastSegment.includes("@") ? image : `${image}:latest`;
}

// --- Pods -------------------------------------------------------------------------------------

function defaultContainer(container: unknown): void {
  if (!isObject(container)) return;
  setDefault(container, "terminationMessagePath", "/dev/termination-log");
  setDefault(container, "terminationMessagePolicy", "File");
  const image = typeof container.image === "string" ? container.image : "";
  const lastSegment = image.split("/").pop() ?? "";
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "latest";
  setDefault(
    container,
    "imagePullPolicy",
    tag === "latest" && !image.includes("@") ? "Always" : "IfNotPresent",
  );
  setDefault(container, "resources", {});
}

function defaultPodSpec(spec: JsonObject): void {
  for (const c of getArray(spec, ["containers"])) defaultContainer(c);
  for (const c of getArray(spec, ["initContainers"])) defaultContainer(c);
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
}

/** Defaults added by admission to every pod (ServiceAccount, DefaultTolerationSeconds, Priority). */
function admitPod(spec: JsonObject): void {
  setDefault(spec, "serviceAccountName", "default");
  setDefault(spec, "serviceAccount", spec.serviceAccountName);
  setDefault(spec, "enableServiceLinks", true);
  setDefault(spec, "priority", 0);
  setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const present = tolerations.some(
      (t) => isObject(t) && t.key === key && (t.effect ?? "NoExecute") === "NoExecute",
    );
    if (!present) {
      tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
  }
  spec.tolerations = tolerations;
}

function tolerates(tolerations: readonly unknown[], taint: JsonObject): boolean {
  return tolerations.some((t) => {
    if (!isObject(t)) return false;
    if (t.effect !== undefined && t.effect !== "" && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function isReady(node: KubeObject): boolean {
  const conditions = getArray(node, ["status", "conditions"]).filter(isObject);
  const ready = conditions.find((c) => c.type === "Ready");
  return ready === undefined || ready.status === "True";
}

/** The node the default scheduler would pick: feasible, then least loaded, then by name. */
export function scheduleNode(pod: KubeObject, env: ClusterEnvironment): string | undefined {
  const tolerations = getArray(pod, ["spec", "tolerations"]);
  const nodeSelector = getObject(pod, ["spec", "nodeSelector"]) as Record<string, string> | undefined;
  const feasible = env.listNodes().filter((node) => {
    if (getPath(node, ["spec", "unschedulable"]) === true || !isReady(node)) return false;
    const labels = metaOf(node).labels ?? {};
    if (nodeSelector && !Object.entries(nodeSelector).every(([k, v]) => labels[k] === v)) return false;
    return getArray(node, ["spec", "taints"])
      .filter(isObject)
      .filter((taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute")
      .every((taint) => tolerates(tolerations, taint));
  });
  let best: { name: string; load: number } | undefined;
  for (const node of feasible) {
    const name = metaOf(node).name ?? "";
    const load = env.podCountOnNode(name);
    if (best === undefined || load < best.load || (load === best.load && name < best.name))
      best = { name, load };
  }
  return best?.name;
}

function qosClass(spec: JsonObject): string {
  const containers = getArray(spec, ["containers"]).filter(isObject);
  const resources = containers.map((c) => (isObject(c.resources) ? c.resources : {}));
  const hasAny = resources.some((r) => isObject(r.requests) || isObject(r.limits));
  if (!hasAny) return "BestEffort";
  const guaranteed = resources.every((r) => {
    const limits = isObject(r.limits) ? r.limits : {};
    const requests = isObject(r.requests) ? r.requests : limits;
    return ["cpu", "memory"].every((k) => limits[k] !== undefined && deepEqual(limits[k], requests[k]));
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

function nodeInternalIp(node: KubeObject | undefined): string | undefined {
  const address = getArray(node, ["status", "addresses"])
    .filter(isObject)
    .find((a) => a.type === "InternalIP");
  return typeof address?.address === "string" ? address.address : undefined;
}

function runningContainerStatus(
  container: JsonObject,
  startedAt: string,
  env: ClusterEnvironment,
): JsonObject {
  const image = imageWithTag(canonicalImage(String(container.image ?? "")));
  const repository = image.replace(/[:@][^/]*$/, "");
  return {
    name: container.name,
    state: { running: { startedAt } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID: `${repository}@sha256:${env.randomHex(32)}`,
    containerID: `containerd://${env.randomHex(32)}`,
    started: true,
  };
}

/**
 * A container status after the kubelet restarted the container: a new container ID, running since
 * `now`; the previous instance (its ID, exit) in `lastState.terminated`; `restartCount` + 1.
 */
export function restartedContainerStatus(status: JsonObject, env: ClusterEnvironment): JsonObject {
  const now = rfc3339(env.now());
  const startedAt = getString(status, ["state", "running", "startedAt"]) ?? now;
  return {
    ...status,
    state: { running: { startedAt: now } },
    lastState: {
      terminated: {
        exitCode: 137,
        reason: "Error",
        startedAt,
        finishedAt: now,
        containerID: status.containerID,
      },
    },
    restartCount: (getNumber(status, ["restartCount"]) ?? 0) + 1,
    containerID: `containerd://${env.randomHex(32)}`,
  };
}

/**
 * A pod as the scheduler and kubelet would leave it: bound to a node and Running, every container
 * with a `containerd://<64 hex>` ID. Whatever status the manifest already carries is kept, so seeds
 * can pin container IDs (a real API server would drop a status sent on create).
 */
function simulatePod(pod: KubeObject, env: ClusterEnvironment, podIp: () => string): void {
  const spec = ensureObject(pod, ["spec"]);
  const given = isObject(pod.status) ? pod.status : {};
  if (!spec.nodeName) {
    const node = scheduleNode(pod, env);
    if (node) spec.nodeName = node;
  }
  const nodeName = typeof spec.nodeName === "string" ? spec.nodeName : undefined;
  const node = nodeName ? env.listNodes().find((n) => metaOf(n).name === nodeName) : undefined;
  const now = rfc3339(env.now());
  const status: JsonObject = {};
  if (node === undefined && given.phase === undefined) {
    status.phase = "Pending";
    status.conditions = nodeName
      ? []
      : [
          {
            type: "PodScheduled",
            status: "False",
            lastProbeTime: null,
            lastTransitionTime: now,
            reason: "Unschedulable",
            message: "0/0 nodes are available: no nodes available to schedule pods.",
          },
        ];
    status.qosClass = qosClass(spec);
    pod.status = { ...status, ...given };
    return;
  }
  const containers = getArray(spec, ["containers"]).filter(isObject);
  const givenStatuses = getArray(given, ["containerStatuses"]).filter(isObject);
  const startedAt = typeof given.startTime === "string" ? given.startTime : now;
  const containerStatuses = containers.map((container) => {
    const provided = givenStatuses.find((s) => s.name === container.name) ?? {};
    return { ...runningContainerStatus(container, startedAt, env), ...provided };
  });
  const condition = (type: string) => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: startedAt,
  });
  const hostIp = nodeInternalIp(node);
  status.phase = "Running";
  status.conditions = [
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
  ].map(condition);
  if (hostIp) {
    status.hostIP = hostIp;
    status.hostIPs = [{ ip: hostIp }];
  }
  const ip =
    typeof given.podIP === "string" ? given.podIP : spec.hostNetwork === true && hostIp ? hostIp : podIp();
  status.podIP = ip;
  status.podIPs = [{ ip }];
  status.startTime = startedAt;
  status.qosClass = qosClass(spec);
  pod.status = { ...status, ...given, containerStatuses };
}

// --- Nodes ------------------------------------------------------------------------------------

function simulateNode(node: KubeObject, env: ClusterEnvironment, nodeIp: () => string): void {
  const meta = metaOf(node);
  const name = meta.name ?? "";
  meta.labels = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    ...(meta.labels ?? {}),
  };
  // kube-apiserver always returns a Node's spec (a struct, not a pointer): `{}` when none was given,
  // so a JSON patch `add /spec/taints` works on a node created from a bare manifest.
  if (!isObject(node.spec)) node.spec = {};
  const given = isObject(node.status) ? node.status : {};
  const now = rfc3339(env.now());
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  const capacity = { cpu: "4", "ephemeral-storage": "98831908Ki", memory: "16393568Ki", pods: "110" };
  const status: JsonObject = {
    capacity,
    allocatable: { cpu: "3920m", "ephemeral-storage": "47060071478", memory: "13844832Ki", pods: "110" },
    conditions: [
      condition(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
      ),
      condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: nodeIp() },
      { type: "Hostname", address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: env.randomHex(16),
      systemUUID: env.randomHex(16),
      bootID: env.randomHex(16),
      kernelVersion: "6.6.56+",
      osImage: "Container-Optimized OS from Google",
      containerRuntimeVersion: CONTAINER_RUNTIME,
      kubeletVersion: SIM_KUBELET_VERSION,
      kubeProxyVersion: SIM_KUBELET_VERSION,
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
  node.status = { ...status, ...given };
}

// --- Workloads --------------------------------------------------------------------------------

/** Workload controllers that converge at once: status mirrors the desired replica count. */
function simulateWorkload(obj: KubeObject, kind: string, env: ClusterEnvironment): void {
  const spec = ensureObject(obj, ["spec"]);
  const meta = metaOf(obj);
  const generation = meta.generation ?? 1;
  const templateSpec = getObject(spec, ["template", "spec"]);
  if (templateSpec) defaultPodSpec(templateSpec);
  const now = rfc3339(env.now());
  if (kind === "DaemonSet") {
    const selector = getObject(templateSpec, ["nodeSelector"]) as Record<string, string> | undefined;
    const nodes = env
      .listNodes()
      .filter(
        (n) => !selector || Object.entries(selector).every(([k, v]) => metaOf(n).labels?.[k] === v),
      ).length;
    setDefault(spec, "revisionHistoryLimit", 10);
    setDefault(spec, "updateStrategy", {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    obj.status = {
      currentNumberScheduled: nodes,
      numberMisscheduled: 0,
      desiredNumberScheduled: nodes,
      numberReady: nodes,
      observedGeneration: generation,
      updatedNumberScheduled: nodes,
      numberAvailable: nodes,
    };
    return;
  }
  setDefault(spec, "replicas", 1);
  const replicas = getNumber(spec, ["replicas"]) ?? 1;
  const status: JsonObject = {
    observedGeneration: generation,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  };
  if (kind === "Deployment") {
    setDefault(spec, "revisionHistoryLimit", 10);
    setDefault(spec, "progressDeadlineSeconds", 600);
    setDefault(spec, "strategy", {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
    });
    status.updatedReplicas = replicas;
    status.conditions = [
      {
        type: "Available",
        status: "True",
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
      },
      {
        type: "Progressing",
        status: "True",
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason: "NewReplicaSetAvailable",
        message: `ReplicaSet "${meta.name ?? ""}" has successfully progressed.`,
      },
    ];
  } else if (kind === "ReplicaSet") {
    status.fullyLabeledReplicas = replicas;
  } else if (kind === "StatefulSet") {
    setDefault(spec, "podManagementPolicy", "OrderedReady");
    status.currentReplicas = replicas;
    status.updatedReplicas = replicas;
  }
  if (replicas === 0) {
    delete status.readyReplicas;
    delete status.availableReplicas;
  }
  obj.status = status;
}

// --- Jobs -------------------------------------------------------------------------------------

/** True once a Job has its terminal condition (the job controller then leaves it alone). */
export function jobFinished(job: KubeObject): boolean {
  return getArray(job, ["status", "conditions"]).some(
    (c) => isObject(c) && (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

/**
 * The API server's Job defaults and generated selector (batch/job strategy: controller-uid labels),
 * and what the job controller reports at once: started, one pod active. Finishing is the
 * JobController's (job-controller.ts). A status given with the object (a seed) is kept.
 */
function simulateJob(job: KubeObject, env: ClusterEnvironment): void {
  const meta = metaOf(job);
  meta.uid ??= env.newUid();
  const spec = ensureObject(job, ["spec"]);
  setDefault(spec, "parallelism", 1);
  setDefault(spec, "completions", 1);
  setDefault(spec, "backoffLimit", 6);
  setDefault(spec, "completionMode", "NonIndexed");
  setDefault(spec, "suspend", false);
  setDefault(spec, "podReplacementPolicy", "TerminatingOrFailed");
  if (spec.manualSelector !== true) {
    const controllerLabels = {
      "batch.kubernetes.io/controller-uid": meta.uid,
      "batch.kubernetes.io/job-name": meta.name ?? "",
      "controller-uid": meta.uid,
      "job-name": meta.name ?? "",
    };
    setDefault(spec, "selector", { matchLabels: { "batch.kubernetes.io/controller-uid": meta.uid } });
    const templateMeta = ensureObject(job, ["spec", "template", "metadata"]);
    templateMeta.labels = {
      ...(isObject(templateMeta.labels) ? templateMeta.labels : {}),
      ...controllerLabels,
    };
  }
  defaultPodSpec(ensureObject(job, ["spec", "template", "spec"]));
  if (isObject(job.status) && Object.keys(job.status).length > 0) return;
  job.status =
    spec.suspend === true
      ? {}
      : {
          startTime: rfc3339(env.now()),
          active: 1,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
        };
}

function simulateNamespace(ns: KubeObject): void {
  const meta = metaOf(ns);
  meta.labels = { ...(meta.labels ?? {}), "kubernetes.io/metadata.name": meta.name ?? "" };
  const spec = ensureObject(ns, ["spec"]);
  setDefault(spec, "finalizers", ["kubernetes"]);
  ns.status = { phase: "Active", ...(isObject(ns.status) ? ns.status : {}) };
}

/** Stateful parts of the simulation: address allocation. One per simulated cluster. */
export interface ClusterBehaviour {
  /** Applies defaults and the simulated controllers to an object being created. */
  onCreate(kind: string, obj: KubeObject): void;
  /** Same for an update of the main resource; `previous` is the stored object. */
  onUpdate(kind: string, obj: KubeObject, previous: KubeObject): void;
}

export function createClusterBehaviour(env: ClusterEnvironment): ClusterBehaviour {
  let podCounter = 0;
  let nodeCounter = 0;
  const podIp = () => {
    const n = podCounter++;
    return `10.8.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`;
  };
  const nodeIp = () => {
    const n = nodeCounter++;
    return `10.128.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`;
  };
  return {
    onCreate(kind, obj) {
      switch (kind) {
        case "Pod": {
          const spec = ensureObject(obj, ["spec"]);
          defaultPodSpec(spec);
          admitPod(spec);
          simulatePod(obj, env, podIp);
          break;
        }
        case "Node":
          simulateNode(obj, env, nodeIp);
          break;
        case "Namespace":
          simulateNamespace(obj);
          break;
        case "Job":
          simulateJob(obj, env);
          break;
        case "Deployment":
        case "ReplicaSet":
        case "DaemonSet":
        case "StatefulSet":
          simulateWorkload(obj, kind, env);
          break;
        default:
          break;
      }
    },
    onUpdate(kind, obj, previous) {
      switch (kind) {
        case "Deployment":
        case "ReplicaSet":
        case "DaemonSet":
        case "StatefulSet":
          simulateWorkload(obj, kind, env);
          break;
        case "Namespace": {
          const meta = metaOf(obj);
          meta.labels = { ...(meta.labels ?? {}), "kubernetes.io/metadata.name": meta.name ?? "" };
          break;
        }
        case "Pod": {
          const spec = ensureObject(obj, ["spec"]);
          // nodeName is set once (by the scheduler or a binding) and cannot be changed by an update.
          const previousNode = getString(previous, ["spec", "nodeName"]);
          if (previousNode !== undefined) spec.nodeName = previousNode;
          break;
        }
        default:
          break;
      }
    },
  };
}
