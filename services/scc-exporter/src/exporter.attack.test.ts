// Adversarial review (issue 18): the scc-exporter records the finding in the ledger before it publishes
// the export's outcome, and a ledger it cannot write is a 503 with nothing published — on every path.
import type { ActionOutcome } from "@riposte/contracts";
import { LedgerUnavailableError } from "@riposte/ledger";
import { type MemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { beforeEach, describe, expect, it } from "vitest";
import type { FindingLedger } from "./exporter.js";
import { parseGkeClusterMap } from "./gke-clusters.js";
import { findingsLocation, parseSccSourceName } from "./scc-names.js";
import { exportCommand } from "./test-messages.js";
import { exporterApp, useSccStandin } from "./testing/fixture.js";

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

/** A ledger that logs each call, failing the ones `fails` picks. */
function scriptedLedger(fails: (call: string) => Error | undefined) {
  const calls: string[] = [];
  const ledger: FindingLedger = {
    async recordFinding(incident, name) {
      calls.push(`finding ${name}`);
      const error = fails("finding");
      if (error) throw error;
      void incident;
    },
    async recordActionOutcome(_incident, action, outcome) {
      calls.push(`outcome ${action} ${outcome.result}`);
      const error = fails("outcome");
      if (error) throw error;
    },
  };
  return { ledger, calls };
}

describe("scc-exporter ledger ordering under attack", () => {
  it("the finding is written in the ledger before the outcome is published, and only then", async () => {
    const { ledger, calls } = scriptedLedger(() => undefined);
    const { app, publisher } = exporterApp(scc, {
      where,
      clusters: CLUSTERS,
      markInactiveAfterKill: false,
      ledger,
    });
    const originalPublish = publisher.publish.bind(publisher);
    publisher.publish = (async (...args: Parameters<typeof originalPublish>) => {
      calls.push(`publish ${args[0]}`);
      return originalPublish(...args);
    }) as typeof publisher.publish;
    const command = exportCommand("sidekick-critical-drop-exec.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(calls).toEqual([
      `finding ${where.parent}/findings/${command.incident}`,
      "outcome export-finding done",
      "publish action-outcomes",
    ]);
  });

  it("the finding recorded, then the ledger fails on the outcome: 503, nothing published; the redelivery publishes once", async () => {
    let down = true;
    const { ledger } = scriptedLedger((call) =>
      down && call === "outcome" ? new LedgerUnavailableError("firestore unreachable") : undefined,
    );
    const { app, publisher } = exporterApp(scc, {
      where,
      clusters: CLUSTERS,
      markInactiveAfterKill: false,
      ledger,
    });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(503);
    expect(outcomes(publisher)).toEqual([]);
    down = false;
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(outcomes(publisher).map((outcome) => outcome.result)).toEqual(["done"]);
  });

  it("a refused export (no GKE resource) with the ledger down: 503, nothing published", async () => {
    const { ledger } = scriptedLedger(() => new LedgerUnavailableError("firestore unreachable"));
    const { app, publisher } = exporterApp(scc, {
      where,
      clusters: parseGkeClusterMap(
        JSON.stringify({ other: "projects/acme-prod/locations/europe-west1/clusters/other" }),
      ),
      markInactiveAfterKill: false,
      ledger,
    });
    expect(
      (await app.request("/", pushRequest(exportCommand("sidekick-critical-drop-exec.json")))).status,
    ).toBe(503);
    expect(outcomes(publisher)).toEqual([]);
  });

  it("a dry run with the ledger down: 503, nothing published", async () => {
    const { ledger } = scriptedLedger(() => new LedgerUnavailableError("firestore unreachable"));
    const { app, publisher } = exporterApp(scc, {
      where,
      clusters: CLUSTERS,
      markInactiveAfterKill: false,
      ledger,
    });
    const command = { ...exportCommand("sidekick-critical-drop-exec.json"), dryRun: true };
    expect((await app.request("/", pushRequest(command))).status).toBe(503);
    expect(outcomes(publisher)).toEqual([]);
  });

  it("a ledger bug (not unavailability): not acked, nothing published", async () => {
    const { ledger } = scriptedLedger(() => new TypeError("ledger bug"));
    const { app, publisher } = exporterApp(scc, {
      where,
      clusters: CLUSTERS,
      markInactiveAfterKill: false,
      ledger,
    });
    const response = await app.request("/", pushRequest(exportCommand("sidekick-critical-drop-exec.json")));
    expect(response.status).not.toBe(204);
    expect(outcomes(publisher)).toEqual([]);
  });
});
