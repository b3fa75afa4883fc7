// HTTP-level behaviour: discovery negotiation, OpenAPI, Table responses, watches, subresources,
// delete semantics and the errors of malformed requests.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getArray, getString, type JsonObject } from "./json.js";
import { type SimCluster, startSim } from "./sim.js";

const SEED = `
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.25"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: "nginx:1.25"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: "nginx:1.25"}]}
`;

const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

describe("the sim over HTTP", () => {
  let sim: SimCluster;
  const get = async (path: string, accept?: string) => {
    const response = await fetch(`${sim.url}${path}`, accept ? { headers: { accept } } : {});
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: (await response.json()) as JsonObject,
    };
  };
  const send = async (method: string, path: string, body: unknown, contentType = "application/json") => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as JsonObject };
  };

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED] });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => sim.reset());

  it("reports version 1.32 so the kubectl dispatcher runs its built-in 1.32", async () => {
    expect((await get("/version")).body).toMatchObject({ major: "1", minor: "32" });
  });

  it("negotiates aggregated discovery v2, v2beta1 or legacy from Accept", async () => {
    const v2 = await get(
      "/apis",
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    );
    expect(v2.type).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    expect(v2.body.apiVersion).toBe("apidiscovery.k8s.io/v2");
    const old = await get(
      "/api",
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
    );
    expect(old.body.apiVersion).toBe("apidiscovery.k8s.io/v2beta1");
    const pods = getArray(old.body, ["items"])
      .flatMap((item) => getArray(getArray(item, ["versions"])[0], ["resources"]))
      .find((r) => getString(r, ["resource"]) === "pods");
    expect(pods).toMatchObject({ scope: "Namespaced", shortNames: ["po"], responseKind: { kind: "Pod" } });
    const legacy = await get("/apis", "application/json, */*");
    expect(legacy.body.kind).toBe("APIGroupList");
    const groups = getArray(legacy.body, ["groups"]).map((g) => getString(g, ["name"]));
    expect(groups).toEqual([
      "apps",
      "batch",
      "networking.k8s.io",
      "rbac.authorization.k8s.io",
      "events.k8s.io",
      "authorization.k8s.io",
    ]);
    const core = await get("/api/v1");
    expect(getArray(core.body, ["resources"]).map((r) => getString(r, ["name"]))).toContain("pods/eviction");
  });

  it("serves a minimal OpenAPI v3 naming every kind with fieldValidation", async () => {
    const root = await get("/openapi/v3");
    const url = getString(root.body, ["paths", "apis/apps/v1", "serverRelativeURL"]) ?? "";
    expect(url).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await get(url);
    const patch = getPath(doc.body, [
      "paths",
      "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
      "patch",
    ]);
    expect(patch).toMatchObject({
      "x-kubernetes-group-version-kind": { group: "apps", version: "v1", kind: "Deployment" },
    });
    expect((await get("/openapi/v2")).status).toBe(404);
  });

  it("answers Table requests with the pod columns and partial object metadata", async () => {
    const table = await get("/api/v1/namespaces/shop/pods", TABLE_ACCEPT);
    expect(table.body.kind).toBe("Table");
    expect(getArray(table.body, ["columnDefinitions"]).map((c) => getString(c, ["name"]))).toEqual([
      "Name",
      "Ready",
      "Status",
      "Restarts",
      "Age",
      "IP",
      "Node",
      "Nominated Node",
      "Readiness Gates",
    ]);
    const [row] = getArray(table.body, ["rows"]);
    expect(getArray(row, ["cells"]).slice(0, 4)).toEqual(["web-1", "1/1", "Running", 0]);
    expect(getPath(row, ["object", "kind"])).toBe("PartialObjectMetadata");
    expect(getPath(row, ["object", "metadata", "namespace"])).toBe("shop");
  });

  it("schedules pods onto a schedulable node and leaves them Pending without one", async () => {
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web-1" })).toMatchObject({
      spec: { nodeName: "n1" },
      status: { phase: "Running", hostIP: expect.stringMatching(/^10\.128\./) },
    });
    await send(
      "PATCH",
      "/api/v1/nodes/n1",
      { spec: { unschedulable: true } },
      "application/strategic-merge-patch+json",
    );
    const created = await send("POST", "/api/v1/namespaces/shop/pods", {
      metadata: { name: "late" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    expect(created.status).toBe(201);
    expect(getString(created.body, ["status", "phase"])).toBe("Pending");
    expect(getString(created.body, ["spec", "nodeName"])).toBeUndefined();
  });

  it("lists typed lists without per-item kind, with a resourceVersion", async () => {
    const list = await get("/api/v1/namespaces/shop/pods");
    expect(list.body).toMatchObject({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: expect.any(String) },
    });
    expect(getArray(list.body, ["items"])[0]).not.toHaveProperty("kind");
  });

  it("streams watch events from a resourceVersion, filtered by selectors", async () => {
    const list = await get("/api/v1/namespaces/shop/pods");
    const rv = getString(list.body, ["metadata", "resourceVersion"]);
    const controller = new AbortController();
    const response = await fetch(
      `${sim.url}/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}&labelSelector=app%3Dweb`,
      { signal: controller.signal },
    );
    const reader = response.body?.getReader();
    const events: { type: string; name: string; deleting: boolean }[] = [];
    const reading = (async () => {
      let buffer = "";
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        buffer += new TextDecoder().decode(chunk.value);
        let newline = buffer.indexOf("\n");
        while (newline !== -1) {
          const event = JSON.parse(buffer.slice(0, newline)) as { type: string; object: JsonObject };
          events.push({
            type: event.type,
            name: getString(event.object, ["metadata", "name"]) ?? "",
            deleting: getString(event.object, ["metadata", "deletionTimestamp"]) !== undefined,
          });
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
        }
        if (events.length >= 4) return;
      }
    })();
    await send(
      "PATCH",
      "/api/v1/namespaces/shop/pods/web-1",
      { metadata: { labels: { seen: "yes" } } },
      "application/merge-patch+json",
    );
    await send(
      "PATCH",
      "/api/v1/namespaces/shop/pods/web-2",
      { metadata: { labels: { app: "other" } } },
      "application/merge-patch+json",
    );
    await send("POST", "/api/v1/namespaces/shop/pods", {
      metadata: { name: "unrelated" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    await fetch(`${sim.url}/api/v1/namespaces/shop/pods/web-1`, { method: "DELETE" });
    await send(
      "PATCH",
      "/api/v1/namespaces/shop/pods/web-2",
      { metadata: { labels: { app: "web" } } },
      "application/merge-patch+json",
    );
    await reading;
    controller.abort();
    expect(events).toEqual([
      { type: "MODIFIED", name: "web-1", deleting: false },
      // web-2 left the selector: watchers see it go, although it still exists.
      { type: "DELETED", name: "web-2", deleting: false },
      { type: "DELETED", name: "web-1", deleting: true },
      { type: "ADDED", name: "web-2", deleting: false },
    ]);
  });

  it("answers a watch from an expired resourceVersion with a 410 ERROR event", async () => {
    await send(
      "PATCH",
      "/api/v1/namespaces/shop/pods/web-1",
      { metadata: { labels: { x: "1" } } },
      "application/merge-patch+json",
    );
    const response = await fetch(`${sim.url}/api/v1/namespaces/shop/pods?watch=1&resourceVersion=1`);
    const text = await response.text();
    expect(JSON.parse(text.trim())).toMatchObject({
      type: "ERROR",
      object: { code: 410, reason: "Expired" },
    });
  });

  it("scales a deployment through the scale subresource", async () => {
    const scale = await get("/apis/apps/v1/namespaces/shop/deployments/web/scale");
    expect(scale.body).toMatchObject({
      kind: "Scale",
      spec: { replicas: 2 },
      status: { selector: "app=web" },
    });
    const patched = await send(
      "PATCH",
      "/apis/apps/v1/namespaces/shop/deployments/web/scale",
      { spec: { replicas: 5 } },
      "application/merge-patch+json",
    );
    expect(patched.body).toMatchObject({ spec: { replicas: 5 } });
    expect(sim.get({ kind: "Deployment", namespace: "shop", name: "web" })).toMatchObject({
      metadata: { generation: 2 },
      spec: { replicas: 5 },
      status: { readyReplicas: 5 },
    });
  });

  it("writes status only through the status subresource", async () => {
    const pod = sim.get({ kind: "Pod", namespace: "shop", name: "web-1" }) as JsonObject;
    const ignored = await send(
      "PATCH",
      "/api/v1/namespaces/shop/pods/web-1",
      { status: { phase: "Failed" } },
      "application/merge-patch+json",
    );
    expect(getString(ignored.body, ["status", "phase"])).toBe("Running");
    expect(getString(ignored.body, ["metadata", "resourceVersion"])).toBe(
      getString(pod, ["metadata", "resourceVersion"]),
    );
    const written = await send(
      "PATCH",
      "/api/v1/namespaces/shop/pods/web-1/status",
      { status: { phase: "Failed" } },
      "application/merge-patch+json",
    );
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    expect(getString(written.body, ["status", "phase"])).toBe("Failed");
  });

  it("evicts a pod through pods/eviction", async () => {
    const response = await send("POST", "/api/v1/namespaces/shop/pods/web-1/eviction", {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: "web-1", namespace: "shop" },
    });
    expect(response).toMatchObject({ status: 201, body: { status: "Success" } });
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web-1" })).toBeUndefined();
  });

  it("deletes collections by label and whole namespaces with their contents", async () => {
    const deleted = await fetch(`${sim.url}/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb`, {
      method: "DELETE",
    });
    expect(getArray(await deleted.json(), ["items"])).toHaveLength(2);
    expect(sim.list({ kind: "Pod", namespace: "shop" })).toEqual([]);
    const ns = await fetch(`${sim.url}/api/v1/namespaces/shop`, { method: "DELETE" });
    expect(await ns.json()).toMatchObject({ kind: "Namespace", status: { phase: "Terminating" } });
    expect(sim.list({ kind: "Deployment", namespace: "shop" })).toEqual([]);
    expect((await get("/api/v1/namespaces/shop")).status).toBe(404);
  });

  it("returns a Success Status for deleting non-pod objects", async () => {
    const response = await fetch(`${sim.url}/apis/apps/v1/namespaces/shop/deployments/web`, {
      method: "DELETE",
    });
    expect(await response.json()).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "web", group: "apps", kind: "deployments" },
    });
  });

  it("refuses malformed bodies, unknown patch types, wrong kinds and unknown paths", async () => {
    expect((await send("POST", "/api/v1/namespaces/shop/pods", "{not json")).status).toBe(400);
    expect((await send("PATCH", "/api/v1/namespaces/shop/pods/web-1", { a: 1 }, "text/plain")).status).toBe(
      415,
    );
    const wrongKind = await send("POST", "/api/v1/namespaces/shop/pods", {
      kind: "Service",
      metadata: { name: "s" },
    });
    expect(wrongKind.status).toBe(400);
    const protobuf = await send(
      "POST",
      "/api/v1/namespaces",
      "k8s\u0000...",
      "application/vnd.kubernetes.protobuf",
    );
    expect(protobuf).toMatchObject({ status: 415, body: { reason: "UnsupportedMediaType" } });
    expect((await get("/apis/batch/v1/cronjobs")).body).toMatchObject({ code: 404, reason: "NotFound" });
    const renamed = await send("PUT", "/api/v1/namespaces/shop/pods/web-1", {
      metadata: { name: "other" },
      spec: { containers: [{ name: "c", image: "i" }] },
    });
    expect(renamed.body.message).toBe(
      "the name of the object (other) does not match the name on the URL (web-1)",
    );
  });

  it("does not write a dry run", async () => {
    const created = await send("POST", "/api/v1/namespaces/shop/pods?dryRun=All", {
      metadata: { name: "ghost" },
      spec: { containers: [{ name: "c", image: "i" }] },
    });
    expect(created.status).toBe(201);
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "ghost" })).toBeUndefined();
  });
});

function getPath(obj: unknown, path: string[]): unknown {
  let current = obj;
  for (const step of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}
