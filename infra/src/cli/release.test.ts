// `riposte release` end to end against the simulated cluster and the Pub/Sub emulator.
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { ActionOutcome } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { useUndoFixture } from "./undo-fixture.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";
const POD = { namespace: "shop", name: "web-7d9f8c6b5-abcde" };
const QUARANTINE_LABEL = "riposte.dev/quarantine";
const fixture = useUndoFixture("release");

const pod = () => fixture.sim.get({ kind: "Pod", ...POD }) as V1Pod;
function quarantine(incident = INCIDENT) {
  const current = pod();
  fixture.sim.apply({
    ...current,
    metadata: { ...current.metadata, labels: { ...current.metadata?.labels, [QUARANTINE_LABEL]: incident } },
  } as never);
}
const release = (...extra: string[]) => fixture.run(["release", POD.name, "-n", POD.namespace, ...extra]);
const writes = () => fixture.sim.requests.filter((r) => r.verb !== "get" && r.verb !== "list");

describe("riposte release", () => {
  it("releases the pod, leaves an Event and publishes the follow-up for the incident", async () => {
    quarantine();
    const { code, out } = await release("--reason", "false positive: the CI debug shell");
    expect(code).toBe(0);
    expect(out).toContain(`released pod shop/${POD.name} from quarantine (incident ${INCIDENT})`);
    expect(out).toContain(`follow-up published to action-outcomes`);
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBeUndefined();
    const events = fixture.sim.list({ kind: "Event", namespace: "shop" }) as unknown as CoreV1Event[];
    expect(events).toEqual([
      expect.objectContaining({
        reason: "RiposteReleased",
        involvedObject: expect.objectContaining({ kind: "Pod", name: POD.name }),
        message: expect.stringContaining("false positive: the CI debug shell"),
      }),
    ]);
    const [message] = await fixture.published();
    const outcome = ActionOutcome.parse(message?.json());
    expect(outcome).toMatchObject({
      service: "operator",
      action: "release-pod",
      result: "done",
      incident: INCIDENT,
      details: { reason: "false positive: the CI debug shell", object: { kind: "Pod", ...POD } },
    });
    expect(message?.attributes).toMatchObject({
      kind: "ActionOutcome",
      incident: INCIDENT,
      action: "release-pod",
    });
  });

  it("--reason is required, and a hostile one is refused before anything is written", async () => {
    quarantine();
    fixture.sim.clearRequests();
    for (const reason of [
      undefined,
      "",
      "line\nbreak",
      "\u001b]8;;https://evil\u0007click",
      "x".repeat(10_000),
    ]) {
      const { code, err } = await release(...(reason === undefined ? [] : ["--reason", reason]));
      expect(code).toBe(2);
      expect(err).toMatch(/^riposte release: --reason /);
    }
    expect(writes()).toEqual([]);
    expect(pod().metadata?.labels?.[QUARANTINE_LABEL]).toBe(INCIDENT);
    expect(await fixture.published({ timeoutMs: 1_000 })).toEqual([]);
  });

  it("a pod that is not quarantined: a clear message, exit 1, nothing written or published", async () => {
    fixture.sim.clearRequests();
    const { code, out } = await release("--reason", "checking");
    expect(code).toBe(1);
    expect(out).toBe(`pod shop/${POD.name} is not quarantined`);
    expect(writes()).toEqual([]);
    expect(await fixture.published({ timeoutMs: 1_000 })).toEqual([]);
  });
});
