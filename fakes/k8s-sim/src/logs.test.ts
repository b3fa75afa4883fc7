// pods/log: the text the sim holds for a container's current and previous instance, read with the
// API server's options and errors — through client-node, the admin endpoint and the real kubectl.

import { ApiException, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kubeConfigFor } from "./kubeconfig.js";
import {
  httpsKubectlRunner,
  KUBECTL,
  type Kubectl,
  kubectlRunner,
  warnIfNoKubectl,
} from "./kubectl-runner.js";
import { type SimCluster, startSim } from "./sim.js";

warnIfNoKubectl("pods/log");

const SEED = `
apiVersion: v1
kind: Node
metadata: {name: node-a}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: duo, namespace: shop}
spec: {containers: [{name: app, image: nginx}, {name: sidecar, image: envoy}]}
`;

const CLOCK = new Date("2026-03-01T10:00:00.000Z");

async function failure(call: Promise<unknown>): Promise<{ code: number; message: string; reason: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body ?? {});
      const status = JSON.parse(body) as { message: string; reason: string };
      return { code: error.code, message: status.message, reason: status.reason };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("pods/log through client-node", () => {
  let sim: SimCluster;
  let core: CoreV1Api;

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED], now: () => CLOCK });
    core = kubeConfigFor(sim).makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => sim.reset());

  it("answers the current log of the only container without a container name", async () => {
    sim.setLogs({ namespace: "shop", pod: "web" }, { current: "GET /\nGET /admin\n" });
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop" })).toBe("GET /\nGET /admin\n");
    const request = sim.requests.at(-1);
    expect([request?.resource, request?.subresource, request?.verb]).toEqual(["pods", "log", "get"]);
  });

  it("needs a container name when the pod has several, in the API server's words", async () => {
    const result = await failure(core.readNamespacedPodLog({ name: "duo", namespace: "shop" }));
    expect(result).toEqual({
      code: 400,
      reason: "BadRequest",
      message: "a container name must be specified for pod duo, choose one of: [app sidecar]",
    });
    sim.setLogs({ namespace: "shop", pod: "duo", container: "sidecar" }, { current: "envoy up\n" });
    expect(await core.readNamespacedPodLog({ name: "duo", namespace: "shop", container: "sidecar" })).toBe(
      "envoy up\n",
    );
    expect(await core.readNamespacedPodLog({ name: "duo", namespace: "shop", container: "app" })).toBe("");
  });

  it("refuses a container the pod does not have", async () => {
    const result = await failure(
      core.readNamespacedPodLog({ name: "web", namespace: "shop", container: "x" }),
    );
    expect(result).toEqual({
      code: 400,
      reason: "BadRequest",
      message: "container x is not valid for pod web",
    });
  });

  it("404s an unknown pod", async () => {
    const result = await failure(core.readNamespacedPodLog({ name: "gone", namespace: "shop" }));
    expect(result).toEqual({ code: 404, reason: "NotFound", message: 'pods "gone" not found' });
  });

  it("answers the previous instance's log, and 400 when there was none", async () => {
    const none = await failure(core.readNamespacedPodLog({ name: "web", namespace: "shop", previous: true }));
    expect(none).toEqual({
      code: 400,
      reason: "BadRequest",
      message: 'previous terminated container "web" in pod "web" not found',
    });
    sim.setLogs({ namespace: "shop", pod: "web" }, { current: "now\n", previous: "panic: boom\n" });
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop", previous: true })).toBe(
      "panic: boom\n",
    );
  });

  it("a restarted container's log becomes the previous one", async () => {
    sim.setLogs({ namespace: "shop", pod: "web" }, { current: "before the crash\n" });
    sim.restartContainer({ namespace: "shop", name: "web" });
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop", previous: true })).toBe(
      "before the crash\n",
    );
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop" })).toBe("");
  });

  it("applies tailLines, then limitBytes, and prefixes timestamps", async () => {
    sim.setLogs({ namespace: "shop", pod: "web" }, { current: "one\ntwo\nthree\nfour\n" });
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop", tailLines: 2 })).toBe(
      "three\nfour\n",
    );
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop", tailLines: 0 })).toBe("");
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop", limitBytes: 6 })).toBe(
      "one\ntw",
    );
    expect(
      await core.readNamespacedPodLog({ name: "web", namespace: "shop", tailLines: 1, timestamps: true }),
    ).toBe("2026-03-01T10:00:00.000000000Z four\n");
  });

  it("rejects invalid options as PodLogOptions Invalid", async () => {
    const tail = await failure(core.readNamespacedPodLog({ name: "web", namespace: "shop", tailLines: -1 }));
    expect(tail).toEqual({
      code: 422,
      reason: "Invalid",
      message:
        'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    });
    const limit = await failure(core.readNamespacedPodLog({ name: "web", namespace: "shop", limitBytes: 0 }));
    expect(limit.message).toBe(
      'PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
    );
  });

  it("sets logs through the admin endpoint", async () => {
    const response = await fetch(`${sim.url}/__sim/logs`, {
      method: "POST",
      body: JSON.stringify({
        namespace: "shop",
        pod: "duo",
        container: "app",
        current: "a\n",
        previous: "b\n",
      }),
    });
    expect(response.status).toBe(204);
    expect(await core.readNamespacedPodLog({ name: "duo", namespace: "shop", container: "app" })).toBe("a\n");
    const bad = await fetch(`${sim.url}/__sim/logs`, {
      method: "POST",
      body: JSON.stringify({ pod: "duo" }),
    });
    expect(bad.status).toBe(400);
  });

  it("throws for a pod or container that does not exist", () => {
    expect(() => sim.setLogs({ namespace: "shop", pod: "nope" }, { current: "x" })).toThrow(
      /no pod shop\/nope/,
    );
    expect(() => sim.setLogs({ namespace: "shop", pod: "web", container: "db" }, { current: "x" })).toThrow(
      /no container db in pod shop\/web/,
    );
  });
});

