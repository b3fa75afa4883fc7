// The router fed by a Cloud Logging sink: a LogEntry-wrapped alert is routed exactly as the same
// alert from falcosidekick; Falco's other log lines are acked and counted, never routed or quarantined.
import { createLogger } from "@riposte/service-kit";
import { createMemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./playbooks/default-playbooks.js";
import { parsePlaybooks } from "./playbooks/load.js";
import { exampleText } from "./test-alerts.js";
import { ledgerForTest } from "./test-ledger.js";

const NOW = new Date("2024-11-23T12:44:20.000Z");

beforeAll(() => ledgerForTest().warmUp(), 60_000);

function setup() {
  const publisher = createMemoryPublisher();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "router",
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  const app = createApp({
    push: { service: "router", publisher, logger },
    publisher,
    ledger: ledgerForTest(undefined, { now: () => NOW }),
    playbooks: parsePlaybooks(DEFAULT_PLAYBOOKS_YAML),
    dedupWindowSeconds: 60,
    clusterField: "cluster",
    dryRun: false,
    now: () => NOW,
  });
  return { app, publisher, lines };
}

/** A LogEntry as a sink publishes it, around Falco's line (jsonPayload: numbers as doubles). */
function logEntry(payload: { jsonPayload: string } | { textPayload: string }): string {
  const body =
    "jsonPayload" in payload
      ? `"jsonPayload":${payload.jsonPayload}`
      : `"textPayload":${JSON.stringify(payload.textPayload)}`;
  return `{"insertId":"x1",${body},"resource":{"type":"k8s_container","labels":{"cluster_name":"prod-eu","namespace_name":"falco","pod_name":"falco-x7k2p","container_name":"falco"}},"timestamp":"2024-11-23T12:44:18.900100200Z","labels":{"compute.googleapis.com/resource_name":"gke-prod-batch-pool-8d2e1f4a-w3rt"},"logName":"projects/acme-prod/logs/stdout"}`;
}

const sidekickJson = exampleText("sidekick-critical-drop-exec.json", { fields: { cluster: "prod-eu" } });
/** The same alert as Falco wrote it: no uuid, no falcosidekick customfield. */
const falcoJson = sidekickJson.replace(/"uuid":"[^"]*",/, "").replace(/,?"cluster":"prod-eu"/, "");
const asDoubles = (json: string) =>
  json.replace(/(?<=[:,[])(-?[0-9]{16,})(?=[,}\]])/g, (digits) => Number(digits).toExponential());

/** Commands as published, without what only the carrier changes (falcosidekick's customfield). */
function commandsOf(publisher: ReturnType<typeof createMemoryPublisher>) {
  return publisher.published
    .map(({ topic, message, attributes }) => {
      const copy = JSON.parse(JSON.stringify(message));
      if (copy.alert?.outputFields) delete copy.alert.outputFields.cluster;
      return { topic, message: copy, attributes };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

describe("router app fed by a Cloud Logging sink", () => {
  it.each([
    ["jsonPayload (a rounded 19-digit evt.time)", logEntry({ jsonPayload: asDoubles(falcoJson) })],
    ["textPayload", logEntry({ textPayload: falcoJson })],
  ])("routes an alert in %s exactly like the same alert from falcosidekick", async (_, entry) => {
    expect(falcoJson).not.toContain("uuid");
    const viaSidekick = setup();
    expect((await viaSidekick.app.request("/", pushRequest(sidekickJson))).status).toBe(204);
    const viaSink = setup();
    expect((await viaSink.app.request("/", pushRequest(entry))).status).toBe(204);
    expect(viaSink.publisher.on("quarantine")).toEqual([]);
    expect(commandsOf(viaSink.publisher)).toEqual(commandsOf(viaSidekick.publisher));
    expect(viaSink.publisher.on("pod-killer")[0]?.message).toMatchObject({
      target: { cluster: "prod-eu", namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2" },
    });
    expect(viaSink.app.stats.routed).toBe(1);
  });

  it("acks and counts Falco's start-up lines: not routed, not quarantined", async () => {
    const { app, publisher, lines } = setup();
    const startup = [
      logEntry({ textPayload: "Sat Dec  5 12:00:00 2026: Falco initialized with configuration files:" }),
      logEntry({ textPayload: "Sat Dec  5 12:00:00 2026: Loading rules from:" }),
      logEntry({ jsonPayload: '{"message":"Enabled event sources: syscall"}' }),
    ];
    for (const entry of startup) expect((await app.request("/", pushRequest(entry))).status).toBe(204);
    expect(publisher.published).toEqual([]);
    expect(app.stats.notAlerts).toBe(3);
    expect(app.stats.routed + app.stats.unmatched).toBe(0);
    const counted = lines.filter((line) => typeof line.notAlerts === "number");
    expect(counted[0]).toMatchObject({ notAlerts: 1, message: expect.stringMatching(/not an alert/) });
  });

  it("quarantines a broken alert inside a LogEntry, naming where it sat", async () => {
    const { app, publisher } = setup();
    const broken = logEntry({ jsonPayload: '{"rule":"x","priority":"Loud","time":"2024-11-23T12:44:18Z"}' });
    expect((await app.request("/", pushRequest(broken))).status).toBe(204);
    const [record] = publisher.on("quarantine");
    expect(record?.message).toMatchObject({ reason: { path: "$.jsonPayload.priority" } });
  });
});
