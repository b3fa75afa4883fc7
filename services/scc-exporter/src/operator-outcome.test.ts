// An operator's undo (`riposte release` / `riposte untaint`) reaches the scc-exporter as an outcome
// without alert: it is recorded on the incident's existing finding as riposte_operator*, who and why
// in the reason, the rest of the finding (state included) untouched.
import { operatorOutcome } from "@riposte/contracts";
import { pushRequest } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import { parseGkeClusterMap } from "./gke-clusters.js";
import { findingsLocation, parseSccSourceName } from "./scc-names.js";
import { exportCommand } from "./test-messages.js";
import { exporterApp, useSccStandin } from "./testing/fixture.js";

const { standin, scc } = await useSccStandin();

function setup() {
  const source = parseSccSourceName(
    standin.seedSource({ organization: "123456789", displayName: "Riposte" }).name,
  );
  if (!source) throw new Error("bad seeded source");
  return exporterApp(scc, {
    where: findingsLocation({ source }),
    clusters: parseGkeClusterMap(
      JSON.stringify({ "prod-eu": "projects/acme-prod/locations/europe-west1/clusters/prod-eu" }),
    ),
    markInactiveAfterKill: true,
  }).app;
}

describe("scc-exporter: an operator's release or untaint", () => {
  it("is recorded on the finding as riposte_operator (action, who and why), the finding otherwise unchanged", async () => {
    const app = setup();
    const command = exportCommand("sidekick-critical-drop-exec.json");
    await app.request("/", pushRequest(command));
    const before = standin.finding(command.incident);
    const outcome = operatorOutcome({
      action: "untaint-node",
      incident: command.incident,
      summary: "lifted taint riposte.dev/compromised from node gke-prod-batch-pool-8d2e1f4a-w3rt",
      by: "alice",
      reason: 'reimaged; "<!channel>" \u0024{jndi:x}',
      object: { kind: "Node", name: "gke-prod-batch-pool-8d2e1f4a-w3rt" },
      at: new Date("2026-01-02T03:04:05.000Z"),
    });
    expect((await app.request("/outcomes", pushRequest(outcome))).status).toBe(204);
    const after = standin.finding(command.incident);
    expect(after?.sourceProperties).toEqual({
      ...before?.sourceProperties,
      riposte_operator: "done",
      riposte_operator_action: "untaint-node",
      riposte_operator_reason:
        'lifted taint riposte.dev/compromised from node gke-prod-batch-pool-8d2e1f4a-w3rt by alice: reimaged; "<!channel>" \u0024{jndi:x}',
      riposte_operator_at: "2026-01-02T03:04:05.000Z",
    });
    expect(after?.state).toBe(before?.state);
  });

  it("no finding for the incident: nothing created", async () => {
    const app = setup();
    const outcome = operatorOutcome({
      action: "release-pod",
      incident: "0123456789abcdef0123456789abcdef",
      summary: "released pod shop/web from quarantine",
      by: "alice",
      reason: "false positive",
      object: { kind: "Pod", namespace: "shop", name: "web" },
      at: new Date(),
    });
    expect((await app.request("/outcomes", pushRequest(outcome))).status).toBe(204);
    expect(standin.findings).toEqual([]);
  });
});
