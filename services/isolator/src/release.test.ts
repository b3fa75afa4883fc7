// riposte release's cluster side against the simulated cluster: the quarantine goes and an Event on
// the pod says who lifted it and why.
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { type ClusterClients, createClusterRegistry } from "@riposte/actioner-kit";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { QUARANTINE_LABEL } from "./action.js";
import { releaseQuarantine } from "./release.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";
const POD = { namespace: "shop", name: "web-7d9f8c6b5-abcde" };
const audit = {
  by: "alice",
  reason: "false positive: the CI debug shell",
  now: new Date("2026-01-02T03:04:05Z"),
};

let sim: SimCluster;
let clients: ClusterClients;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
  clients = await createClusterRegistry({ sim: { kind: "server", server: sim.url } }).clientsFor("sim");
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const pod = () => sim.get({ kind: "Pod", ...POD }) as V1Pod;
function label(value: string) {
  const current = pod();
  sim.apply({
    ...current,
    metadata: { ...current.metadata, labels: { ...current.metadata?.labels, [QUARANTINE_LABEL]: value } },
  } as never);
}
const events = () => sim.list({ kind: "Event", namespace: POD.namespace }) as unknown as CoreV1Event[];

describe("releaseQuarantine with an operator's reason", () => {
  it("removes the label and leaves a RiposteReleased Event naming who, why and the incident", async () => {
    label(INCIDENT);
    expect(await releaseQuarantine(clients, POD.namespace, POD.name, audit)).toMatchObject({
      released: true,
      incident: INCIDENT,
    });
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBeUndefined();
    const [event] = events();
    expect(event).toMatchObject({
      reason: "RiposteReleased",
      involvedObject: { kind: "Pod", namespace: POD.namespace, name: POD.name, uid: pod().metadata?.uid },
      source: { component: "riposte-cli" },
    });
    expect(event?.message).toContain(INCIDENT);
    expect(event?.message).toContain("; by alice: false positive: the CI debug shell");
  });

  it("a quarantine label that names no incident is not Riposte's: nothing written", async () => {
    label("by-hand");
    sim.clearRequests();
    const result = await releaseQuarantine(clients, POD.namespace, POD.name, audit);
    expect(result).toMatchObject({
      released: false,
      message: expect.stringMatching(/names no Riposte incident/),
    });
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBe("by-hand");
    expect(sim.requests.filter((r) => r.verb !== "get")).toEqual([]);
  });

  it("a pod that is not quarantined: a clear message, no Event", async () => {
    expect(await releaseQuarantine(clients, POD.namespace, POD.name, audit)).toEqual({
      released: false,
      message: `pod ${POD.namespace}/${POD.name} is not quarantined`,
    });
    expect(events()).toEqual([]);
  });
});
