// Server-side printing: the `Table` columns kube-apiserver returns for `kubectl get`
// (pkg/printers/internalversion/printers.go), so the sim's output reads like a real cluster's.

import {
  getArray,
  getNumber,
  getObject,
  getPath,
  getString,
  isObject,
  type JsonObject,
  type KubeObject,
  metaOf,
} from "./json.js";
import { formatLabelSelector, labelSelectorFromObject } from "./selectors.js";

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

export type TableCell = string | number | boolean;

export interface TablePrinter {
  columns: TableColumn[];
  row(obj: KubeObject, now: Date): TableCell[];
}

function column(name: string, description: string, options: Partial<TableColumn> = {}): TableColumn {
  return { name, type: "string", format: "", description, priority: 0, ...options };
}

const NAME = column("Name", "Name must be unique within a namespace.", { format: "name" });
const AGE = column(
  "Age",
  "CreationTimestamp is a timestamp representing the server time when this object was created.",
);

/** duration.HumanDuration from k8s.io/apimachinery: `45s`, `5m12s`, `3h10m`, `4d2h`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(timestamp: string | undefined, now: Date): string {
  if (!timestamp) return "<unknown>";
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return "<unknown>";
  return humanDuration(now.getTime() - then);
}

function age(obj: KubeObject, now: Date): string {
  return since(metaOf(obj).creationTimestamp, now);
}

function orNone(value: string | undefined): string {
  return value ? value : "<none>";
}

function containersAndImages(podSpec: JsonObject | undefined): [string, string] {
  const containers = getArray(podSpec, ["containers"]).filter(isObject);
  return [
    containers.map((c) => String(c.name ?? "")).join(","),
    containers.map((c) => String(c.image ?? "")).join(","),
  ];
}

function selectorText(obj: KubeObject): string {
  return formatLabelSelector(labelSelectorFromObject(getPath(obj, ["spec", "selector"])));
}

function hasCondition(obj: KubeObject, type: string): boolean {
  return getArray(obj, ["status", "conditions"]).some(
    (c) => isObject(c) && c.type === type && c.status === "True",
  );
}

/** printJob's STATUS: the first of these that applies, else Running. */
function jobStatus(job: KubeObject): string {
  if (hasCondition(job, "Complete")) return "Complete";
  if (hasCondition(job, "Failed")) return "Failed";
  if (metaOf(job).deletionTimestamp) return "Terminating";
  if (hasCondition(job, "Suspended")) return "Suspended";
  if (hasCondition(job, "FailureTarget")) return "FailureTarget";
  if (hasCondition(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

function jobCompletions(job: KubeObject): string {
  const succeeded = getNumber(job, ["status", "succeeded"]) ?? 0;
  const completions = getNumber(job, ["spec", "completions"]);
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = getNumber(job, ["spec", "parallelism"]) ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** From startTime to completionTime, or to now while the Job runs; empty before it starts. */
function jobDuration(job: KubeObject, now: Date): string {
  const start = Date.parse(getString(job, ["status", "startTime"]) ?? "");
  if (Number.isNaN(start)) return "";
  const end = Date.parse(getString(job, ["status", "completionTime"]) ?? "");
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

/** printPod: READY, STATUS (reason), RESTARTS as kubectl shows them. */
function podRow(pod: KubeObject, now: Date): TableCell[] {
  const meta = metaOf(pod);
  const containers = getArray(pod, ["spec", "containers"]);
  const statuses = getArray(pod, ["status", "containerStatuses"]).filter(isObject);
  let reason = getString(pod, ["status", "reason"]) ?? getString(pod, ["status", "phase"]) ?? "Pending";
  let ready = 0;
  let restarts = 0;
  let lastRestart: string | undefined;
  for (const cs of statuses) {
    restarts += typeof cs.restartCount === "number" ? cs.restartCount : 0;
    const finishedAt = getString(cs, ["lastState", "terminated", "finishedAt"]);
    if (finishedAt && (!lastRestart || finishedAt > lastRestart)) lastRestart = finishedAt;
    const waiting = getString(cs, ["state", "waiting", "reason"]);
    const terminated = getObject(cs, ["state", "terminated"]);
    if (waiting) reason = waiting;
    else if (terminated) {
      reason =
        (terminated.reason as string | undefined) ??
        (typeof terminated.signal === "number" && terminated.signal !== 0
          ? `Signal:${terminated.signal}`
          : `ExitCode:${String(terminated.exitCode ?? 0)}`);
    } else if (cs.ready === true && getObject(cs, ["state", "running"])) {
      ready++;
    }
  }
  if (meta.deletionTimestamp) {
    reason = getString(pod, ["status", "reason"]) === "NodeLost" ? "Unknown" : "Terminating";
  }
  const restartCell: TableCell = lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : restarts;
  const nominated = getString(pod, ["status", "nominatedNodeName"]);
  const gates = getArray(pod, ["spec", "readinessGates"]);
  return [
    meta.name ?? "",
    `${ready}/${containers.length}`,
    reason,
    restartCell,
    age(pod, now),
    orNone(getString(pod, ["status", "podIP"])),
    orNone(getString(pod, ["spec", "nodeName"])),
    orNone(nominated),
    gates.length === 0 ? "<none>" : `0/${gates.length}`,
  ];
}

function nodeRow(node: KubeObject, now: Date): TableCell[] {
  const meta = metaOf(node);
  const conditions = getArray(node, ["status", "conditions"]).filter(isObject);
  const readyCondition = conditions.find((c) => c.type === "Ready");
  const states: string[] = [];
  if (readyCondition === undefined) states.push("Unknown");
  else if (readyCondition.status === "True") states.push("Ready");
  else if (readyCondition.status === "False") states.push("NotReady");
  else states.push("Unknown");
  if (getPath(node, ["spec", "unschedulable"]) === true) states.push("SchedulingDisabled");
  const roles = Object.keys(meta.labels ?? {})
    .filter((key) => key.startsWith("node-role.kubernetes.io/"))
    .map((key) => key.slice("node-role.kubernetes.io/".length))
    .filter((role) => role !== "")
    .sort();
  const addresses = getArray(node, ["status", "addresses"]).filter(isObject);
  const address = (type: string) => addresses.find((a) => a.type === type)?.address as string | undefined;
  const info = getObject(node, ["status", "nodeInfo"]) ?? {};
  return [
    meta.name ?? "",
    states.join(","),
    roles.length > 0 ? roles.join(",") : "<none>",
    age(node, now),
    String(info.kubeletVersion ?? ""),
    orNone(address("InternalIP")),
    orNone(address("ExternalIP")),
    String(info.osImage ?? "<unknown>"),
    String(info.kernelVersion ?? "<unknown>"),
    String(info.containerRuntimeVersion ?? "<unknown>"),
  ];
}

function eventRow(event: KubeObject, now: Date): TableCell[] {
  const involved = getObject(event, ["involvedObject"]) ?? {};
  const firstSeen = getString(event, ["firstTimestamp"]) ?? getString(event, ["eventTime"]);
  const lastSeen =
    getString(event, ["series", "lastObservedTime"]) ??
    getString(event, ["lastTimestamp"]) ??
    getString(event, ["eventTime"]) ??
    firstSeen ??
    metaOf(event).creationTimestamp;
  const source = getObject(event, ["source"]) ?? {};
  const sourceText =
    [source.component, source.host].filter((s) => typeof s === "string" && s !== "").join(", ") ||
    String(getString(event, ["reportingComponent"]) ?? "");
  const count = getNumber(event, ["series", "count"]) ?? getNumber(event, ["count"]) ?? 1;
  return [
    since(lastSeen, now),
    String(getString(event, ["type"]) ?? ""),
    String(getString(event, ["reason"]) ?? ""),
    `${String(involved.kind ?? "").toLowerCase()}/${String(involved.name ?? "")}`,
    String(involved.fieldPath ?? ""),
    sourceText,
    String(getString(event, ["message"]) ?? "").trim(),
    since(firstSeen ?? metaOf(event).creationTimestamp, now),
    count,
    metaOf(event).name ?? "",
  ];
}

function bindingSubjects(binding: KubeObject, kind: string): string {
  return getArray(binding, ["subjects"])
    .filter(isObject)
    .filter((s) => s.kind === kind)
    .map((s) =>
      kind === "ServiceAccount" ? `${String(s.namespace ?? "")}/${String(s.name)}` : String(s.name),
    )
    .join(", ");
}

const bindingPrinter: TablePrinter = {
  columns: [
    NAME,
    column("Role", "Role references the role being bound."),
    AGE,
    column("Users", "Users in the binding.", { priority: 1 }),
    column("Groups", "Groups in the binding.", { priority: 1 }),
    column("ServiceAccounts", "ServiceAccounts in the binding.", { priority: 1 }),
  ],
  row: (b, now) => [
    metaOf(b).name ?? "",
    `${String(getString(b, ["roleRef", "kind"]) ?? "")}/${String(getString(b, ["roleRef", "name"]) ?? "")}`,
    age(b, now),
    bindingSubjects(b, "User"),
    bindingSubjects(b, "Group"),
    bindingSubjects(b, "ServiceAccount"),
  ],
};

const rolePrinter: TablePrinter = {
  columns: [
    NAME,
    column(
      "Created At",
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
      {
        format: "date",
      },
    ),
  ],
  row: (r) => [metaOf(r).name ?? "", metaOf(r).creationTimestamp ?? ""],
};

function workloadStatus(obj: KubeObject, field: string): number {
  return getNumber(obj, ["status", field]) ?? 0;
}

export const printers: Record<string, TablePrinter> = {
  Pod: {
    columns: [
      NAME,
      column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
      column("Status", "The aggregate status of the containers in this pod."),
      column(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      ),
      AGE,
      column("IP", "podIP address allocated to the pod.", { priority: 1 }),
      column("Node", "NodeName indicates in which node this pod is scheduled.", { priority: 1 }),
      column("Nominated Node", "nominatedNodeName is set when this pod preempts other pods on the node.", {
        priority: 1,
      }),
      column("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", {
        priority: 1,
      }),
    ],
    row: podRow,
  },
  Node: {
    columns: [
      NAME,
      column("Status", "The status of the node"),
      column("Roles", "The roles of the node"),
      AGE,
      column("Version", "Kubelet Version reported by the node."),
      column("Internal-IP", "List of addresses reachable to the node.", { priority: 1 }),
      column("External-IP", "List of addresses reachable to the node.", { priority: 1 }),
      column("OS-Image", "OS Image reported by the node from /etc/os-release.", { priority: 1 }),
      column("Kernel-Version", "Kernel Version reported by the node.", { priority: 1 }),
      column("Container-Runtime", "Container runtime version reported by the node.", { priority: 1 }),
    ],
    row: nodeRow,
  },
  Namespace: {
    columns: [NAME, column("Status", "The status of the namespace"), AGE],
    row: (ns, now) => [
      metaOf(ns).name ?? "",
      String(getString(ns, ["status", "phase"]) ?? "Active"),
      age(ns, now),
    ],
  },
  Event: {
    columns: [
      column("Last Seen", "Time when last event occurred"),
      column("Type", "Type of this event (Normal, Warning), new types could be added in the future."),
      column("Reason", "This should be a short, machine understandable string."),
      column("Object", "The object this event is about."),
      column("Subobject", "The subobject this event is about.", { priority: 1 }),
      column("Source", "The component reporting this event.", { priority: 1 }),
      column("Message", "A human-readable description of the status of this operation."),
      column("First Seen", "The time at which the event was first recorded.", { priority: 1 }),
      column("Count", "The number of times this event has occurred.", { priority: 1, type: "integer" }),
      column("Name", "Name must be unique within a namespace.", { priority: 1, format: "name" }),
    ],
    row: eventRow,
  },
  NetworkPolicy: {
    columns: [
      NAME,
      column("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."),
      AGE,
    ],
    row: (np, now) => [
      metaOf(np).name ?? "",
      formatLabelSelector(labelSelectorFromObject(getPath(np, ["spec", "podSelector"]))),
      age(np, now),
    ],
  },
  Deployment: {
    columns: [
      NAME,
      column("Ready", "Number of the pod with ready state"),
      column(
        "Up-to-date",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
        {
          type: "integer",
        },
      ),
      column(
        "Available",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
        {
          type: "integer",
        },
      ),
      AGE,
      column("Containers", "Names of each container in the template.", { priority: 1 }),
      column("Images", "Images referenced by each container in the template.", { priority: 1 }),
      column("Selector", "Label selector for pods.", { priority: 1 }),
    ],
    row: (d, now) => {
      const [containers, images] = containersAndImages(getObject(d, ["spec", "template", "spec"]));
      return [
        metaOf(d).name ?? "",
        `${workloadStatus(d, "readyReplicas")}/${getNumber(d, ["spec", "replicas"]) ?? 1}`,
        workloadStatus(d, "updatedReplicas"),
        workloadStatus(d, "availableReplicas"),
        age(d, now),
        containers,
        images,
        selectorText(d),
      ];
    },
  },
  ReplicaSet: {
    columns: [
      NAME,
      column("Desired", "Number of desired pods.", { type: "integer" }),
      column("Current", "Number of actual pods.", { type: "integer" }),
      column("Ready", "The number of ready pods.", { type: "integer" }),
      AGE,
      column("Containers", "Names of each container in the template.", { priority: 1 }),
      column("Images", "Images referenced by each container in the template.", { priority: 1 }),
      column("Selector", "Label selector for pods.", { priority: 1 }),
    ],
    row: (rs, now) => {
      const [containers, images] = containersAndImages(getObject(rs, ["spec", "template", "spec"]));
      return [
        metaOf(rs).name ?? "",
        getNumber(rs, ["spec", "replicas"]) ?? 1,
        workloadStatus(rs, "replicas"),
        workloadStatus(rs, "readyReplicas"),
        age(rs, now),
        containers,
        images,
        selectorText(rs),
      ];
    },
  },
  StatefulSet: {
    columns: [
      NAME,
      column("Ready", "Number of the pod with ready state"),
      AGE,
      column("Containers", "Names of each container in the template.", { priority: 1 }),
      column("Images", "Images referenced by each container in the template.", { priority: 1 }),
    ],
    row: (s, now) => {
      const [containers, images] = containersAndImages(getObject(s, ["spec", "template", "spec"]));
      return [
        metaOf(s).name ?? "",
        `${workloadStatus(s, "readyReplicas")}/${getNumber(s, ["spec", "replicas"]) ?? 1}`,
        age(s, now),
        containers,
        images,
      ];
    },
  },
  DaemonSet: {
    columns: [
      NAME,
      column("Desired", "The total number of nodes that should be running the daemon pod.", {
        type: "integer",
      }),
      column("Current", "The number of nodes that are running at least 1 daemon pod.", { type: "integer" }),
      column(
        "Ready",
        "The number of nodes that should be running the daemon pod and have one or more running and ready.",
        {
          type: "integer",
        },
      ),
      column("Up-to-date", "The total number of nodes that are running updated daemon pod", {
        type: "integer",
      }),
      column(
        "Available",
        "The number of nodes that should be running the daemon pod and have one or more available.",
        {
          type: "integer",
        },
      ),
      column("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
      AGE,
      column("Containers", "Names of each container in the template.", { priority: 1 }),
      column("Images", "Images referenced by each container in the template.", { priority: 1 }),
      column("Selector", "A label query over pods that are managed by the daemon set.", { priority: 1 }),
    ],
    row: (ds, now) => {
      const [containers, images] = containersAndImages(getObject(ds, ["spec", "template", "spec"]));
      const nodeSelector = getObject(ds, ["spec", "template", "spec", "nodeSelector"]) ?? {};
      const selectorPairs = Object.entries(nodeSelector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .sort()
        .join(",");
      return [
        metaOf(ds).name ?? "",
        workloadStatus(ds, "desiredNumberScheduled"),
        workloadStatus(ds, "currentNumberScheduled"),
        workloadStatus(ds, "numberReady"),
        workloadStatus(ds, "updatedNumberScheduled"),
        workloadStatus(ds, "numberAvailable"),
        orNone(selectorPairs),
        age(ds, now),
        containers,
        images,
        selectorText(ds),
      ];
    },
  },
  Job: {
    columns: [
      NAME,
      column("Status", "Status of the job."),
      column("Completions", "The completion status of the job as a ratio of succeeded pods to completions."),
      column("Duration", "Time required to complete the job."),
      AGE,
      column("Containers", "Names of each container in the template.", { priority: 1 }),
      column("Images", "Images referenced by each container in the template.", { priority: 1 }),
      column("Selector", "Label selector for pods.", { priority: 1 }),
    ],
    row: (job, now) => {
      const [containers, images] = containersAndImages(getObject(job, ["spec", "template", "spec"]));
      return [
        metaOf(job).name ?? "",
        jobStatus(job),
        jobCompletions(job),
        jobDuration(job, now),
        age(job, now),
        containers,
        images,
        selectorText(job),
      ];
    },
  },
  Role: rolePrinter,
  ClusterRole: rolePrinter,
  RoleBinding: bindingPrinter,
  ClusterRoleBinding: bindingPrinter,
};

/** The default for kinds without a dedicated printer. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME, AGE],
  row: (obj, now) => [metaOf(obj).name ?? "", age(obj, now)],
};

export type IncludeObject = "None" | "Metadata" | "Object";

/** Table rows carry PartialObjectMetadata by default: kubectl reads namespace and labels from it. */
export function buildTable(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  options: { now: Date; resourceVersion: string; includeObject: IncludeObject; continueToken?: string },
): JsonObject {
  const metadata: JsonObject = { resourceVersion: options.resourceVersion };
  if (options.continueToken) metadata.continue = options.continueToken;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((obj) => {
      const row: JsonObject = { cells: printer.row(obj, options.now) };
      if (options.includeObject === "Metadata") {
        row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: metaOf(obj) };
      } else if (options.includeObject === "Object") {
        row.object = obj;
      }
      return row;
    }),
  };
}
