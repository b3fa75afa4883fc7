// resolveTargetPod against the simulated cluster: by name, by container id (also a restarted
// container's previous id), and what "no match" may and may not claim.
import type { V1Pod } from "@kubernetes/client-node";
import type { Target } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ClusterClients, createClusterRegistry } from "./cluster.js";
import { containerIdsOf, resolveTargetPod } from "./resolve.js";

const NODE = "gke-prod-default-pool-3f1c2a9e-7xkq";
const WEB = { namespace: "shop", name: "web-7d9f8c6b5-abcde" };
const WEB_CONTAINER = "4b2f1a9c8d7e";
let sim: SimCluster;
let clients: ClusterClients;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
  clients = await createClusterRegistry({ sim: { kind: "server", server: sim.url } }).clientsFor("sim");
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const web = () => sim.get({ kind: "Pod", ...WEB }) as V1Pod;

/** The web pod's container restarts: the alert's id is now the previous one (lastState.terminated). */
const restartWebContainer = () => sim.restartContainer(WEB).replace("containerd://", "");

/** The examples' event time (k8saudit-exec.json): 2024-11-23T13:30:00.123Z. */
const EVENT = { timeNs: "1732368600123000000" };
const target = (fields: Partial<Target>): Target => ({ rejected: [], ...fields });

describe("resolveTargetPod", () => {
  it("finds a pod by its container id on the alert's node", async () => {
    const resolution = await resolveTargetPod(
      clients.core,
      target({ node: NODE, containerId: WEB_CONTAINER }),
      EVENT,
    );
    expect(resolution).toMatchObject({ kind: "found", via: "container-id", pod: { metadata: WEB } });
  });

  it("finds a pod whose container restarted by the previous container's id", async () => {
    restartWebContainer();
    const resolution = await resolveTargetPod(
      clients.core,
      target({ node: NODE, containerId: WEB_CONTAINER }),
      EVENT,
    );
    expect(resolution).toMatchObject({ kind: "found", via: "container-id", pod: { metadata: WEB } });
  });

  it("the name path accepts the previous container's id too", async () => {
    restartWebContainer();
    const resolution = await resolveTargetPod(
      clients.core,
      target({ ...WEB, pod: WEB.name, node: NODE, containerId: WEB_CONTAINER }),
      EVENT,
    );
    expect(resolution).toMatchObject({ kind: "found", via: "name" });
  });

  it("no pod runs or ran the container: unmatched (nothing proves the pod gone), not gone", async () => {
    const resolution = await resolveTargetPod(
      clients.core,
      target({ node: NODE, containerId: "0123456789ab" }),
      EVENT,
    );
    expect(resolution).toEqual({
      kind: "unmatched",
      reason: `no pod on node ${NODE} runs or ran container 0123456789ab`,
    });
  });

  it("a pod name that is not there is gone; a pod uid no pod has is gone", async () => {
    expect(
      await resolveTargetPod(clients.core, target({ namespace: "shop", pod: "no-such-pod" }), EVENT),
    ).toMatchObject({ kind: "gone" });
    expect(
      await resolveTargetPod(
        clients.core,
        target({ node: NODE, podUid: "00000000-0000-4000-8000-000000000000" }),
        EVENT,
      ),
    ).toMatchObject({ kind: "gone" });
  });

  describe("a pod created after the alert's event is not the alert's pod (when only its name says so)", () => {
    /** The web pod deleted and created again (a new uid), with this creationTimestamp. */
    const createdAt = (creationTimestamp: string) => {
      const { metadata, spec, status } = web();
      sim.remove({ kind: "Pod", ...WEB });
      sim.apply({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...WEB, labels: metadata?.labels, creationTimestamp },
        spec,
        status,
      } as never);
    };
    const byName = target({ ...WEB, pod: WEB.name, node: NODE });

    it("created in the event's second (creationTimestamp has 1 s resolution): still the alert's pod", async () => {
      createdAt("2024-11-23T13:30:00Z");
      expect(await resolveTargetPod(clients.core, byName, EVENT)).toMatchObject({
        kind: "found",
        via: "name",
      });
    });

    it("created the second after: replaced, saying when", async () => {
      createdAt("2024-11-23T13:30:01Z");
      expect(await resolveTargetPod(clients.core, byName, EVENT)).toMatchObject({
        kind: "replaced",
        reason: `pod shop/web-7d9f8c6b5-abcde (uid ${web().metadata?.uid}) was created at 2024-11-23T13:30:01.000Z, after the alert's event at 2024-11-23T13:30:00.123Z`,
      });
    });

    it("a uid or a container id the pod has proves it is the alert's pod whatever its creation time", async () => {
      createdAt("2024-11-23T13:30:01Z");
      const uid = web().metadata?.uid;
      for (const proof of [{ podUid: uid }, { containerId: WEB_CONTAINER }]) {
        expect(
          await resolveTargetPod(
            clients.core,
            target({ ...WEB, pod: WEB.name, node: NODE, ...proof }),
            EVENT,
          ),
        ).toMatchObject({ kind: "found" });
      }
    });
  });

  it("containerIdsOf lists current and previous ids, without the runtime prefix", () => {
    const previous = restartWebContainer();
    expect(previous.startsWith(WEB_CONTAINER)).toBe(true);
    const [current] = containerIdsOf(web());
    expect(current).toMatch(/^[0-9a-f]{64}$/);
    expect(containerIdsOf(web())).toEqual([current, previous]);
  });
});
