// Container logs: the text a test gives for a container's current and previous instance, served by
// pods/log with the kubelet's options (tailLines, limitBytes, timestamps) and the API server's errors.

import { getArray, getPath, isObject, type KubeObject, metaOf } from "./json.js";
import { badRequest, fieldInvalid, invalid } from "./status.js";

export interface ContainerRef {
  namespace: string;
  pod: string;
  /** The first container when omitted. */
  container?: string;
}

export interface ContainerLogs {
  current?: string;
  previous?: string;
}

interface LogText {
  text: string;
  /** When the text was given: the timestamp every line carries (one per write, not per line). */
  at: Date;
}

interface InstanceLogs {
  current?: LogText;
  previous?: LogText;
}

export interface PodLogOptions {
  container?: string;
  previous: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps: boolean;
}

export interface PodLogStore {
  /** Replaces the given parts of a container's logs. The pod must be stored (its uid keys the logs). */
  set(pod: KubeObject, container: string, logs: ContainerLogs): void;
  /** The kubelet's restart: the current log becomes the previous one; the new instance has none yet. */
  restarted(pod: KubeObject, container: string): void;
  read(pod: KubeObject, options: PodLogOptions): string;
  clear(): void;
}

export function containerNames(pod: KubeObject): string[] {
  return getArray(pod, ["spec", "containers"])
    .filter(isObject)
    .map((c) => String(c.name ?? ""));
}

function initContainerNames(pod: KubeObject): string[] {
  return getArray(pod, ["spec", "initContainers"])
    .filter(isObject)
    .map((c) => String(c.name ?? ""));
}

/** pkg/registry/core/pod/strategy.go LogLocation: which container, or the API server's 400. */
function resolveContainer(pod: KubeObject, requested: string | undefined): string {
  const name = metaOf(pod).name ?? "";
  const containers = containerNames(pod);
  const inits = initContainerNames(pod);
  if (!requested) {
    if (containers.length === 1) return containers[0] ?? "";
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
    if (inits.length > 0) message += ` or one of the init containers: [${inits.join(" ")}]`;
    throw badRequest(message);
  }
  if (!containers.includes(requested) && !inits.includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/** A restarted container shows its previous instance in lastState.terminated. */
function hasTerminatedInstance(pod: KubeObject, container: string): boolean {
  const statuses = [
    ...getArray(pod, ["status", "containerStatuses"]),
    ...getArray(pod, ["status", "initContainerStatuses"]),
  ];
  const status = statuses.find((s) => isObject(s) && s.name === container);
  return isObject(getPath(status, ["lastState", "terminated"]));
}

function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The CRI log timestamp format the kubelet prints: RFC 3339 with nanoseconds, always 9 digits. */
function criTimestamp(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

export function validateLogOptions(podName: string, options: PodLogOptions): void {
  const errors = [];
  if (options.tailLines !== undefined && options.tailLines < 0) {
    errors.push(fieldInvalid("tailLines", options.tailLines, "must be greater than or equal to 0"));
  }
  if (options.limitBytes !== undefined && options.limitBytes < 1) {
    errors.push(fieldInvalid("limitBytes", options.limitBytes, "must be greater than 0"));
  }
  if (errors.length > 0) throw invalid("", "PodLogOptions", podName, errors);
}

export function createPodLogStore(now: () => Date): PodLogStore {
  const byContainer = new Map<string, InstanceLogs>();
  const key = (pod: KubeObject, container: string) => `${metaOf(pod).uid ?? ""}/${container}`;
  return {
    set(pod, container, logs) {
      const at = now();
      const entry = byContainer.get(key(pod, container)) ?? {};
      if (logs.current !== undefined) entry.current = { text: logs.current, at };
      if (logs.previous !== undefined) entry.previous = { text: logs.previous, at };
      byContainer.set(key(pod, container), entry);
    },
    restarted(pod, container) {
      const entry = byContainer.get(key(pod, container));
      byContainer.set(key(pod, container), entry?.current ? { previous: entry.current } : {});
    },
    read(pod, options) {
      const name = metaOf(pod).name ?? "";
      validateLogOptions(name, options);
      const container = resolveContainer(pod, options.container);
      const entry = byContainer.get(key(pod, container));
      let log = options.previous ? entry?.previous : entry?.current;
      if (options.previous && !log) {
        if (!hasTerminatedInstance(pod, container)) {
          throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
        }
        log = { text: "", at: now() };
      }
      if (!log) return "";
      let selected = lines(log.text);
      if (options.tailLines !== undefined)
        selected = selected.slice(Math.max(0, selected.length - options.tailLines));
      const at = log.at;
      let text = selected.map((line) => (options.timestamps ? `${criTimestamp(at)} ${line}` : line)).join("");
      if (options.limitBytes !== undefined) {
        const bytes = Buffer.from(text, "utf8");
        if (bytes.length > options.limitBytes) text = bytes.subarray(0, options.limitBytes).toString("utf8");
      }
      return text;
    },
    clear: () => byContainer.clear(),
  };
}
