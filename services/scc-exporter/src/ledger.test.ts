// The scc-exporter on the incident's timeline: a written finding's name and the export's outcome are
// recorded in the ledger (`riposte incidents show` prints them); with the ledger out of reach the
// export answers 503 and publishes nothing, and the redelivery records it once the ledger is back.
import type { ActionOutcome } from "@riposte/contracts";
import { createLedger, createLedgerFirestore } from "@riposte/ledger";
import { type MemoryPublisher, pushRequest, tcpRelay } from "@riposte/service-kit/testing";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { parseGkeClusterMap } from "./gke-clusters.js";
import { findingsLocation, parseSccSourceName } from "./scc-names.js";
import { exportCommand } from "./test-messages.js";
import { exporterApp, testFileLedger, useSccStandin } from "./testing/fixture.js";

const CLUSTERS = parseGkeClusterMap(
  JSON.stringify({ "prod-eu": "projects/acme-prod/locations/europe-west1/clusters/prod-eu" }),
);

const { standin, scc } = await useSccStandin();
let where: ReturnType<typeof findingsLocation>;
beforeEach(() => {
  const source = parseSccSourceName(standin.seedSource({ organization: "123456789", displayName: "R" }).name);
  if (!source) throw new Error("bad seeded source");
  where = findingsLocation({ source });
});

const outcomes = (publisher: MemoryPublisher) =>
  publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);

describe("the finding on the incident's timeline", () => {
  it("a written finding: its name and the done outcome are in the ledger", async () => {
    const ledger = testFileLedger();
    const { app } = exporterApp(scc, { where, clusters: CLUSTERS, markInactiveAfterKill: false, ledger });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const record = await ledger.readIncident(command.incident);
    expect(record?.finding).toMatchObject({ name: `${where.parent}/findings/${command.incident}` });
    expect(record?.actions?.["export-finding"]).toMatchObject({
      service: "scc-exporter",
      outcome: { result: "done" },
    });
  });

  it("the ledger out of reach: 503, nothing published; the redelivery records it once it is back", async () => {
    const relay = await tcpRelay(inject("firestoreEmulatorHost"));
    const firestore = createLedgerFirestore({
      projectId: `scc-exporter-down-${Date.now().toString(36)}`,
      emulatorHost: relay.host,
    });
    const ledger = createLedger({ firestore, timeoutMs: 1_500 });
    await createLedger({ firestore, timeoutMs: 30_000 }).warmUp();
    const { app, publisher } = exporterApp(scc, {
      where,
      clusters: CLUSTERS,
      markInactiveAfterKill: false,
      ledger,
    });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await relay.close();
    expect((await app.request("/", pushRequest(command))).status).toBe(503);
    expect(outcomes(publisher)).toEqual([]);

    await relay.reopen();
    try {
      let status = 503;
      for (let attempt = 0; attempt < 10 && status === 503; attempt += 1)
        status = (await app.request("/", pushRequest(command))).status;
      expect(status).toBe(204);
      expect(outcomes(publisher).map((outcome) => outcome.result)).toEqual(["done"]);
      expect((await ledger.readIncident(command.incident))?.finding).toBeDefined();
    } finally {
      await relay.close();
    }
  }, 60_000);
});
