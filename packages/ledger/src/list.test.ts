import { severityOf } from "@riposte/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { INCIDENTS } from "./incident.js";
import { incidentTarget } from "./list.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firestore = emulatorFirestore(projectId);
beforeAll(() => testLedger(firestore).warmUp(), 30_000);
afterAll(() => firestore.terminate());

const decision = {
  playbooks: ["kill"],
  actions: [{ action: "kill-pod", dryRun: false, playbooks: ["kill"] }],
};
const window = { dedupWindowMs: 60_000 };
const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);
const minutes = (n: number) => new Date(T0 + n * 60_000);

function alertIn(cluster: string | undefined, pod: string) {
  return {
    rule: "Terminal shell in container",
    priority: "Critical" as const,
    severity: severityOf("Critical"),
    time: "2026-12-05T10:00:00.000000000Z",
    timeNs: "1796292000000000000",
    source: "syscall",
    hostname: "gke-node-1",
    tags: ["container"],
    output: "shell",
    outputFields: {
      ...(cluster === undefined ? {} : { cluster }),
      "k8s.ns.name": "shop",
      "k8s.pod.name": pod,
      "container.id": "0123456789ab",
    },
  };
}

/** Claims an incident as a router whose clock reads `at`. */
async function claimAt(at: Date, cluster: string | undefined, pod = "web-1"): Promise<string> {
  const key = incidentKey();
  const ledger = testLedger(firestore, { now: () => at });
  await ledger.claimIncident(key, decision, { ...window, alert: alertIn(cluster, pod) });
  return key;
}

describe("listIncidents", { timeout: 60_000 }, () => {
  const ledger = testLedger(firestore);
  let keys: Record<string, string>;

  beforeAll(async () => {
    keys = {
      old: await claimAt(minutes(-120), "prod-eu"),
      a: await claimAt(minutes(1), "prod-eu", "web-a"),
      b: await claimAt(minutes(2), "staging"),
      c: await claimAt(minutes(3), "prod-eu", "web-c"),
      d: await claimAt(minutes(4), undefined),
    };
    // Written by an actioner only (no router claim): it has no claim time, so it is not listed.
    await ledger.recordActionOutcome(incidentKey(), "kill-pod", {
      service: "pod-killer",
      result: "done",
      reason: "x",
    });
    // A document that is not an incident record (no expireAt), in the window: skipped, named.
    await firestore
      .collection(INCIDENTS)
      .doc("f".repeat(32))
      .set({ router: { claimedAt: minutes(5) } });
  }, 60_000);

  it("lists incidents claimed since the time, newest first, skipping unreadable documents", async () => {
    const list = await ledger.listIncidents({ since: minutes(0) });
    expect(list.incidents.map((incident) => incident.incident)).toEqual([keys.d, keys.c, keys.b, keys.a]);
    expect(list.truncated).toBe(false);
    expect(list.unreadable).toHaveLength(1);
  });

  it("stops at the limit and says more matched", async () => {
    const list = await ledger.listIncidents({ since: minutes(0), limit: 2 });
    expect(list.incidents.map((incident) => incident.incident)).toEqual([keys.d, keys.c]);
    expect(list.truncated).toBe(true);
    const exact = await ledger.listIncidents({ since: minutes(0), limit: 4 });
    expect(exact.incidents).toHaveLength(4);
    expect(exact.truncated).toBe(false);
  });

  it("filters by the cluster the alert names", async () => {
    const list = await ledger.listIncidents({ since: minutes(-1000), cluster: "prod-eu" });
    expect(list.incidents.map((incident) => incident.incident)).toEqual([keys.c, keys.a, keys.old]);
    const one = await ledger.listIncidents({ since: minutes(0), cluster: "prod-eu", limit: 1 });
    expect(one.incidents.map((incident) => incident.incident)).toEqual([keys.c]);
    expect(one.truncated).toBe(true);
    expect(incidentTarget(one.incidents[0] as never)).toMatchObject({
      cluster: "prod-eu",
      namespace: "shop",
      pod: "web-c",
    });
  });

  it("refuses a cluster that is not a cluster name before querying", async () => {
    await expect(ledger.listIncidents({ since: minutes(0), cluster: "a/b\u001b[2J" })).rejects.toBeInstanceOf(
      ZodError,
    );
  });
});

describe("findIncidentKeys", { timeout: 60_000 }, () => {
  const ledger = testLedger(firestore);

  it("finds the keys a short key stands for, and only those", async () => {
    const prefix = incidentKey().slice(0, 12);
    const twins = [`${prefix}${"0".repeat(20)}`, `${prefix}${"f".repeat(20)}`];
    const neighbour = `${prefix.slice(0, 11)}${prefix[11] === "f" ? "e" : "f"}${"0".repeat(20)}`;
    for (const key of [...twins, neighbour]) await ledger.recordTraceId(key, key);
    expect(await ledger.findIncidentKeys(prefix)).toEqual(twins);
    expect(await ledger.findIncidentKeys(twins[0] as string)).toEqual([twins[0]]);
    expect(await ledger.findIncidentKeys(prefix, 1)).toEqual([twins[0]]);
  });

  it("refuses a prefix that is not lowercase hex before querying", async () => {
    await expect(ledger.findIncidentKeys("ABC\u001b")).rejects.toBeInstanceOf(ZodError);
  });
});

describe("the cluster a listing filters on", { timeout: 60_000 }, () => {
  it("is the target the router stored (its CLUSTER_FIELD), not one re-derived with the default field", async () => {
    const ledger = testLedger(firestore);
    const key = incidentKey();
    // A router with CLUSTER_FIELD=k8s.cluster.name: the alert has no `cluster` field at all.
    const alert = alertIn(undefined, "web-z");
    alert.outputFields = {
      ...alert.outputFields,
      "k8s.cluster.name": "eu-prod-2",
    } as typeof alert.outputFields;
    const target = {
      cluster: "eu-prod-2",
      namespace: "shop",
      pod: "web-z",
      containerId: "0123456789ab",
      rejected: [],
    };
    await testLedger(firestore, { now: () => minutes(500) }).claimIncident(
      key,
      { ...decision, target },
      { ...window, alert },
    );
    const list = await ledger.listIncidents({ since: minutes(499), cluster: "eu-prod-2" });
    expect(list.incidents.map((incident) => incident.incident)).toEqual([key]);
    expect(incidentTarget(list.incidents[0] as never)).toMatchObject(target);
  });
});
