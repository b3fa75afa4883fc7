// The chaos scenario: a simulated cluster big enough for thousands of distinct alerts, a storm of
// Falco alerts built from examples/ with varied targets, rules and priorities (some deliberately
// duplicated, some aimed at pods that are protected, replaced, briefly unreachable or forbidden), and the
// (incident, action) pairs the router's own playbook decision says each alert must produce.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type ActionName, type FalcoAlert, formatRfc3339Nanos, parseFalcoAlert } from "@riposte/contracts";
import type { KubeObject } from "@riposte/k8s-sim";
import { decide, parsePlaybooks } from "@riposte/router";
import { defaultsWithKillAtOnce } from "../e2e/playbooks.js";

/**
 * A namespace whose pod reads answer 503 for a while each cycle (an API server blip, see the
 * schedule): its kills must outlast it by retrying, not dead-letter.
 */
export const OUTAGE_NAMESPACE = "chaos-outage";
/** A namespace whose pods Riposte may not read (403, as with broken RBAC): their actions fail for good. */
export const FORBIDDEN_NAMESPACE = "chaos-forbidden";
/** The rule of a playbook being trialled in dry-run (appended to the shipped playbooks). */
export const DRILL_RULE = "Chaos drill: unexpected outbound connection";

/**
 * The shipped playbooks plus one in dry-run, so that every outcome kind occurs. The Critical kill runs
 * at once, without the default's isolate → capture chain before it: the storm does not run capture
 * (yet), and a kill waiting up to 60 s for a capture nobody runs would only slow it.
 */
export const CHAOS_PLAYBOOKS_YAML = `${defaultsWithKillAtOnce()}
  - name: chaos-drill
    description: A playbook being trialled; the actioners only report what they would do.
    match:
      rules: ["${DRILL_RULE}"]
      priority: "== Notice"
    actions: [kill-pod, isolate-pod]
    dry_run: true
`;

export interface ScenarioOptions {
  /** Alerts to publish (duplicates included). */
  alerts: number;
  /** Seeds the pseudo-random choices: the same seed gives the same storm. */
  seed: number;
  /** Event time of the first alert (ms since the epoch); later alerts are 1 ms apart. */
  startTimeMs: number;
}

/** What kind of alert a storm entry is, for the report. */
export type AlertShape =
  | "kill-by-name"
  | "kill-by-container-id"
  | "shell-notice"
  | "shell-critical"
  | "api-contact"
  | "host-critical"
  | "error-in-container"
  | "informational"
  | "falco-internal"
  | "kill-replaced-pod"
  | "kill-protected"
  | "drill"
  | "kill-during-outage"
  | "kill-forbidden"
  | "resend";

export interface StormAlert {
  /** The JSON published to falco-events, exactly. */
  json: string;
  incident: string;
  shape: AlertShape;
}

export interface ExpectedPair {
  incident: string;
  action: ActionName;
  dryRun: boolean;
}

export interface Scenario {
  /** Objects for `startSim({ seed })`. */
  clusterSeed: KubeObject[];
  /** Nodes and pods that may be touched, for the doubled-action checks. */
  podCount: number;
  nodeNames: string[];
  alerts: StormAlert[];
  /** Every (incident, action) pair the router must produce, once per incident. */
  expected: ExpectedPair[];
  /** Alerts sent per shape. */
  shapes: Record<string, number>;
  playbooksYaml: string;
}

// ---------------------------------------------------------------------------------------------------
// Pseudo-random choices (deterministic per seed)

/** mulberry32: tiny, fast, good enough to pick targets reproducibly. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function hex(seed: string, length: number): string {
  return createHash("sha256").update(`riposte-chaos/${seed}`).digest("hex").slice(0, length);
}

function uuidOf(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------------
// The simulated cluster

interface SeededPod {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  container: string;
  /** The 12 hex characters Falco reports as container.id. */
  shortId: string;
  image: string;
}

const IMAGES = [
  "us-docker.pkg.dev/acme/shop/web",
  "us-docker.pkg.dev/acme/batch/worker",
  "docker.io/library/nginx",
  "ghcr.io/acme/api",
];

