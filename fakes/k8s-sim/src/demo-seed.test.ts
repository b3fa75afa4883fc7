// The demo cluster matches the Falco alerts in the repository's examples/: every alert that names
// a node and a container resolves to a pod there (by spec.nodeName + containerID prefix), with the
// alert's namespace, pod name and pod uid where it gives them.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SEED_CREATED_AT, demoSeed } from "./demo-seed.js";
import { getArray, getString, isObject, type KubeObject } from "./json.js";
import { type SimCluster, startSim } from "./sim.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "..", "examples");

interface AlertTarget {
  file: string;
  node?: string;
  containerId?: string;
  namespace?: string;
  pod?: string;
  podUid?: string;
}

function field(fields: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = fields[key];
    if (typeof value === "string" && value !== "" && value !== "<NA>") return value;
  }
  return undefined;
}

function targets(): AlertTarget[] {
  return readdirSync(EXAMPLES)
    .filter((file) => file.endsWith(".json"))
    .map((file) => {
      const alert = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")) as Record<string, unknown>;
      const fields = isObject(alert.output_fields) ? alert.output_fields : {};
      const auditedPod = fields["ka.target.resource"] === "pods";
      const target: AlertTarget = { file };
      const set = (key: keyof Omit<AlertTarget, "file">, value: string | undefined) => {
        if (value !== undefined) target[key] = value;
      };
      if (alert.source !== "k8s_audit")
        set("node", typeof alert.hostname === "string" ? alert.hostname : undefined);
      const containerId = field(fields, "container.id");
      set("containerId", containerId === "host" ? undefined : containerId);
      set(
        "namespace",
        field(fields, "k8s.ns.name", "k8smeta.ns.name") ??
          (auditedPod ? field(fields, "ka.target.namespace") : undefined),
      );
      set(
        "pod",
        field(fields, "k8s.pod.name", "k8smeta.pod.name") ??
          (auditedPod ? field(fields, "ka.target.name") : undefined),
      );
      set("podUid", field(fields, "k8s.pod.uid", "k8s.pod.id", "k8smeta.pod.uid"));
      return target;
    });
}

function containerIds(pod: KubeObject): string[] {
  return getArray(pod, ["status", "containerStatuses"]).map((s) => getString(s, ["containerID"]) ?? "");
}

describe("demoSeed", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSim({ seed: demoSeed() });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("finds the examples", () => {
    expect(targets().length).toBeGreaterThanOrEqual(10);
  });

  it.each(targets().map((t) => [t.file, t] as const))("resolves the target of %s", (_file, target) => {
    if (target.node)
      expect(sim.get({ kind: "Node", name: target.node }), `node ${target.node}`).toBeDefined();
    let pod: KubeObject | undefined;
    if (target.node && target.containerId) {
      const onNode = sim.list({ kind: "Pod", fieldSelector: `spec.nodeName=${target.node}` });
      const matches = onNode.filter((p) =>
        containerIds(p).some((id) => id.startsWith(`containerd://${target.containerId}`)),
      );
      expect(matches, `pods on ${target.node} with container ${target.containerId}`).toHaveLength(1);
      pod = matches[0];
    } else if (target.pod) {
      pod = sim.get({ kind: "Pod", namespace: target.namespace ?? "default", name: target.pod });
      expect(pod, `pod ${target.namespace ?? "default"}/${target.pod}`).toBeDefined();
    }
    if (pod === undefined) return;
    if (target.pod) expect(getString(pod, ["metadata", "name"])).toBe(target.pod);
    if (target.namespace) expect(getString(pod, ["metadata", "namespace"])).toBe(target.namespace);
    if (target.podUid) expect(getString(pod, ["metadata", "uid"])).toBe(target.podUid);
    if (target.containerId) {
      expect(containerIds(pod).some((id) => id.startsWith(`containerd://${target.containerId}`))).toBe(true);
    }
  });

  it("creates every pod before every example's event (an alert is about a pod that existed then)", () => {
    const times = readdirSync(EXAMPLES)
      .filter((file) => file.endsWith(".json"))
      .map((file) => Date.parse(String(JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")).time)));
    expect(times.every(Number.isFinite)).toBe(true);
    const created = sim.list({ kind: "Pod" }).map((p) => getString(p, ["metadata", "creationTimestamp"]));
    expect(new Set(created)).toEqual(new Set([DEMO_SEED_CREATED_AT]));
    expect(Date.parse(DEMO_SEED_CREATED_AT)).toBeLessThan(Math.min(...times));
  });

  it("gives every container a unique containerd ID of 64 hex", () => {
    const ids = sim.list({ kind: "Pod" }).flatMap(containerIds);
    expect(ids.length).toBeGreaterThan(15);
    for (const id of ids) expect(id).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has owners for pods: Deployment → ReplicaSet → Pod, DaemonSet and StatefulSet pods, a mirror pod", () => {
    const web = sim.get({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
    const [rsRef] = getArray(web, ["metadata", "ownerReferences"]);
    expect(rsRef).toMatchObject({ kind: "ReplicaSet", name: "web-7d9f8c6b5", controller: true });
    const rs = sim.get({ kind: "ReplicaSet", namespace: "shop", name: "web-7d9f8c6b5" });
    expect(getString(rs, ["metadata", "uid"])).toBe(getString(rsRef, ["uid"]));
    const [deployRef] = getArray(rs, ["metadata", "ownerReferences"]);
    expect(
      getString(sim.get({ kind: "Deployment", namespace: "shop", name: "web" }), ["metadata", "uid"]),
    ).toBe(getString(deployRef, ["uid"]));
    const exporter = sim.get({ kind: "Pod", namespace: "monitoring", name: "node-exporter-8xk2l" });
    expect(getArray(exporter, ["metadata", "ownerReferences"])[0]).toMatchObject({ kind: "DaemonSet" });
    const toolbox = sim.get({ kind: "Pod", namespace: "tools", name: "toolbox-0" });
    expect(getArray(toolbox, ["metadata", "ownerReferences"])[0]).toMatchObject({ kind: "StatefulSet" });
    const mirror = sim.list({ kind: "Pod", namespace: "kube-system" });
    expect(
      mirror.filter((p) => getString(p, ["metadata", "annotations", "kubernetes.io/config.mirror"])),
    ).toHaveLength(1);
    const falco = sim.list({ kind: "Pod", namespace: "falco" });
    expect(falco).toHaveLength(sim.list({ kind: "Node" }).length);
  });
});
