// The finding carries what the isolator found about NetworkPolicy enforcement: riposte_isolator_enforced
// ("true", "false" or "unknown") and why, from the outcome's details; an outcome without it adds nothing.
import { pushRequest } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import { outcomeProperties } from "./finding.js";
import { parseGkeClusterMap } from "./gke-clusters.js";
import { findingsLocation, parseSccSourceName } from "./scc-names.js";
import { exportCommand, outcomeFor } from "./test-messages.js";
import { exporterApp, useSccStandin } from "./testing/fixture.js";

const { standin, scc } = await useSccStandin();

const isolation = {
  service: "isolator",
  action: "isolate-pod",
  result: "done",
  reason: "WARNING: cluster prod-eu does not enforce NetworkPolicies (…); isolated pod shop/web",
  at: "2026-01-02T03:04:05.000Z",
};

describe("scc-exporter: NetworkPolicy enforcement on the finding", () => {
  it.each([
    [false, "false"],
    [true, "true"],
    ["unknown", "unknown"],
  ] as const)("details.enforced %s → riposte_isolator_enforced %s, with why (bounded)", (enforced, shown) => {
    const properties = outcomeProperties({
      ...isolation,
      details: { enforced, enforcement: "w".repeat(5000) },
    });
    expect(properties.riposte_isolator_enforced).toEqual({ stringValue: shown });
    expect(properties.riposte_isolator_enforcement).toEqual({ stringValue: `${"w".repeat(1023)}…` });
  });

  it("an outcome without it adds no such property", () => {
    expect(Object.keys(outcomeProperties({ ...isolation, details: { cluster: "prod-eu" } })).sort()).toEqual([
      "riposte_isolator",
      "riposte_isolator_action",
      "riposte_isolator_at",
      "riposte_isolator_reason",
    ]);
  });

  it("the isolator's outcome lands on the finding with enforced false", async () => {
    const source = parseSccSourceName(
      standin.seedSource({ organization: "123456789", displayName: "Riposte" }).name,
    );
    if (!source) throw new Error("bad seeded source");
    const { app } = exporterApp(scc, {
      where: findingsLocation({ source }),
      clusters: parseGkeClusterMap(
        JSON.stringify({ "prod-eu": "projects/acme-prod/locations/europe-west1/clusters/prod-eu" }),
      ),
      markInactiveAfterKill: false,
    });
    const command = exportCommand("sidekick-critical-drop-exec.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    const outcome = outcomeFor(command, {
      service: "isolator",
      action: "isolate-pod",
      result: "done",
      reason: isolation.reason,
      details: {
        enforced: false,
        enforcement: "neither GKE Dataplane V2 nor network policy enforcement is on",
      },
    });
    expect((await app.request("/outcomes", pushRequest(outcome))).status).toBe(204);
    expect(standin.finding(command.incident)?.sourceProperties).toMatchObject({
      riposte_isolator: "done",
      riposte_isolator_enforced: "false",
      riposte_isolator_enforcement: "neither GKE Dataplane V2 nor network policy enforcement is on",
    });
  });
});
