// `riposte quarantine extend` and `riposte release` against the simulated cluster and the run's
// Firestore emulator: the lease in the ledger is renewed, or released with who and why.
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { useUndoFixture } from "./undo-fixture.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";
const POD = { namespace: "shop", name: "web-7d9f8c6b5-abcde" };
const QUARANTINE_LABEL = "riposte.dev/quarantine";
const fixture = useUndoFixture("lease");
let ledger: Ledger;

beforeAll(() => {
  vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
  ledger = createLedger({
    firestore: createLedgerFirestore({
      projectId: fixture.project,
      emulatorHost: inject("firestoreEmulatorHost"),
    }),
    timeoutMs: 30_000,
  });
});

const pod = () => fixture.sim.get({ kind: "Pod", ...POD }) as V1Pod;
const leased = () => ({
  cluster: "prod",
  namespace: POD.namespace,
  pod: POD.name,
  podUid: pod().metadata?.uid ?? "",
});
async function quarantineWithLease(expiresInMs: number) {
  const current = pod();
  fixture.sim.apply({
    ...current,
    metadata: { ...current.metadata, labels: { ...current.metadata?.labels, [QUARANTINE_LABEL]: INCIDENT } },
  } as never);
  await ledger.recordQuarantineLease({
    ...leased(),
    incident: INCIDENT,
    expiresAt: new Date(Date.now() + expiresInMs),
  });
}
const extend = (...extra: string[]) =>
  fixture.run(["quarantine", "extend", POD.name, "-n", POD.namespace, ...extra]);

describe("riposte quarantine extend", { timeout: 60_000 }, () => {
  it("renews the pod's lease to --ttl from now, and says until when", async () => {
    await quarantineWithLease(60_000);
    const before = Date.now();
    const { code, out, err } = await extend("--ttl", "12h", "--reason", "forensics still running");
    expect(code, err).toBe(0);
    const lease = await ledger.readQuarantineLease(leased());
    expect(lease?.state).toBe("held");
    expect(lease?.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 12 * 3_600_000);
    expect(out).toContain(
      `quarantine of pod shop/${POD.name} (incident ${INCIDENT}) extended until ${lease?.expiresAt.toISOString()}`,
    );
  });

  it("a pod without a lease (here: the leased pod replaced under its name) is a clear error, and nothing is written", async () => {
    await quarantineWithLease(60_000);
    const original = pod();
    fixture.sim.remove({ kind: "Pod", ...POD });
    fixture.sim.apply({ ...original, metadata: { ...POD, labels: original.metadata?.labels } } as never);
    expect(pod().metadata?.uid).not.toBe(original.metadata?.uid);
    const { code, err } = await extend("--ttl", "12h");
    expect(code).toBe(1);
    expect(err).toMatch(/no quarantine lease on pod shop\/web-7d9f8c6b5-abcde in the ledger/);
    expect(await ledger.quarantineLeasesOfPod(pod().metadata?.uid ?? "")).toEqual([]);
    // --cluster only looks there.
    expect((await extend("--ttl", "12h", "--cluster", "staging")).err).toMatch(/\(cluster staging\)/);
  });

  it("refuses a ttl that is not 1m to 30d, naming --ttl", async () => {
    await quarantineWithLease(60_000);
    for (const ttl of ["0s", "-1h", "999999h", "1e3h"]) {
      const { code, err } = await extend("--ttl", ttl);
      expect(code, ttl).toBe(2);
      expect(err).toMatch(/--ttl/);
    }
    expect((await extend()).err).toMatch(/--ttl is required/);
  });
});

describe("riposte release records who and why in the ledger", { timeout: 60_000 }, () => {
  it("the pod's lease is released with the operator and the reason; the Event says both", async () => {
    await quarantineWithLease(3_600_000);
    const { code, err } = await fixture.run([
      "release",
      POD.name,
      "-n",
      POD.namespace,
      "--reason",
      "false positive: the CI debug shell",
    ]);
    expect(code, err).toBe(0);
    expect(await ledger.readQuarantineLease(leased())).toMatchObject({
      state: "released",
      released: { by: expect.any(String), reason: "false positive: the CI debug shell" },
    });
    const events = fixture.sim.list({ kind: "Event", namespace: "shop" }) as unknown as CoreV1Event[];
    expect(events[0]?.message).toMatch(/by .+: false positive: the CI debug shell/);
    const incident = await ledger.readIncident(INCIDENT);
    expect(JSON.stringify(incident)).toContain("false positive: the CI debug shell");
  });
});
