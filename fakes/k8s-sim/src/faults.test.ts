// Fault injection through the library and the /__sim/ admin endpoint: status codes for the next N
// calls, Retry-After, latency and dropped connections; plus the request log and reset.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FaultSpecError } from "./faults.js";
import { type SimCluster, startSim } from "./sim.js";

const SEED = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: web, image: nginx}]}
`;

describe("fault injection", () => {
  let sim: SimCluster;
  const podUrl = () => `${sim.url}/api/v1/namespaces/shop/pods/web`;

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED] });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => {
    sim.reset();
  });

  it("fails the next 3 matching calls with 500, then succeeds", async () => {
    sim.faults.inject({ resource: "pods", verb: "get", status: 500, times: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await fetch(podUrl())).status);
    expect(codes).toEqual([500, 500, 500, 200]);
    const failed = await (async () => {
      sim.faults.inject({ resource: "pods", status: 500, times: 1 });
      return (await fetch(podUrl())).json();
    })();
    expect(failed).toMatchObject({ kind: "Status", reason: "InternalError", code: 500 });
    expect(sim.faults.list()).toEqual([]);
  });

  it("only matches the given resource, verb, namespace and name", async () => {
    sim.faults.inject({
      resource: "pods",
      verb: "delete",
      namespace: "shop",
      name: "web",
      status: 503,
      times: 1,
    });
    expect((await fetch(podUrl())).status).toBe(200);
    expect((await fetch(`${sim.url}/api/v1/namespaces/shop/pods`)).status).toBe(200);
    expect((await fetch(`${sim.url}/api/v1/nodes`)).status).toBe(200);
    const deleted = await fetch(podUrl(), { method: "DELETE" });
    expect(deleted.status).toBe(503);
    expect(await deleted.json()).toMatchObject({ reason: "ServiceUnavailable" });
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web" })).toBeDefined();
  });

  it("answers 429 with Retry-After", async () => {
    sim.faults.inject({ resource: "pods", status: 429, retryAfterSeconds: 7, times: 1 });
    const response = await fetch(podUrl());
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(await response.json()).toMatchObject({
      reason: "TooManyRequests",
      details: { retryAfterSeconds: 7 },
    });
  });

  it("delays a call by latencyMs", async () => {
    sim.faults.inject({ resource: "pods", verb: "get", latencyMs: 300, times: 1 });
    const started = performance.now();
    const response = await fetch(podUrl());
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const quick = performance.now();
    await fetch(podUrl());
    expect(performance.now() - quick).toBeLessThan(250);
  });

  it("drops the connection without an answer", async () => {
    sim.faults.inject({ resource: "pods", drop: true, times: 1 });
    await expect(fetch(podUrl())).rejects.toThrow(/fetch failed/);
    expect((await fetch(podUrl())).status).toBe(200);
    const dropped = sim.requests.find((r) => r.faultId !== undefined);
    expect(dropped).toMatchObject({ status: 0, verb: "get", resource: "pods", name: "web" });
  });

  it("rejects fault specs that would do nothing, naming the field", () => {
    expect(() => sim.faults.inject({ resource: "pods", times: 1 })).toThrow(FaultSpecError);
    expect(() => sim.faults.inject({ status: 500, times: 0 })).toThrow(
      /times=0 is invalid: expected a positive integer/,
    );
    expect(() => sim.faults.inject({ status: 500, verb: "remove", times: 1 })).toThrow(/verb="remove"/);
  });

  it("logs requests with verb, resource, user and status; clearRequests empties the log", async () => {
    await fetch(`${sim.url}/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb`);
    await fetch(`${sim.url}/api/v1/namespaces/shop/pods/nope`);
    const [list, missing] = sim.requests.slice(-2);
    expect(list).toMatchObject({
      method: "GET",
      verb: "list",
      resource: "pods",
      namespace: "shop",
      query: { labelSelector: "app=web" },
      user: "system:anonymous",
      status: 200,
    });
    expect(missing).toMatchObject({ verb: "get", name: "nope", status: 404 });
    sim.clearRequests();
    expect(sim.requests).toEqual([]);
  });

  it("a request held by a latency fault is pending until answered, then logged", async () => {
    sim.faults.inject({ verb: "delete", resource: "pods", latencyMs: 400, times: 1 });
    const answered = fetch(`${sim.url}/api/v1/namespaces/shop/pods/nope`, { method: "DELETE" });
    const deadline = Date.now() + 5_000;
    while (!sim.pendingRequests.some((r) => r.verb === "delete") && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sim.pendingRequests).toEqual([expect.objectContaining({ verb: "delete", name: "nope" })]);
    expect(sim.requests.filter((r) => r.verb === "delete")).toEqual([]);
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.pendingRequests).toEqual([]);
    expect(sim.requests.filter((r) => r.verb === "delete")).toMatchObject([{ name: "nope", status: 404 }]);
  });
});

describe("admin endpoint /__sim/", () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("injects, lists and clears faults over HTTP", async () => {
    const created = await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      body: JSON.stringify({ resource: "pods", verb: "list", status: 503, times: 2 }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: expect.stringMatching(/^fault-/), remaining: 2 });
    expect((await fetch(`${sim.url}/api/v1/pods`)).status).toBe(503);
    const listed = (await (await fetch(`${sim.url}/__sim/faults`)).json()) as {
      items: { remaining: number }[];
    };
    expect(listed.items.map((f) => f.remaining)).toEqual([1]);
    expect((await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${sim.url}/api/v1/pods`)).status).toBe(200);
  });

  it("explains a bad fault spec with the field", async () => {
    const response = await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      body: JSON.stringify({ status: 500 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: "times" });
  });

  it("serves the request log, applies manifests and resets to the startup state", async () => {
    const applied = await fetch(`${sim.url}/__sim/apply`, {
      method: "POST",
      body: "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n",
    });
    expect(applied.status).toBe(200);
    expect(sim.get({ kind: "Namespace", name: "extra" })).toBeDefined();
    await fetch(`${sim.url}/api/v1/namespaces/extra`);
    const log = (await (await fetch(`${sim.url}/__sim/requests?limit=1`)).json()) as {
      items: { path: string }[];
    };
    expect(log.items.map((r) => r.path)).toEqual(["/api/v1/namespaces/extra"]);
    expect((await fetch(`${sim.url}/__sim/reset`, { method: "POST" })).status).toBe(204);
    expect(sim.get({ kind: "Namespace", name: "extra" })).toBeUndefined();
    expect(sim.get({ kind: "Pod", namespace: "shop", name: "web" })).toBeDefined();
    expect(sim.requests).toEqual([]);
  });

  it("adds tokens", async () => {
    expect(
      (await fetch(`${sim.url}/__sim/tokens`, { method: "POST", body: JSON.stringify({ token: "t" }) }))
        .status,
    ).toBe(400);
    const added = await fetch(`${sim.url}/__sim/tokens`, {
      method: "POST",
      body: JSON.stringify({ token: "t1", user: "bob" }),
    });
    expect(added.status).toBe(204);
    await fetch(`${sim.url}/api/v1/namespaces`, { headers: { authorization: "Bearer t1" } });
    expect(sim.requests.at(-1)).toMatchObject({ user: "bob", status: 403 });
  });
});