describe("pods/log needs its own RBAC permission", () => {
  let sim: SimCluster;
  let kubectl: Kubectl;

  beforeAll(async () => {
    sim = await startSim({
      https: true,
      tokens: { "reader-token": "reader", "logger-token": "logger" },
      rbac: [
        `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: log-reader, namespace: shop}
rules: [{apiGroups: [""], resources: [pods, pods/log], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: reader}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: logger, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: log-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: logger}]
`,
      ],
      seed: [SEED],
    });
    sim.setLogs({ namespace: "shop", pod: "web" }, { current: "hello\n" });
    kubectl = httpsKubectlRunner(sim.url, sim.caCert ?? "");
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("forbids a user who may only get pods", async () => {
    const core = kubeConfigFor(sim, { token: "reader-token" }).makeApiClient(CoreV1Api);
    const result = await failure(core.readNamespacedPodLog({ name: "web", namespace: "shop" }));
    expect(result).toEqual({
      code: 403,
      reason: "Forbidden",
      message:
        'pods "web" is forbidden: User "reader" cannot get resource "pods/log" in API group "" in the namespace "shop"',
    });
  });

  it("allows a user granted get on pods/log", async () => {
    const core = kubeConfigFor(sim, { token: "logger-token" }).makeApiClient(CoreV1Api);
    expect(await core.readNamespacedPodLog({ name: "web", namespace: "shop" })).toBe("hello\n");
  });

  it.skipIf(!KUBECTL)("kubectl logs with and without the permission", async () => {
    const denied = await kubectl(["--token", "reader-token", "logs", "web", "-n", "shop"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "web" is forbidden: User "reader" cannot get resource "pods/log" in API group "" in the namespace "shop"',
    );
    const allowed = await kubectl(["--token", "logger-token", "logs", "web", "-n", "shop"]);
    expect([allowed.code, allowed.stdout]).toEqual([0, "hello\n"]);
  });
});

describe.skipIf(!KUBECTL)("kubectl logs against the sim", () => {
  let sim: SimCluster;
  let kubectl: Kubectl;

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED] });
    kubectl = kubectlRunner(sim.url);
    sim.setLogs(
      { namespace: "shop", pod: "duo", container: "app" },
      { current: "a1\na2\na3\n", previous: "crash\n" },
    );
    sim.setLogs({ namespace: "shop", pod: "duo", container: "sidecar" }, { current: "s1\n" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reads a named container, its previous instance, a tail and a byte limit", async () => {
    expect((await kubectl(["logs", "duo", "-n", "shop", "-c", "sidecar"])).stdout).toBe("s1\n");
    expect((await kubectl(["logs", "duo", "-n", "shop", "-c", "app", "--previous"])).stdout).toBe("crash\n");
    expect((await kubectl(["logs", "duo", "-n", "shop", "-c", "app", "--tail", "2"])).stdout).toBe(
      "a2\na3\n",
    );
    expect((await kubectl(["logs", "duo", "-n", "shop", "-c", "app", "--limit-bytes", "4"])).stdout).toBe(
      "a1\na",
    );
  });

  it("reports a missing previous instance as the API server does", async () => {
    const result = await kubectl(["logs", "duo", "-n", "shop", "-c", "sidecar", "--previous"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Error from server (BadRequest): previous terminated container "sidecar" in pod "duo" not found',
    );
  });

  it("defaults to the first container like kubectl does, saying so", async () => {
    const result = await kubectl(["logs", "duo", "-n", "shop"]);
    expect(result.stdout).toBe("a1\na2\na3\n");
    expect(result.stderr).toContain('Defaulted container "app" out of: app, sidecar');
  });
});