function buildCluster(alerts: number): { objects: KubeObject[]; pods: SeededPod[]; nodes: string[] } {
  const nodes = Array.from({ length: 16 }, (_, i) => `gke-chaos-pool-${hex(`pool/${i}`, 8)}-n${i}`);
  // Enough namespaces that the per-namespace kill limit is rarely what refuses a kill; 8 pods each.
  const workloadNamespaces = Array.from(
    { length: Math.max(20, Math.ceil(alerts / 25)) },
    (_, i) => `team-${i}`,
  );
  const specials = [
    { namespace: OUTAGE_NAMESPACE, count: 3 },
    { namespace: FORBIDDEN_NAMESPACE, count: 3 },
    { namespace: "kube-system", count: 2 },
  ];
  const pods: SeededPod[] = [];
  const addPod = (namespace: string, index: number) => {
    const name = `app-${hex(`${namespace}/${index}`, 6)}-${index}`;
    pods.push({
      namespace,
      name,
      uid: uuidOf(`pod/${namespace}/${name}`),
      node: nodes[(pods.length * 7) % nodes.length] as string,
      container: "app",
      shortId: hex(`container/${namespace}/${name}`, 12),
      image: IMAGES[pods.length % IMAGES.length] as string,
    });
  };
  for (const namespace of workloadNamespaces) for (let i = 0; i < 8; i++) addPod(namespace, i);
  for (const { namespace, count } of specials) for (let i = 0; i < count; i++) addPod(namespace, i);

  const objects: KubeObject[] = [
    ...[...workloadNamespaces, OUTAGE_NAMESPACE, FORBIDDEN_NAMESPACE].map(
      (name): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }),
    ),
    ...nodes.map(
      (name): KubeObject => ({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, uid: uuidOf(`node/${name}`), labels: { "cloud.google.com/gke-nodepool": "chaos" } },
        spec: { providerID: `gce://acme-prod/us-central1-a/${name}` },
      }),
    ),
    ...pods.map(
      (pod): KubeObject => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, labels: { app: "app" } },
        spec: { nodeName: pod.node, containers: [{ name: pod.container, image: pod.image }] },
        status: {
          containerStatuses: [
            {
              name: pod.container,
              containerID: `containerd://${pod.shortId}${hex(`full/${pod.uid}`, 52)}`,
            },
          ],
        },
      }),
    ),
  ];
  return { objects, pods, nodes };
}

// ---------------------------------------------------------------------------------------------------
// The storm

type RawAlert = Record<string, unknown> & { output_fields: Record<string, unknown> };

const EXAMPLES = new URL("../../examples/", import.meta.url);
const example = (file: string): RawAlert =>
  JSON.parse(readFileSync(new URL(file, EXAMPLES), "utf8")) as RawAlert;

/** Shapes placed at fixed positions of every 100 alerts, so that even a short storm has them. */
const FIXED_SHAPES: ReadonlyMap<number, Exclude<AlertShape, "resend">> = new Map([
  [13, "kill-forbidden"],
  [47, "kill-during-outage"],
  [71, "kill-forbidden"],
]);

/** Shapes and their share of the rest of the storm (plus resends, RESEND_SHARE of all alerts). */
const SHAPE_WEIGHTS: readonly [Exclude<AlertShape, "resend">, number][] = [
  ["kill-by-name", 20],
  ["kill-by-container-id", 5],
  ["shell-notice", 14],
  ["shell-critical", 5],
  ["api-contact", 6],
  ["host-critical", 3],
  ["error-in-container", 25],
  ["informational", 5],
  ["falco-internal", 3],
  ["kill-replaced-pod", 3],
  ["kill-protected", 2],
  ["drill", 3],
];
const RESEND_SHARE = 0.04;

function pickShape(random: () => number): Exclude<AlertShape, "resend"> {
  const total = SHAPE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [shape, weight] of SHAPE_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return shape;
  }
  return "error-in-container";
}

function podFields(pod: SeededPod, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "container.id": pod.shortId,
    "container.name": pod.container,
    "container.image.repository": pod.image,
    "k8s.ns.name": pod.namespace,
    "k8s.pod.name": pod.name,
    ...extra,
  };
}

