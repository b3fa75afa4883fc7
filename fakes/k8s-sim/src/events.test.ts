// Events listed by what they are about: fieldSelector on involvedObject.* (core/v1) and regarding.*
// (events.k8s.io/v1), as the capture service and `kubectl get events --field-selector` ask.

import { ApiException, CoreV1Api, EventsV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfigFor } from "./kubeconfig.js";
import { KUBECTL, type Kubectl, kubectlRunner, warnIfNoKubectl } from "./kubectl-runner.js";
import { type SimCluster, startSim } from "./sim.js";

warnIfNoKubectl("events");

const WEB_UID = "0b9a4c1e-1111-4d2a-9a55-6f0c2a7e0001";
const DB_UID = "0b9a4c1e-2222-4d2a-9a55-6f0c2a7e0002";

function event(name: string, namespace: string, involved: Record<string, string>, reason: string): string {
  return `
apiVersion: v1
kind: Event
metadata: {name: ${name}, namespace: ${namespace}}
involvedObject: ${JSON.stringify(involved)}
reason: ${reason}
message: ${reason} happened
type: Normal
source: {component: kubelet}
firstTimestamp: "2026-03-01T10:00:00Z"
lastTimestamp: "2026-03-01T10:00:00Z"
count: 1
`;
}

const SEED = [
  event(
    "web.1",
    "shop",
    { apiVersion: "v1", kind: "Pod", namespace: "shop", name: "web", uid: WEB_UID },
    "Pulled",
  ),
  event(
    "web.2",
    "shop",
    { apiVersion: "v1", kind: "Pod", namespace: "shop", name: "web", uid: WEB_UID },
    "Started",
  ),
  event(
    "db.1",
    "shop",
    { apiVersion: "v1", kind: "Pod", namespace: "shop", name: "db", uid: DB_UID },
    "Killing",
  ),
  event(
    "deploy.1",
    "shop",
    { kind: "Deployment", namespace: "shop", name: "web", apiVersion: "apps/v1" },
    "ScalingReplicaSet",
  ),
  event("web.other", "other", { kind: "Pod", namespace: "other", name: "web", uid: "x" }, "Pulled"),
].join("---");

async function failure(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body ?? {});
      return { code: error.code, message: (JSON.parse(body) as { message: string }).message };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("events by involved object", () => {
  let sim: SimCluster;
  let core: CoreV1Api;
  let eventsV1: EventsV1Api;

  beforeAll(async () => {
    sim = await startSim({ seed: [SEED] });
    core = kubeConfigFor(sim).makeApiClient(CoreV1Api);
    eventsV1 = kubeConfigFor(sim).makeApiClient(EventsV1Api);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const names = (list: { items: { metadata?: { name?: string } }[] }) =>
    list.items.map((e) => e.metadata?.name);

  it("selects core events on involvedObject kind, name, namespace and uid", async () => {
    const byName = await core.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: "involvedObject.name=web",
    });
    expect(names(byName)).toEqual(["deploy.1", "web.1", "web.2"]);
    const podWeb = await core.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: "involvedObject.kind=Pod,involvedObject.name=web",
    });
    expect(names(podWeb)).toEqual(["web.1", "web.2"]);
    const byUid = await core.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: `involvedObject.uid=${DB_UID}`,
    });
    expect(names(byUid)).toEqual(["db.1"]);
    const everywhere = await core.listEventForAllNamespaces({
      fieldSelector: "involvedObject.namespace=other,involvedObject.name=web",
    });
    expect(names(everywhere)).toEqual(["web.other"]);
    const notPods = await core.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: "involvedObject.kind!=Pod",
    });
    expect(names(notPods)).toEqual(["deploy.1"]);
  });

  it("refuses a field label events do not have", async () => {
    expect(
      await failure(
        core.listNamespacedEvent({ namespace: "shop", fieldSelector: "involvedObject.labels=x" }),
      ),
    ).toEqual({ code: 400, message: "field label not supported: involvedObject.labels" });
  });

  it("selects events.k8s.io/v1 events on regarding.*, whose names it uses instead of involvedObject.*", async () => {
    const byRegarding = await eventsV1.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: `regarding.kind=Pod,regarding.uid=${WEB_UID}`,
    });
    expect(names(byRegarding)).toEqual(["web.1", "web.2"]);
    const byController = await eventsV1.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: "regarding.name=db,reportingController=",
    });
    expect(names(byController)).toEqual(["db.1"]);
    expect(
      await failure(
        eventsV1.listNamespacedEvent({ namespace: "shop", fieldSelector: "involvedObject.name=web" }),
      ),
    ).toEqual({ code: 400, message: "field label not supported: involvedObject.name" });
  });

  describe.skipIf(!KUBECTL)("with kubectl", () => {
    let kubectl: Kubectl;
    beforeAll(() => {
      kubectl = kubectlRunner(sim.url);
    });

    it("kubectl get events --field-selector involvedObject.name=POD", async () => {
      const result = await kubectl([
        "get",
        "events",
        "-n",
        "shop",
        "--field-selector",
        "involvedObject.name=db",
      ]);
      expect(result.stderr).toBe("");
      const lines = result.stdout.trim().split("\n");
      expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 4))).toEqual([
        ["Normal", "Killing", "pod/db"],
      ]);
      const uid = await kubectl([
        "get",
        "events",
        "-n",
        "shop",
        "-o",
        "name",
        "--field-selector",
        `involvedObject.kind=Pod,involvedObject.uid=${WEB_UID}`,
      ]);
      expect(uid.stdout.trim().split("\n")).toEqual(["event/web.1", "event/web.2"]);
    });

    it("kubectl events --for pod/NAME", async () => {
      const result = await kubectl(["events", "-n", "shop", "--for", "pod/web"]);
      expect(result.stderr).toBe("");
      const reasons = result.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/).slice(2, 4));
      expect(reasons).toEqual([
        ["Pulled", "Pod/web"],
        ["Started", "Pod/web"],
      ]);
    });
  });
});
