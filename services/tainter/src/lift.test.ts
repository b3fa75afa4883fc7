// riposte untaint's cluster side against the simulated cluster: only Riposte's taint and only its own
// cordon go, under a resourceVersion precondition, with an Event on the node.
import type { CoreV1Event, V1Node } from "@kubernetes/client-node";
import { type ClusterClients, createClusterRegistry } from "@riposte/actioner-kit";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPROMISED_TAINT, CORDON_ANNOTATION } from "./action.js";
import { liftTaint } from "./lift.js";

const NODE = "gke-prod-default-pool-3f1c2a9e-7xkq";
const INCIDENT = "0123456789abcdef0123456789abcdef";
const theirs = { key: "dedicated", value: "batch", effect: "NoSchedule" };
const ours = { key: COMPROMISED_TAINT, value: INCIDENT, effect: "NoExecute" };
const request = { by: "alice", reason: "reimaged from a clean image", now: new Date("2026-01-02T03:04:05Z") };

let sim: SimCluster;
let clients: ClusterClients;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
  clients = await createClusterRegistry({ sim: { kind: "server", server: sim.url } }).clientsFor("sim");
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const node = () => sim.get({ kind: "Node", name: NODE }) as V1Node;
function shape(spec: { taints?: object[]; unschedulable?: boolean }, annotations?: Record<string, string>) {
  const current = node();
  sim.apply({
    ...current,
    metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, ...annotations } },
    spec: { ...current.spec, ...spec },
  } as never);
}
const events = () => sim.list({ kind: "Event", namespace: "default" }) as unknown as CoreV1Event[];
const writes = () => sim.requests.filter((r) => r.verb !== "get" && r.verb !== "list");

describe("liftTaint", () => {
  it("removes Riposte's taint and its own cordon, keeps the other taints, and leaves an Event", async () => {
    shape({ taints: [theirs, ours], unschedulable: true }, { [CORDON_ANNOTATION]: INCIDENT });
    const result = await liftTaint(clients, NODE, request);
    expect(result).toMatchObject({ lifted: true, incident: INCIDENT, uncordoned: true });
    expect(node().spec?.taints).toEqual([theirs]);
    expect(node().spec?.unschedulable).toBeFalsy();
    expect(node().metadata?.annotations?.[CORDON_ANNOTATION]).toBeUndefined();
    const [event] = events();
    expect(event).toMatchObject({
      reason: "RiposteUntainted",
      involvedObject: { kind: "Node", name: NODE },
      source: { component: "riposte-cli" },
    });
    expect(event?.message).toContain("; by alice: reimaged from a clean image");
    expect(event?.message).toContain(INCIDENT);
    const patch = sim.requests.find((r) => r.verb === "patch" && r.resource === "nodes");
    expect(patch?.bodySummary).toMatch(/"op":"test","path":"\/metadata\/resourceVersion"/);
  });

  it("keeps a cordon Riposte did not make (an admin's)", async () => {
    shape({ taints: [ours], unschedulable: true });
    const result = await liftTaint(clients, NODE, request);
    expect(result).toMatchObject({ lifted: true, uncordoned: false });
    expect(result.message).toMatch(/still cordoned/);
    expect(node().spec?.taints ?? []).toEqual([]);
    expect(node().spec?.unschedulable).toBe(true);
  });

  it("a node without Riposte's taint: a clear message and nothing written", async () => {
    shape({ taints: [theirs], unschedulable: true });
    sim.clearRequests();
    const result = await liftTaint(clients, NODE, request);
    expect(result).toEqual({
      lifted: false,
      message: `node ${NODE} has no ${COMPROMISED_TAINT} taint: nothing changed`,
    });
    expect(writes()).toEqual([]);
    expect(node().spec?.taints).toEqual([theirs]);
  });

  it("a node changed between read and patch: read again, the newcomer's taint kept", async () => {
    shape({ taints: [ours] });
    sim.faults.inject({ resource: "nodes", verb: "patch", latencyMs: 300, times: 1 });
    const lifting = liftTaint(clients, NODE, request);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const newcomer = { key: "someone.else/maintenance", effect: "NoSchedule" };
    shape({ taints: [ours, newcomer] });
    expect(await lifting).toMatchObject({ lifted: true });
    expect(node().spec?.taints).toEqual([newcomer]);
  });

  it("a 409 from the API server is retried", async () => {
    shape({ taints: [ours] });
    sim.faults.inject({ resource: "nodes", verb: "patch", status: 409, times: 1 });
    expect(await liftTaint(clients, NODE, request)).toMatchObject({ lifted: true });
    expect(node().spec?.taints ?? []).toEqual([]);
  });
});
