// Acceptance: @kubernetes/client-node 2 against the sim — the error codes and messages the
// actioners branch on, the patch formats they send, and optimistic concurrency.

import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  EventsV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kubeConfigFor } from "./kubeconfig.js";
import { type SimCluster, startSim } from "./sim.js";

const SEED = `
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {pool: default}}
---
apiVersion: v1
kind: Node
metadata: {name: node-b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web, tier: front}}
spec:
  nodeName: node-a
  containers: [{name: web, image: nginx:1.25}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db, tier: back}}
spec:
  nodeName: node-b
  containers: [{name: db, image: postgres:16}]
---
apiVersion: v1
kind: Pod
metadata: {name: cache, namespace: shop, labels: {app: cache, tier: back}}
spec:
  nodeName: node-a
  containers: [{name: cache, image: redis:7}]
`;

/** The Status body of a failed client-node call (client-node keeps the raw response text). */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      // client-node drops the body of 401s (its generated code passes `undefined`).
      const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body ?? {});
      return { code: error.code, status: JSON.parse(body) as Record<string, unknown> };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("@kubernetes/client-node against the sim", () => {
  let sim: SimCluster;
  let core: CoreV1Api;

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED] });
    core = kubeConfigFor(sim).makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => {
    sim.reset();
  });

  it("404s a missing pod with the API server's message", async () => {
    const { code, status } = await failure(core.readNamespacedPod({ name: "nope", namespace: "shop" }));
    expect(code).toBe(404);
    expect(status).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      message: 'pods "nope" not found',
      details: { name: "nope", kind: "pods" },
      code: 404,
    });
  });

  it("409s a delete whose uid precondition names another pod, and keeps the pod", async () => {
    const pod = await core.readNamespacedPod({ name: "web", namespace: "shop" });
    const { code, status } = await failure(
      core.deleteNamespacedPod({
        name: "web",
        namespace: "shop",
        body: { preconditions: { uid: "00000000-0000-4000-8000-000000000000" } },
      }),
    );
    expect(code).toBe(409);
    expect(status.reason).toBe("Conflict");
    expect(status.message).toBe(
      `Operation cannot be fulfilled on pods "web": StorageError: invalid object, Code: 4, Key: /registry/pods/shop/web, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000, UID in object meta: ${pod.metadata?.uid}`,
    );
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web" })).toBeDefined();
  });

  it("deletes with a matching uid precondition, returning the pod with deletionTimestamp", async () => {
    const pod = await core.readNamespacedPod({ name: "web", namespace: "shop" });
    const deleted = await core.deleteNamespacedPod({
      name: "web",
      namespace: "shop",
      body: { preconditions: { uid: pod.metadata?.uid ?? "" }, gracePeriodSeconds: 5 },
    });
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(5);
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const { code } = await failure(core.readNamespacedPod({ name: "web", namespace: "shop" }));
    expect(code).toBe(404);
  });

  it("409s a delete with a stale resourceVersion precondition", async () => {
    const { code, status } = await failure(
      core.deleteNamespacedPod({
        name: "web",
        namespace: "shop",
        body: { preconditions: { resourceVersion: "1" } },
      }),
    );
    expect(code).toBe(409);
    expect(String(status.message)).toContain("Precondition failed: ResourceVersion in precondition: 1");
  });

  it("409s a PUT with a stale resourceVersion", async () => {
    const pod = await core.readNamespacedPod({ name: "web", namespace: "shop" });
    const fresh = structuredClone(pod);
    fresh.metadata = { ...fresh.metadata, labels: { ...fresh.metadata?.labels, first: "yes" } };
    const updated = await core.replaceNamespacedPod({ name: "web", namespace: "shop", body: fresh });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(pod.metadata?.resourceVersion));
    pod.metadata = { ...pod.metadata, labels: { second: "yes" } };
    const { code, status } = await failure(
      core.replaceNamespacedPod({ name: "web", namespace: "shop", body: pod }),
    );
    expect(code).toBe(409);
    expect(status.message).toBe(
      'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it("answers a failed json-patch test op with 422 Invalid, like kube-apiserver", async () => {
    // patch.go: jsonPatcher.applyJSPatch → errors.NewGenericServerResponse(422, …) (see status.ts).
    const { code, status } = await failure(
      core.patchNamespacedPod(
        {
          name: "web",
          namespace: "shop",
          body: [
            { op: "test", path: "/metadata/uid", value: "someone-else" },
            { op: "add", path: "/metadata/labels/riposte.dev~1isolated", value: "true" },
          ],
        },
        setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
      ),
    );
    expect(code).toBe(422);
    expect(status).toMatchObject({
      reason: "Invalid",
      message: "the server rejected our request due to an error in our request",
    });
    const labels = sim.get({ kind: "Pod", namespace: "shop", name: "web" })?.metadata as { labels: object };
    expect(labels.labels).not.toHaveProperty("riposte.dev/isolated");
  });

  it("applies a json patch whose test op passes", async () => {
    const pod = await core.readNamespacedPod({ name: "web", namespace: "shop" });
    const patched = await core.patchNamespacedPod(
      {
        name: "web",
        namespace: "shop",
        body: [
          { op: "test", path: "/metadata/uid", value: pod.metadata?.uid },
          { op: "add", path: "/metadata/labels/riposte.dev~1isolated", value: "true" },
        ],
      },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(patched.metadata?.labels).toEqual({ app: "web", tier: "front", "riposte.dev/isolated": "true" });
  });

  it("merges labels and annotations with strategic merge and merge patches; null deletes", async () => {
    await core.patchNamespacedPod(
      {
        name: "web",
        namespace: "shop",
        body: { metadata: { labels: { quarantine: "true" }, annotations: { why: "x" } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const merged = await core.patchNamespacedPod(
      { name: "web", namespace: "shop", body: { metadata: { labels: { tier: null } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ app: "web", quarantine: "true" });
    expect(merged.metadata?.annotations).toEqual({ why: "x" });
  });

  it("replaces the taint list whole on a strategic merge patch (Taint has no merge key)", async () => {
    const first = [{ key: "a", value: "1", effect: "NoSchedule" }];
    await core.patchNode(
      { name: "node-a", body: { spec: { taints: first } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const node = await core.patchNode(
      {
        name: "node-a",
        body: {
          spec: {
            taints: [{ key: "riposte.dev/compromised", value: "true", effect: "NoExecute" }, ...first],
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    expect(node.spec?.taints?.map((t) => t.key)).toEqual(["riposte.dev/compromised", "a"]);
    expect(node.metadata?.labels?.pool).toBe("default");
  });

  it("409s a patch that carries a stale resourceVersion (taint guard)", async () => {
    const node = await core.readNode({ name: "node-a" });
    await core.patchNode(
      { name: "node-a", body: { metadata: { labels: { touched: "yes" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const { code } = await failure(
      core.patchNode(
        {
          name: "node-a",
          body: {
            metadata: { resourceVersion: node.metadata?.resourceVersion },
            spec: { taints: [{ key: "k", effect: "NoSchedule" }] },
          },
        },
        setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(code).toBe(409);
  });

  it("422s an unsupported taint effect with the field path", async () => {
    const { code, status } = await failure(
      core.patchNode(
        { name: "node-a", body: { spec: { taints: [{ key: "k", effect: "Bogus" }] } } },
        setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(code).toBe(422);
    expect(status.message).toBe(
      'Node "node-a" is invalid: spec.taints[0].effect: Unsupported value: "Bogus": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
  });

  it("creates with generateName, uid, resourceVersion and creationTimestamp", async () => {
    const pod = await core.createNamespacedPod({
      namespace: "shop",
      body: { metadata: { generateName: "job-" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    });
    expect(pod.metadata?.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pod.metadata?.uid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Number(pod.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(pod.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(pod.status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
  });

  it("409s a duplicate create with AlreadyExists wording", async () => {
    const { code, status } = await failure(
      core.createNamespacedPod({
        namespace: "shop",
        body: { metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      }),
    );
    expect(code).toBe(409);
    expect(status).toMatchObject({ reason: "AlreadyExists", message: 'pods "web" already exists' });
  });

  it("422s names that are not DNS-1123 and missing required fields", async () => {
    const { code, status } = await failure(
      core.createNamespacedPod({
        namespace: "shop",
        body: { metadata: { name: "Bad_Name" }, spec: { containers: [{ name: "c", image: "" }] } },
      }),
    );
    expect(code).toBe(422);
    expect(status.reason).toBe("Invalid");
    expect(status.message).toBe(
      `Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.containers[0].image: Required value]`,
    );
    const ns = await failure(core.createNamespace({ body: { metadata: { name: "has.dot" } } }));
    expect(ns.code).toBe(422);
  });

  it("404s a create in a namespace that does not exist", async () => {
    const { code, status } = await failure(
      core.createNamespacedPod({
        namespace: "ghost",
        body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      }),
    );
    expect(code).toBe(404);
    expect(status.message).toBe('namespaces "ghost" not found');
  });

  it("lists with field selectors (spec.nodeName, status.phase) and set-based label selectors", async () => {
    const onA = await core.listPodForAllNamespaces({ fieldSelector: "spec.nodeName=node-a" });
    expect(onA.items.map((p) => p.metadata?.name)).toEqual(["cache", "web"]);
    const running = await core.listNamespacedPod({
      namespace: "shop",
      fieldSelector: "status.phase=Running,metadata.name!=db",
    });
    expect(running.items.map((p) => p.metadata?.name)).toEqual(["cache", "web"]);
    const back = await core.listNamespacedPod({
      namespace: "shop",
      labelSelector: "tier in (back),app notin (db)",
    });
    expect(back.items.map((p) => p.metadata?.name)).toEqual(["cache"]);
    const { code, status } = await failure(
      core.listNamespacedPod({ namespace: "shop", fieldSelector: "spec.foo=bar" }),
    );
    expect([code, status.message]).toEqual([400, "field label not supported: spec.foo"]);
  });

  it("pages lists with limit and continue", async () => {
    const first = await core.listNamespacedPod({ namespace: "shop", limit: 2 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(["cache", "db"]);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const second = await core.listNamespacedPod({
      namespace: "shop",
      limit: 2,
      _continue: first.metadata?._continue ?? "",
    });
    expect(second.items.map((p) => p.metadata?.name)).toEqual(["web"]);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it("records core/v1 and events.k8s.io/v1 events in one store", async () => {
    await core.createNamespacedEvent({
      namespace: "shop",
      body: {
        metadata: { name: "web.riposte.1" },
        involvedObject: { kind: "Pod", namespace: "shop", name: "web" },
        reason: "RiposteIsolated",
        message: "isolated by Riposte",
        type: "Warning",
        source: { component: "riposte-isolator" },
      },
    });
    const events = kubeConfigFor(sim).makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: "shop",
      body: {
        metadata: { name: "web.riposte.2" },
        eventTime: new Date(),
        regarding: { kind: "Pod", namespace: "shop", name: "web" },
        reason: "RiposteKilled",
        note: "deleted by Riposte",
        type: "Warning",
        action: "Delete",
        reportingController: "riposte.dev/pod-killer",
        reportingInstance: "pod-killer-1",
      },
    });
    const coreList = await core.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: "involvedObject.name=web",
    });
    expect(coreList.items.map((e) => [e.reason, e.message])).toEqual([
      ["RiposteIsolated", "isolated by Riposte"],
      ["RiposteKilled", "deleted by Riposte"],
    ]);
    const newList = await events.listNamespacedEvent({ namespace: "shop" });
    expect(newList.items.map((e) => e.note)).toEqual(["isolated by Riposte", "deleted by Riposte"]);
    expect(newList.items[1]?.reportingController).toBe("riposte.dev/pod-killer");
  });

  it("creates a NetworkPolicy and deletes a Deployment's pods through owner references", async () => {
    const net = kubeConfigFor(sim).makeApiClient(NetworkingV1Api);
    const policy = await net.createNamespacedNetworkPolicy({
      namespace: "shop",
      body: {
        metadata: { name: "riposte-isolate" },
        spec: {
          podSelector: { matchLabels: { "riposte.dev/isolated": "true" } },
          policyTypes: ["Ingress", "Egress"],
        },
      },
    });
    expect(policy.metadata?.generation).toBe(1);
    const apps = kubeConfigFor(sim).makeApiClient(AppsV1Api);
    const deploy = await apps.createNamespacedDeployment({
      namespace: "shop",
      body: {
        metadata: { name: "api" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "api" } },
          template: {
            metadata: { labels: { app: "api" } },
            spec: { containers: [{ name: "api", image: "api:1" }] },
          },
        },
      },
    });
    expect(deploy.status?.readyReplicas).toBe(1);
    await core.createNamespacedPod({
      namespace: "shop",
      body: {
        metadata: {
          name: "api-1",
          ownerReferences: [
            { apiVersion: "apps/v1", kind: "Deployment", name: "api", uid: deploy.metadata?.uid ?? "" },
          ],
        },
        spec: { containers: [{ name: "api", image: "api:1" }] },
      },
    });
    await apps.deleteNamespacedDeployment({ name: "api", namespace: "shop" });
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "api-1" })).toBeUndefined();
  });
});

describe("@kubernetes/client-node with RBAC", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSim({
      seed: [SEED],
      tokens: { "killer-token": "system:serviceaccount:riposte:pod-killer" },
      rbac: [
        `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: riposte-pod-killer}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
- {apiGroups: [""], resources: [pods], verbs: [delete], resourceNames: [db]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: riposte-pod-killer, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: riposte-pod-killer}
subjects: [{kind: ServiceAccount, name: pod-killer, namespace: riposte}]
`,
      ],
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("403s what the service account's role does not grant, with the real message", async () => {
    const core = kubeConfigFor(sim, { token: "killer-token" }).makeApiClient(CoreV1Api);
    const { code, status } = await failure(core.deleteNamespacedPod({ name: "web", namespace: "shop" }));
    expect(code).toBe(403);
    expect(status).toMatchObject({
      reason: "Forbidden",
      message:
        'pods "web" is forbidden: User "system:serviceaccount:riposte:pod-killer" cannot delete resource "pods" in API group "" in the namespace "shop"',
      details: { name: "web", kind: "pods" },
    });
    const other = await failure(core.listNamespacedPod({ namespace: "kube-system" }));
    expect(other.code).toBe(403);
    const nodes = await failure(
      core.patchNode(
        { name: "node-a", body: {} },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
    expect(nodes.status.message).toBe(
      'nodes "node-a" is forbidden: User "system:serviceaccount:riposte:pod-killer" cannot patch resource "nodes" in API group "" at the cluster scope',
    );
  });

  it("allows what it grants, including resourceNames", async () => {
    const core = kubeConfigFor(sim, { token: "killer-token" }).makeApiClient(CoreV1Api);
    expect((await core.listNamespacedPod({ namespace: "shop" })).items).toHaveLength(3);
    await core.deleteNamespacedPod({ name: "db", namespace: "shop" });
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "db" })).toBeUndefined();
  });

  it("401s requests without a token once RBAC is configured", async () => {
    const core = kubeConfigFor(sim).makeApiClient(CoreV1Api);
    const { code } = await failure(core.listNamespacedPod({ namespace: "shop" }));
    expect(code).toBe(401);
    expect(sim.requests.at(-1)?.status).toBe(401);
  });
});
