// `riposte untaint` end to end against the simulated cluster and the Pub/Sub emulator.
import type { CoreV1Event, V1Node } from "@kubernetes/client-node";
import { ActionOutcome } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { useUndoFixture } from "./undo-fixture.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";
const NODE = "gke-prod-default-pool-3f1c2a9e-7xkq";
const ours = { key: "riposte.dev/compromised", value: INCIDENT, effect: "NoSchedule" };
const theirs = { key: "dedicated", value: "batch", effect: "NoSchedule" };
const fixture = useUndoFixture("untaint");

const node = () => fixture.sim.get({ kind: "Node", name: NODE }) as V1Node;
function shape(spec: { taints?: object[]; unschedulable?: boolean }, annotations?: Record<string, string>) {
  const current = node();
  fixture.sim.apply({
    ...current,
    metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, ...annotations } },
    spec: { ...current.spec, ...spec },
  } as never);
}
const untaint = (...extra: string[]) => fixture.run(["untaint", NODE, ...extra]);
const writes = () => fixture.sim.requests.filter((r) => r.verb !== "get" && r.verb !== "list");

describe("riposte untaint", () => {
  it("lifts Riposte's taint and its own cordon, leaves an Event and publishes the follow-up", async () => {
    shape({ taints: [theirs, ours], unschedulable: true }, { "riposte.dev/cordoned-by": INCIDENT });
    const { code, out } = await untaint("--reason", "node reimaged");
    expect(code).toBe(0);
    expect(out).toContain(
      `lifted taint riposte.dev/compromised (incident ${INCIDENT}) from node ${NODE} and uncordoned it`,
    );
    expect(node().spec?.taints).toEqual([theirs]);
    expect(node().spec?.unschedulable).toBeFalsy();
    const events = fixture.sim.list({ kind: "Event", namespace: "default" }) as unknown as CoreV1Event[];
    expect(events).toEqual([
      expect.objectContaining({
        reason: "RiposteUntainted",
        message: expect.stringContaining("node reimaged"),
      }),
    ]);
    const [message] = await fixture.published();
    expect(ActionOutcome.parse(message?.json())).toMatchObject({
      service: "operator",
      action: "untaint-node",
      incident: INCIDENT,
      target: { node: NODE },
      details: { reason: "node reimaged" },
    });
  });

  it("keeps an admin's cordon", async () => {
    shape({ taints: [ours], unschedulable: true });
    const { code, out } = await untaint("--reason", "node reimaged");
    expect(code).toBe(0);
    expect(out).toMatch(/still cordoned: not by Riposte/);
    expect(node().spec?.unschedulable).toBe(true);
    expect(await fixture.published()).toHaveLength(1);
  });

  it("a node without Riposte's taint: a clear message, exit 1, nothing written or published", async () => {
    shape({ taints: [theirs], unschedulable: true });
    fixture.sim.clearRequests();
    const { code, out } = await untaint("--reason", "node reimaged");
    expect(code).toBe(1);
    expect(out).toBe(`node ${NODE} has no riposte.dev/compromised taint: nothing changed`);
    expect(writes()).toEqual([]);
    expect(await fixture.published({ timeoutMs: 1_000 })).toEqual([]);
  });

  it("refuses a missing or hostile --reason before anything is written", async () => {
    shape({ taints: [ours] });
    fixture.sim.clearRequests();
    for (const args of [[], ["--reason", "\u202egnp.exe"], ["--reason", "y".repeat(10_000)]]) {
      const { code, err } = await untaint(...args);
      expect(code).toBe(2);
      expect(err).toMatch(/^riposte untaint: --reason /);
    }
    expect(writes()).toEqual([]);
    expect(node().spec?.taints).toEqual([ours]);
  });
});
