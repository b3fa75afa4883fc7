// Acceptance: the real kubectl drives the sim (create -f, get, label, annotate, taint, delete,
// NetworkPolicy, Forbidden over HTTPS with a token). Skipped loudly where kubectl is absent.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getArray, getString } from "./json.js";
import {
  httpsKubectlRunner,
  KUBECTL,
  type Kubectl,
  kubectlRunner,
  warnIfNoKubectl,
} from "./kubectl-runner.js";
import { type SimCluster, startSim } from "./sim.js";

warnIfNoKubectl("acceptance");

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: v1
kind: Node
metadata:
  name: n9
  labels: {pool: blue}
---
apiVersion: v1
kind: Node
metadata:
  name: n8
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: team
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: team, labels: {app: api}}
spec:
  nodeName: n9
  containers: [{name: api, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: team, labels: {app: api}}
spec:
  nodeName: n9
  containers: [{name: api, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata: {name: p3, namespace: team, labels: {app: api}}
spec:
  nodeName: n8
  containers: [{name: api, image: "nginx:1.27"}]
`;

const NETWORK_POLICY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: riposte-isolate, namespace: team}
spec:
  podSelector: {matchLabels: {riposte.dev/isolated: "true"}}
  policyTypes: [Ingress, Egress]
`;

describe.skipIf(!KUBECTL)("kubectl against the sim (plain HTTP, anonymous full access)", () => {
  let sim: SimCluster;
  let kubectl: Kubectl;
  let dir: string;

  beforeAll(async () => {
    sim = await startSim();
    kubectl = kubectlRunner(sim.url);
    dir = mkdtempSync(join(tmpdir(), "k8s-sim-manifests-"));
    writeFileSync(join(dir, "all.yaml"), MANIFESTS);
    writeFileSync(join(dir, "netpol.yaml"), NETWORK_POLICY);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("creates a namespace, nodes, a deployment and pods with create -f (default validation)", async () => {
    const result = await kubectl(["create", "-f", join(dir, "all.yaml")]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      "namespace/team created",
      "node/n9 created",
      "node/n8 created",
      "deployment.apps/api created",
      "pod/p1 created",
      "pod/p2 created",
      "pod/p3 created",
    ]);
    // Default validation fetched the minimal OpenAPI v3 and told the server to validate.
    expect(sim.requests.some((r) => r.path === "/openapi/v3/api/v1")).toBe(true);
    expect(
      sim.requests.find((r) => r.verb === "create" && r.resource === "pods")?.query.fieldValidation,
    ).toBe("Strict");
  });

  it("lists pods in all namespaces as JSON with realistic status", async () => {
    const result = await kubectl(["get", "pods", "-A", "-o", "json"]);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { kind: string; items: unknown[] };
    expect(list.kind).toBe("List");
    const p1 = list.items.find((item) => getString(item, ["metadata", "name"]) === "p1");
    expect(getString(p1, ["metadata", "namespace"])).toBe("team");
    expect(getString(p1, ["spec", "nodeName"])).toBe("n9");
    expect(getString(p1, ["status", "phase"])).toBe("Running");
    const [status] = getArray(p1, ["status", "containerStatuses"]);
    expect(getString(status, ["containerID"])).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
  });

  it("filters by spec.nodeName on the server and prints the pod table", async () => {
    const result = await kubectl(["get", "pods", "-A", "--field-selector", "spec.nodeName=n9"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 5))).toEqual([
      ["team", "p1", "1/1", "Running", "0"],
      ["team", "p2", "1/1", "Running", "0"],
    ]);
  });

  it("labels and annotates a pod", async () => {
    const label = await kubectl(["label", "pod", "p1", "-n", "team", "riposte.dev/isolated=true"]);
    expect(label.stdout.trim()).toBe("pod/p1 labeled");
    const again = await kubectl(["label", "pod", "p1", "-n", "team", "riposte.dev/isolated=true"]);
    expect(again.stdout.trim()).toBe("pod/p1 not labeled");
    const annotate = await kubectl(["annotate", "pod", "p1", "-n", "team", "riposte.dev/incident=abc123"]);
    expect(annotate.stdout.trim()).toBe("pod/p1 annotated");
    const p1 = sim.get({ kind: "Pod", namespace: "team", name: "p1" });
    expect(getString(p1, ["metadata", "labels", "riposte.dev/isolated"])).toBe("true");
    expect(getString(p1, ["metadata", "labels", "app"])).toBe("api");
    expect(getString(p1, ["metadata", "annotations", "riposte.dev/incident"])).toBe("abc123");
  });

  it("appends taints, then removes one with key-", async () => {
    const first = await kubectl(["taint", "node", "n9", "riposte.dev/compromised=true:NoSchedule"]);
    expect(first.stdout.trim()).toBe("node/n9 tainted");
    const second = await kubectl(["taint", "node", "n9", "dedicated=infra:NoExecute"]);
    expect(second.stdout.trim()).toBe("node/n9 tainted");
    expect(getArray(sim.get({ kind: "Node", name: "n9" }), ["spec", "taints"])).toEqual([
      { effect: "NoExecute", key: "dedicated", value: "infra" },
      { effect: "NoSchedule", key: "riposte.dev/compromised", value: "true" },
    ]);
    const table = await kubectl(["get", "node", "n9", "-o", "jsonpath={.spec.taints[*].key}"]);
    expect(table.stdout).toBe("dedicated riposte.dev/compromised");
    const removed = await kubectl(["taint", "node", "n9", "riposte.dev/compromised-"]);
    expect(removed.stdout.trim()).toBe("node/n9 untainted");
    expect(getArray(sim.get({ kind: "Node", name: "n9" }), ["spec", "taints"])).toEqual([
      { effect: "NoExecute", key: "dedicated", value: "infra" },
    ]);
    const duplicate = await kubectl(["taint", "node", "n9", "dedicated=infra:NoExecute"]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("already has dedicated taint(s) with same effect(s)");
  });

  it("cordons a node and shows SchedulingDisabled", async () => {
    expect((await kubectl(["cordon", "n8"])).stdout.trim()).toBe("node/n8 cordoned");
    const nodes = await kubectl(["get", "nodes"]);
    expect(nodes.stdout).toMatch(/^n8\s+Ready,SchedulingDisabled\s+<none>\s+\d+s\s+v1\.32\.4/m);
  });

  it("deletes a pod; a second delete reports NotFound", async () => {
    const result = await kubectl(["delete", "pod", "p2", "-n", "team"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('pod "p2" deleted');
    expect(sim.get({ kind: "Pod", namespace: "team", name: "p2" })).toBeUndefined();
    const again = await kubectl(["delete", "pod", "p2", "-n", "team"]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('Error from server (NotFound): pods "p2" not found');
  });

  it("shows a NetworkPolicy after creating it", async () => {
    const before = await kubectl(["get", "networkpolicy", "-n", "team"]);
    expect(before.stderr.trim()).toBe("No resources found in team namespace.");
    const created = await kubectl(["apply", "-f", join(dir, "netpol.yaml")]);
    expect(created.stdout.trim()).toBe("networkpolicy.networking.k8s.io/riposte-isolate created");
    const result = await kubectl(["get", "networkpolicy", "-n", "team"]);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+POD-SELECTOR\s+AGE$/);
    expect(lines[1]).toMatch(/^riposte-isolate\s+riposte\.dev\/isolated=true\s+\d+s$/);
  });

  it("reports AlreadyExists and Invalid like the API server", async () => {
    const again = await kubectl(["create", "-f", join(dir, "netpol.yaml")]);
    expect(again.stderr.trim()).toBe(
      `Error from server (AlreadyExists): error when creating "${join(dir, "netpol.yaml")}": networkpolicies.networking.k8s.io "riposte-isolate" already exists`,
    );
    const bad = await kubectl(["label", "pod", "p1", "-n", "team", "Bad_Key!=x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The Pod "p1" is invalid: metadata.labels: Invalid value: "Bad_Key!"');
  });
});

describe.skipIf(!KUBECTL)("kubectl with a bearer token over HTTPS (RBAC)", () => {
  let sim: SimCluster;
  let kubectl: Kubectl;

  beforeAll(async () => {
    sim = await startSim({
      https: true,
      tokens: { "alice-token": "alice" },
      rbac: [
        `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads-pods, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
`,
      ],
      seed: [
        `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: web, image: nginx}]}
`,
      ],
    });
    kubectl = httpsKubectlRunner(sim.url, sim.caCert ?? "");
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("allows what the Role grants", async () => {
    const result = await kubectl(["--token", "alice-token", "get", "pods", "-n", "shop", "-o", "name"]);
    expect(result.stdout.trim()).toBe("pod/web");
    expect(sim.requests.some((r) => r.user === "alice" && r.verb === "list")).toBe(true);
  });

  it("prints the API server's Forbidden message for what it does not grant", async () => {
    const result = await kubectl(["--token", "alice-token", "delete", "pod", "web", "-n", "shop"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "shop"',
    );
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web" })).toBeDefined();
  });

  it("answers kubectl auth can-i (protobuf SelfSubjectAccessReview)", async () => {
    const yes = await kubectl(["--token", "alice-token", "auth", "can-i", "list", "pods", "-n", "shop"]);
    expect([yes.code, yes.stdout.trim()]).toEqual([0, "yes"]);
    const no = await kubectl(["--token", "alice-token", "auth", "can-i", "delete", "pods", "-n", "shop"]);
    expect([no.code, no.stdout.trim()]).toEqual([1, "no"]);
  });

  it("refuses unknown tokens with 401", async () => {
    const result = await kubectl(["--token", "wrong", "get", "pods", "-n", "shop"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: You must be logged in to the server");
  });
});
