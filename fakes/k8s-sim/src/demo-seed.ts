// The demo cluster for `npm start`: nodes, namespaces and workloads matching the Falco alerts in
// examples/, so every sample names a pod, container and node that exist.
// Container IDs start with each sample's 12-hex `container.id`; pod UIDs match `k8s.pod.uid`.

import { createHash } from "node:crypto";
import type { JsonObject, KubeObject, OwnerReference } from "./json.js";

function digest(seed: string): string {
  return createHash("sha256").update(`riposte-demo/${seed}`).digest("hex");
}

/** A stable UUID (version-4 layout) derived from a name, so owner references line up. */
function stableUid(seed: string): string {
  const h = digest(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Five characters from the API server's generateName alphabet, derived from a seed. */
function nameSuffix(seed: string): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const bytes = Buffer.from(digest(seed), "hex");
  return Array.from(bytes.subarray(0, 5), (b) => alphabet[b % alphabet.length]).join("");
}

/** `containerd://` + 64 hex, beginning with the 12 hex Falco reports as `container.id`. */
function containerId(shortId: string, seed: string): string {
  return `containerd://${shortId}${digest(seed).slice(0, 64 - shortId.length)}`;
}

const ZONE = "us-central1-a";

/**
 * When the demo cluster's objects were created: before every example alert's event (the oldest is
 * from 2019-03), as the alerts are about these pods. The actioners take a pod created after an
 * alert's event, when only its name identifies it, for one that took the name since.
 */
export const DEMO_SEED_CREATED_AT = "2019-01-01T00:00:00Z";

function node(name: string, pool: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: stableUid(`node/${name}`),
      labels: {
        "cloud.google.com/gke-nodepool": pool,
        "cloud.google.com/gke-os-distribution": "cos",
        "node.kubernetes.io/instance-type": "e2-standard-4",
        "topology.kubernetes.io/region": "us-central1",
        "topology.kubernetes.io/zone": ZONE,
      },
    },
    spec: { providerID: `gce://acme-prod/${ZONE}/${name}` },
  };
}

function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

interface ContainerSpec {
  name: string;
  image: string;
  /** The 12-hex prefix Falco alerts carry for this container. */
  shortId: string;
}

interface PodSpec {
  namespace: string;
  name: string;
  node: string;
  labels: Record<string, string>;
  containers: ContainerSpec[];
  uid?: string;
  owner?: OwnerReference;
  annotations?: Record<string, string>;
  extraSpec?: Record<string, unknown>;
}

function pod(p: PodSpec): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid ?? stableUid(`pod/${p.namespace}/${p.name}`),
      labels: p.labels,
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner ? { ownerReferences: [p.owner] } : {}),
    },
    spec: {
      nodeName: p.node,
      containers: p.containers.map((c) => ({ name: c.name, image: c.image })),
      ...(p.extraSpec ?? {}),
    },
    status: {
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        containerID: containerId(c.shortId, `${p.namespace}/${p.name}/${c.name}`),
      })),
    },
  };
}

function ownerRef(apiVersion: string, kind: string, namespace: string, name: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name,
    uid: stableUid(`${kind}/${namespace}/${name}`),
    controller: true,
    blockOwnerDeletion: true,
  };
}

function template(labels: Record<string, string>, containers: { name: string; image: string }[]) {
  return { metadata: { labels }, spec: { containers } };
}

/** A Deployment, its current ReplicaSet, and that ReplicaSet's pods (one per given pod). */
function deployment(
  namespaceName: string,
  name: string,
  hash: string,
  containers: { name: string; image: string }[],
  pods: { suffix: string; node: string; shortIds: string[]; uid?: string }[],
): KubeObject[] {
  const selector = { app: name };
  const podLabels = { app: name, "pod-template-hash": hash };
  const rsName = `${name}-${hash}`;
  const deploy: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: namespaceName,
      uid: stableUid(`Deployment/${namespaceName}/${name}`),
      labels: selector,
    },
    spec: {
      replicas: pods.length,
      selector: { matchLabels: selector },
      template: template(selector, containers),
    },
  };
  const rs: KubeObject = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: rsName,
      namespace: namespaceName,
      uid: stableUid(`ReplicaSet/${namespaceName}/${rsName}`),
      labels: podLabels,
      annotations: { "deployment.kubernetes.io/revision": "1" },
      ownerReferences: [ownerRef("apps/v1", "Deployment", namespaceName, name)],
    },
    spec: {
      replicas: pods.length,
      selector: { matchLabels: podLabels },
      template: template(podLabels, containers),
    },
  };
  return [
    deploy,
    rs,
    ...pods.map((p) =>
      pod({
        namespace: namespaceName,
        name: `${rsName}-${p.suffix}`,
        node: p.node,
        labels: podLabels,
        containers: containers.map((c, i) => ({ ...c, shortId: p.shortIds[i] ?? "" })),
        owner: ownerRef("apps/v1", "ReplicaSet", namespaceName, rsName),
        ...(p.uid ? { uid: p.uid } : {}),
      }),
    ),
  ];
}

