// The library handle: seeding with apply, reading with get/list, remove, RBAC loading, tokens, reset.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getString, type KubeObject } from "./json.js";
import { type SimCluster, startSim, UnknownResourceError } from "./sim.js";
import { KubeApiError } from "./status.js";

const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "shop", labels: { app: name } },
  spec: { containers: [{ name: "c", image: "nginx" }] },
  ...extra,
});

describe("SimCluster", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSim({ now: () => new Date("2024-11-23T10:00:00Z") });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("starts with the namespaces of a fresh cluster and the bootstrap cluster-admin policy", () => {
    expect(sim.list({ kind: "Namespace" }).map((ns) => getString(ns, ["metadata", "name"]))).toEqual([
      "default",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
    expect(sim.get({ resource: "clusterrolebindings", name: "cluster-admin" })).toMatchObject({
      subjects: [{ kind: "Group", name: "system:masters" }],
    });
  });

  it("applies: creates missing namespaces, keeps a given uid and status, replaces in place", () => {
    const [created] = sim.apply(
      pod("web", {
        metadata: { name: "web", namespace: "shop", uid: "11111111-2222-4333-8444-555555555555" },
        status: { containerStatuses: [{ name: "c", containerID: `containerd://${"ab".repeat(32)}` }] },
      }),
    );
    expect(getString(created, ["metadata", "creationTimestamp"])).toBe("2024-11-23T10:00:00Z");
    expect(sim.get({ kind: "Namespace", name: "shop" })).toBeDefined();
    const stored = sim.get({ kind: "Pod", namespace: "shop", name: "web" });
    expect(stored).toMatchObject({
      metadata: { uid: "11111111-2222-4333-8444-555555555555" },
      status: { phase: "Pending", containerStatuses: [{ containerID: `containerd://${"ab".repeat(32)}` }] },
    });
    const [replaced] = sim.apply(
      pod("web", { metadata: { name: "web", namespace: "shop", labels: { v: "2" } } }),
    );
    expect(getString(replaced, ["metadata", "uid"])).toBe("11111111-2222-4333-8444-555555555555");
    expect(Number(getString(replaced, ["metadata", "resourceVersion"]))).toBeGreaterThan(
      Number(getString(stored, ["metadata", "resourceVersion"])),
    );
    expect(sim.get({ resource: "pods", namespace: "shop", name: "web" })?.metadata).toMatchObject({
      labels: { v: "2" },
    });
  });

  it("a node created without a spec has `spec: {}`, as kube-apiserver returns it (so `add /spec/taints` works)", async () => {
    sim.apply({ apiVersion: "v1", kind: "Node", metadata: { name: "bare-node" } });
    expect(sim.get({ kind: "Node", name: "bare-node" })).toMatchObject({ spec: {} });
    const response = await fetch(`${sim.url}/api/v1/nodes/bare-node`, {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: JSON.stringify([
        { op: "add", path: "/spec/taints", value: [{ key: "k", effect: "NoSchedule" }] },
      ]),
    });
    expect(response.status).toBe(200);
    expect(sim.get({ kind: "Node", name: "bare-node" })).toMatchObject({ spec: { taints: [{ key: "k" }] } });
  });

  it("returns copies: changing them does not change the cluster", () => {
    const copy = sim.get({ kind: "Pod", namespace: "shop", name: "web" }) as { metadata: { labels: object } };
    copy.metadata.labels = { hacked: "yes" };
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web" })?.metadata).toMatchObject({
      labels: { v: "2" },
    });
  });

  it("lists with selectors and removes like the API", () => {
    sim.apply([pod("a"), pod("b")]);
    expect(sim.list({ resource: "po", namespace: "shop", labelSelector: "app in (a,b)" })).toHaveLength(2);
    expect(sim.remove({ kind: "Pod", namespace: "shop", name: "a" })).toBe(true);
    expect(sim.remove({ kind: "Pod", namespace: "shop", name: "a" })).toBe(false);
    expect(sim.list({ kind: "Pod", namespace: "shop", fieldSelector: "metadata.name=a" })).toEqual([]);
  });

  it("restarts a container as the kubelet reports it: new id, the previous one in lastState", () => {
    sim.apply({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    sim.apply(pod("restarts", { spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] } }));
    const before = sim.get({ kind: "Pod", namespace: "shop", name: "restarts" }) as {
      status: { containerStatuses: { containerID: string }[] };
    };
    const first = before.status.containerStatuses[0]?.containerID;
    expect(sim.restartContainer({ namespace: "shop", name: "restarts" })).toBe(first);
    const after = sim.get({ kind: "Pod", namespace: "shop", name: "restarts" }) as typeof before;
    expect(after).toMatchObject({
      status: {
        containerStatuses: [
          {
            name: "c",
            restartCount: 1,
            containerID: expect.stringMatching(/^containerd:\/\/[0-9a-f]{64}$/),
            lastState: { terminated: { containerID: first, exitCode: 137 } },
          },
        ],
      },
    });
    expect(after.status.containerStatuses[0]?.containerID).not.toBe(first);
    expect(() => sim.restartContainer({ namespace: "shop", name: "restarts", container: "nope" })).toThrow(
      /no container nope in pod shop\/restarts/,
    );
  });

  it("names what it cannot do", () => {
    expect(() => sim.get({ kind: "CronJob", name: "x" })).toThrow(UnknownResourceError);
    expect(() => sim.apply({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "j" } })).toThrow(
      'no matches for kind "CronJob" in version "batch/v1"',
    );
    expect(() => sim.apply(pod("Bad_Name"))).toThrow(KubeApiError);
    expect(() => sim.loadRbac("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")).toThrow(
      /only rbac.authorization.k8s.io/,
    );
    expect(() => sim.apply("kind: [unclosed")).toThrow(/YAML document 1 cannot be parsed/);
  });

  it("grants what loaded RBAC allows to token users", async () => {
    sim.addToken("ops-token", "ops@example.com", ["ops"]);
    const denied = await fetch(`${sim.url}/api/v1/nodes`, { headers: { authorization: "Bearer ops-token" } });
    expect(denied.status).toBe(403);
    sim.loadRbac(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: ops}]
`);
    const allowed = await fetch(`${sim.url}/api/v1/nodes`, {
      headers: { authorization: "Bearer ops-token" },
    });
    expect(allowed.status).toBe(200);
  });

  it("resets to the state after start", () => {
    sim.reset();
    expect(sim.get({ kind: "Namespace", name: "shop" })).toBeUndefined();
    expect(sim.get({ kind: "ClusterRoleBinding", name: "ops-admin" })).toBeUndefined();
  });
});