export function buildScenario(options: ScenarioOptions): Scenario {
  const random = randomSource(options.seed);
  const cluster = buildCluster(options.alerts);
  const inNamespace = (namespace: string) => cluster.pods.filter((pod) => pod.namespace === namespace);
  const workloadPods = cluster.pods.filter((pod) => pod.namespace.startsWith("team-"));
  const templates = {
    drop: example("sidekick-critical-drop-exec.json"),
    shell: example("modern-terminal-shell.json"),
    api: example("modern-k8s-api-contact.json"),
    host: example("host-level.json"),
    info: example("informational.json"),
  };

  const alerts: StormAlert[] = [];
  const shapes: Record<string, number> = {};
  const parsed = new Map<string, FalcoAlert>();

  const build = (
    index: number,
    shape: Exclude<AlertShape, "resend">,
  ): { raw: RawAlert; changes: Record<string, unknown>; fields: Record<string, unknown> } => {
    const pod = pick(random, workloadPods);
    switch (shape) {
      case "kill-by-name":
        return { raw: templates.drop, changes: { hostname: pod.node }, fields: podFields(pod) };
      case "kill-by-container-id":
        return {
          raw: templates.drop,
          changes: { hostname: pod.node },
          fields: podFields(pod, { "k8s.ns.name": null, "k8s.pod.name": null }),
        };
      case "shell-notice":
        return { raw: templates.shell, changes: { hostname: pod.node }, fields: podFields(pod) };
      case "shell-critical":
        return {
          raw: templates.shell,
          changes: { hostname: pod.node, priority: "Critical" },
          fields: podFields(pod),
        };
      case "api-contact":
        return {
          raw: templates.api,
          changes: { hostname: pod.node, priority: "Warning" },
          fields: podFields(pod, { "k8s.pod.uid": pod.uid }),
        };
      case "host-critical":
        return {
          raw: templates.host,
          changes: { hostname: pick(random, cluster.nodes), priority: "Critical" },
          fields: {},
        };
      case "error-in-container":
        return {
          raw: templates.host,
          changes: { hostname: pod.node, priority: pick(random, ["Warning", "Error"] as const) },
          fields: podFields(pod),
        };
      case "informational":
        return { raw: templates.info, changes: { hostname: pod.node }, fields: {} };
      case "falco-internal":
        return {
          raw: templates.host,
          changes: {
            rule: "Falco internal: syscall event drop",
            priority: "Debug",
            source: "internal",
            hostname: pick(random, cluster.nodes),
            output: `Falco internal: syscall event drop. ${index} system calls dropped in last second.`,
          },
          fields: { n_drops: String(index), n_evts: "100000" },
        };
      case "kill-replaced-pod":
        // The alert names the pod with a uid it no longer has: a new pod took the name since.
        return {
          raw: templates.drop,
          changes: { hostname: pod.node },
          fields: podFields(pod, { "k8s.pod.uid": uuidOf(`replaced/${index}`) }),
        };
      case "kill-protected": {
        const system = pick(random, inNamespace("kube-system"));
        return { raw: templates.drop, changes: { hostname: system.node }, fields: podFields(system) };
      }
      case "drill":
        return {
          raw: templates.api,
          changes: { hostname: pod.node, rule: DRILL_RULE, priority: "Notice" },
          fields: podFields(pod, { "k8s.pod.uid": pod.uid }),
        };
      case "kill-during-outage": {
        const target = pick(random, inNamespace(OUTAGE_NAMESPACE));
        return { raw: templates.drop, changes: { hostname: target.node }, fields: podFields(target) };
      }
      case "kill-forbidden": {
        const target = pick(random, inNamespace(FORBIDDEN_NAMESPACE));
        return { raw: templates.drop, changes: { hostname: target.node }, fields: podFields(target) };
      }
    }
  };

  const originals: StormAlert[] = [];
  for (let index = 0; index < options.alerts; index++) {
    const fixed = FIXED_SHAPES.get(index % 100);
    if (!fixed && originals.length > 0 && random() < RESEND_SHARE) {
      // falcosidekick re-sending an alert: the same event, a new uuid — the same incident.
      const original = pick(random, originals);
      const json = JSON.stringify({ ...JSON.parse(original.json), uuid: uuidOf(`resend/${index}`) });
      alerts.push({ json, incident: original.incident, shape: "resend" });
      shapes.resend = (shapes.resend ?? 0) + 1;
      continue;
    }
    const shape = fixed ?? pickShape(random);
    const { raw, changes, fields } = build(index, shape);
    const timeMs = options.startTimeMs + index;
    const time = formatRfc3339Nanos(BigInt(timeMs) * 1_000_000n + BigInt(index % 1_000_000));
    const { uuid: _uuid, ...rest } = raw;
    const json = JSON.stringify({
      ...rest,
      uuid: uuidOf(`alert/${options.seed}/${index}`),
      time,
      ...changes,
      output_fields: { ...raw.output_fields, ...fields },
    });
    const result = parseFalcoAlert(json);
    if (!result.ok)
      throw new Error(`chaos alert ${index} (${shape}): ${result.error.path}: ${result.error.message}`);
    parsed.set(result.alert.incidentKey, result.alert);
    const alert: StormAlert = { json, incident: result.alert.incidentKey, shape };
    alerts.push(alert);
    originals.push(alert);
    shapes[shape] = (shapes[shape] ?? 0) + 1;
  }

  const playbooks = parsePlaybooks(CHAOS_PLAYBOOKS_YAML, "chaos playbooks");
  const expected: ExpectedPair[] = [];
  for (const [incident, alert] of parsed) {
    for (const planned of decide(alert, playbooks).actions) {
      expected.push({ incident, action: planned.action, dryRun: planned.dryRun });
    }
  }

  return {
    clusterSeed: cluster.objects,
    podCount: cluster.pods.length,
    nodeNames: cluster.nodes,
    alerts,
    expected,
    shapes,
    playbooksYaml: CHAOS_PLAYBOOKS_YAML,
  };
}