// Node names are the samples' `hostname`s (the Falco chart sets hostname to the node name).
const NODE_7XKQ = "gke-prod-default-pool-3f1c2a9e-7xkq";
const NODE_9M2P = "gke-prod-default-pool-3f1c2a9e-9m2p";
const NODE_4HJK = "gke-prod-default-pool-3f1c2a9e-4hjk";
const NODE_BATCH = "gke-prod-batch-pool-8d2e1f4a-w3rt";
const NODE_DEV = "gke-dev-pool-1-aa11bb22-cc33";
const ALL_NODES = [NODE_7XKQ, NODE_9M2P, NODE_4HJK, NODE_BATCH, NODE_DEV];

/** Manifests for the demo cluster; apply them with `startSim({ seed: demoSeed() })`. */
export function demoSeed(): KubeObject[] {
  const objects: KubeObject[] = [
    namespace("shop"),
    namespace("payments"),
    namespace("jobs"),
    namespace("tools"),
    namespace("monitoring"),
    namespace("falco"),
    // Riposte's own namespace: capture-node's Jobs run here.
    namespace("riposte"),
    node(NODE_7XKQ, "default-pool"),
    node(NODE_9M2P, "default-pool"),
    node(NODE_4HJK, "default-pool"),
    node(NODE_BATCH, "batch-pool"),
    node(NODE_DEV, "pool-1"),
  ];

  // modern-terminal-shell.json: shop/web-7d9f8c6b5-abcde, container web 4b2f1a9c8d7e on 7xkq.
  objects.push(
    ...deployment(
      "shop",
      "web",
      "7d9f8c6b5",
      [{ name: "web", image: "docker.io/library/nginx:1.25" }],
      [
        { suffix: "abcde", node: NODE_7XKQ, shortIds: ["4b2f1a9c8d7e"] },
        { suffix: "x7k2p", node: NODE_9M2P, shortIds: ["5c3e2b1a0f9d"] },
      ],
    ),
  );
  // k8saudit-exec.json: exec into shop/frontend-6b8d9c7f5-p4k2m.
  objects.push(
    ...deployment(
      "shop",
      "frontend",
      "6b8d9c7f5",
      [{ name: "frontend", image: "us-docker.pkg.dev/acme/shop/frontend:3.2.0" }],
      [{ suffix: "p4k2m", node: NODE_4HJK, shortIds: ["7a6b5c4d3e2f"] }],
    ),
  );
  // modern-k8s-api-contact.json: payments/checkout-5c8d7f9b4-q2w3e with the sample's pod uid.
  objects.push(
    ...deployment(
      "payments",
      "checkout",
      "5c8d7f9b4",
      [{ name: "api", image: "us-docker.pkg.dev/acme/shop/checkout:2.4.1" }],
      [
        {
          suffix: "q2w3e",
          node: NODE_9M2P,
          shortIds: ["9c41d07be2aa"],
          uid: "2f9c6a1e-8b3d-4c7a-9e21-5d4f3b2a1c09",
        },
      ],
    ),
  );
  // sidekick-critical-drop-exec.json: jobs/batch-worker-6f7d8-zx9k2, container worker b7e2c9d1f0a3.
  objects.push(
    ...deployment(
      "jobs",
      "batch-worker",
      "6f7d8",
      [{ name: "worker", image: "us-docker.pkg.dev/acme/batch/worker:1.9.0" }],
      [{ suffix: "zx9k2", node: NODE_BATCH, shortIds: ["b7e2c9d1f0a3"] }],
    ),
  );

  // k8smeta-fields.json: tools/toolbox-0 (a StatefulSet pod), container debug e1d2c3b4a596 on 4hjk.
  const toolboxLabels = { app: "toolbox" };
  objects.push(
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: {
        name: "toolbox",
        namespace: "tools",
        uid: stableUid("StatefulSet/tools/toolbox"),
        labels: toolboxLabels,
      },
      spec: {
        replicas: 1,
        serviceName: "toolbox",
        selector: { matchLabels: toolboxLabels },
        template: template(toolboxLabels, [{ name: "debug", image: "docker.io/nicolaka/netshoot:v0.13" }]),
      },
    },
    pod({
      namespace: "tools",
      name: "toolbox-0",
      node: NODE_4HJK,
      uid: "b8f0e6a2-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
      labels: {
        ...toolboxLabels,
        "apps.kubernetes.io/pod-index": "0",
        "statefulset.kubernetes.io/pod-name": "toolbox-0",
      },
      containers: [{ name: "debug", image: "docker.io/nicolaka/netshoot:v0.13", shortId: "e1d2c3b4a596" }],
      owner: ownerRef("apps/v1", "StatefulSet", "tools", "toolbox"),
    }),
  );

  // informational.json: monitoring/node-exporter-8xk2l, a DaemonSet pod on 7xkq, container a1b2c3d4e5f6.
  const exporterLabels = { app: "node-exporter" };
  const exporterImage = "quay.io/prometheus/node-exporter:v1.8.2";
  objects.push({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: "node-exporter",
      namespace: "monitoring",
      uid: stableUid("DaemonSet/monitoring/node-exporter"),
      labels: exporterLabels,
    },
    spec: {
      selector: { matchLabels: exporterLabels },
      template: template(exporterLabels, [{ name: "node-exporter", image: exporterImage }]),
    },
  });
  // A DaemonSet runs on every node; the sample's pod is the one on 7xkq.
  const exporterPods: [string, string, string][] = ALL_NODES.map((nodeName, i) =>
    nodeName === NODE_7XKQ
      ? ["8xk2l", nodeName, "a1b2c3d4e5f6"]
      : [nameSuffix(`node-exporter/${nodeName}`), nodeName, `a2b3c4d5e6f${i}`],
  );
  for (const [suffix, nodeName, shortId] of exporterPods) {
    objects.push(
      pod({
        namespace: "monitoring",
        name: `node-exporter-${suffix}`,
        node: nodeName,
        labels: {
          ...exporterLabels,
          "controller-revision-hash": "6c9d8f7b5d",
          "pod-template-generation": "1",
        },
        containers: [{ name: "node-exporter", image: exporterImage, shortId }],
        owner: ownerRef("apps/v1", "DaemonSet", "monitoring", "node-exporter"),
        extraSpec: { hostNetwork: true, hostPID: true },
      }),
    );
  }

  // Falco itself: a DaemonSet pod per node, in the protected `falco` namespace.
  const falcoLabels = { "app.kubernetes.io/name": "falco", "app.kubernetes.io/instance": "falco" };
  objects.push({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: "falco",
      namespace: "falco",
      uid: stableUid("DaemonSet/falco/falco"),
      labels: falcoLabels,
    },
    spec: {
      selector: { matchLabels: falcoLabels },
      template: template(falcoLabels, [{ name: "falco", image: "docker.io/falcosecurity/falco:0.41.3" }]),
    },
  });
  ALL_NODES.forEach((nodeName, i) => {
    const name = `falco-${nameSuffix(`falco/${nodeName}`)}`;
    objects.push(
      pod({
        namespace: "falco",
        name,
        node: nodeName,
        labels: { ...falcoLabels, "controller-revision-hash": "7b9c4d6f5", "pod-template-generation": "1" },
        containers: [
          { name: "falco", image: "docker.io/falcosecurity/falco:0.41.3", shortId: `fa1c0${i}d4e5f6` },
        ],
        owner: ownerRef("apps/v1", "DaemonSet", "falco", "falco"),
      }),
    );
  });

  // 2019-terminal-shell-pod.json: a bare pod `nginx-falco` (namespace unknown to Falco → default).
  objects.push(
    pod({
      namespace: "default",
      name: "nginx-falco",
      node: NODE_7XKQ,
      labels: { run: "nginx-falco" },
      containers: [{ name: "nginx", image: "docker.io/library/nginx:1.15", shortId: "0042056722bb" }],
    }),
  );
  // na-fields.json: only container 3a4b5c6d7e8f and the dev node are known; the pod exists there.
  objects.push(
    ...deployment(
      "default",
      "reporting",
      "7f9d6c5b8",
      [{ name: "reporting", image: "us-docker.pkg.dev/acme/internal/reporting:0.8.4" }],
      [{ suffix: "k2j4n", node: NODE_DEV, shortIds: ["3a4b5c6d7e8f"] }],
    ),
  );

  // A static (mirror) pod in kube-system, owned by its node like the kubelet reports it.
  const mirrorHash = digest(`kube-proxy/${NODE_7XKQ}`).slice(0, 32);
  objects.push(
    pod({
      namespace: "kube-system",
      name: `kube-proxy-${NODE_7XKQ}`,
      node: NODE_7XKQ,
      labels: { component: "kube-proxy", tier: "node" },
      annotations: {
        "kubernetes.io/config.hash": mirrorHash,
        "kubernetes.io/config.mirror": mirrorHash,
        "kubernetes.io/config.seen": "2024-11-23T08:00:00.000000000Z",
        "kubernetes.io/config.source": "file",
      },
      containers: [
        {
          name: "kube-proxy",
          image: "gke.gcr.io/kube-proxy-amd64:v1.32.4-gke.1106000",
          shortId: "c0ffee5eed01",
        },
      ],
      owner: {
        apiVersion: "v1",
        kind: "Node",
        name: NODE_7XKQ,
        uid: stableUid(`node/${NODE_7XKQ}`),
        controller: true,
      },
      extraSpec: { hostNetwork: true, priorityClassName: "system-node-critical" },
    }),
  );

  return objects.map((object) => ({
    ...object,
    metadata: { creationTimestamp: DEMO_SEED_CREATED_AT, ...(object.metadata as JsonObject) },
  }));
}
