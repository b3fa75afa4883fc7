// The router fed by a Cloud Logging log sink instead of falcosidekick, on the real emulator: the
// LogEntry is published raw to falco-events (as a sink publishes it) and the alert inside is routed
// exactly like the same alert from falcosidekick; Falco's start-up lines are acked and counted.
import { parseRfc3339Nanos } from "@riposte/contracts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline({ emulatorHost: inject("pubsubEmulatorHost"), services: ["router"] });
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

const NODE = "gke-prod-batch-pool-8d2e1f4a-w3rt";
const ROUTED_TO = ["notifier", "pod-killer", "scc-exporter"] as const;

/** One alert as falcosidekick publishes it (with the cluster customfield) and as Falco wrote it. */
function twinAlert() {
  const probe = freshAlert("sidekick-critical-drop-exec.json");
  const time = JSON.parse(probe.json).time as string;
  const timeNs = parseRfc3339Nanos(time);
  if (!timeNs.ok) throw new Error(timeNs.message);
  // evt.time is the event time in nanoseconds: 19 digits, past what a double holds exactly.
  const sidekick = freshAlert("sidekick-critical-drop-exec.json", {
    top: { time },
    fields: { "evt.time": timeNs.ns, cluster: "prod-eu" },
  });
  const falco = sidekick.json.replace(/"uuid":"[^"]*",/, "").replace(/,?"cluster":"prod-eu"/, "");
  return { sidekick, falco, time };
}

/** What a sink publishes: the LogEntry (v2) around Falco's stdout line. */
function logEntry(payload: { jsonPayload: string } | { textPayload: string }, timestamp: string): string {
  const body =
    "jsonPayload" in payload
      ? `"jsonPayload":${payload.jsonPayload}`
      : `"textPayload":${JSON.stringify(payload.textPayload)}`;
  return `{"insertId":"8h3k2j1l0m${Date.now()}",${body},"resource":{"type":"k8s_container","labels":{"project_id":"acme-prod","location":"europe-west1","cluster_name":"prod-eu","namespace_name":"falco","pod_name":"falco-x7k2p","container_name":"falco"}},"timestamp":"${timestamp}","severity":"INFO","labels":{"compute.googleapis.com/resource_name":"${NODE}","k8s-pod/app_kubernetes_io/name":"falco"},"logName":"projects/acme-prod/logs/stdout","receiveTimestamp":"${new Date().toISOString()}"}`;
}

/** jsonPayload is a protobuf Struct: every number a double, 19-digit integers rounded. */
const asDoubles = (json: string) =>
  json.replace(/(?<=[:,[])(-?[0-9]{16,})(?=[,}\]])/g, (digits) => Number(digits).toExponential());

function publishAsSink(entry: string): Promise<string> {
  return pipeline.pubsub.topic("falco-events").publishMessage({
    data: Buffer.from(entry),
    attributes: { "logging.googleapis.com/timestamp": new Date().toISOString() },
  });
}

interface RoutedCommand {
  issuedAt?: string;
  /** Its notAfter is issuedAt + the wait: a time, set aside like issuedAt. */
  order?: { after: string[]; notAfter?: string };
  incident?: string;
  target?: Record<string, unknown>;
  alert: { time: string; timeNs: string; outputFields: Record<string, unknown> };
}

/** The commands for an incident, and the same made comparable across incidents (time set aside). */
async function commandsFor(incident: string) {
  const messages = [];
  const comparable = [];
  for (const topic of ROUTED_TO) {
    const [message] = await pipeline.tapped(topic, incident);
    const command = message?.json<RoutedCommand>();
    if (!command) throw new Error(`no ${topic} command for incident ${incident}`);
    messages.push({ topic, command });
    const { issuedAt: _issued, incident: _incident, alert, order, ...rest } = command;
    const { "evt.time": _evtTime, cluster: _cluster, ...outputFields } = alert.outputFields;
    const { time: _time, timeNs: _timeNs, ...summary } = alert;
    const attributes = { ...message?.attributes, incident: "…" };
    comparable.push({
      topic,
      ...rest,
      ...(order ? { order: { after: order.after } } : {}),
      alert: { ...summary, outputFields },
      attributes,
    });
  }
  return { messages, comparable };
}

describe("router end to end, fed by a Cloud Logging sink", { timeout: 60_000 }, () => {
  it.each(["jsonPayload", "textPayload"] as const)(
    "an alert in %s is routed like the same alert from falcosidekick: same incident, same commands",
    async (carrier) => {
      const reference = twinAlert();
      await pipeline.sendAlert(reference.sidekick.json);
      const expected = await commandsFor(reference.sidekick.incident);

      const alert = twinAlert();
      const payload =
        carrier === "jsonPayload" ? { jsonPayload: asDoubles(alert.falco) } : { textPayload: alert.falco };
      if (carrier === "jsonPayload") expect(payload.jsonPayload).toMatch(/"evt\.time":[0-9.]+e\+18/);
      await publishAsSink(logEntry(payload, alert.time));
      // The incident key is the one falcosidekick's copy of the alert has.
      const routed = await commandsFor(alert.sidekick.incident);
      expect(routed.comparable).toEqual(expected.comparable);
      const kill = routed.messages.find(({ topic }) => topic === "pod-killer")?.command;
      expect(kill).toMatchObject({
        target: { cluster: "prod-eu", node: NODE, namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2" },
        alert: { time: alert.time },
      });
      // evt.time is the exact instant again (19 digits), not the double that arrived.
      expect(kill?.alert.outputFields["evt.time"]).toBe(kill?.alert.timeNs);

      // falcosidekick's copy of the same alert is the same incident: a duplicate, not routed again.
      await pipeline.sendAlert(alert.sidekick.json);
      const deadline = Date.now() + 10_000;
      const duplicate = () =>
        pipeline.logs.router?.some(
          (l) => l.includes(alert.sidekick.incident) && l.includes("duplicate alert"),
        );
      while (!duplicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(duplicate()).toBe(true);
      expect(await pipeline.tapped("pod-killer", alert.sidekick.incident, { timeoutMs: 1_000 })).toEqual([]);
    },
  );

  it("Falco's start-up line is acked and counted: not routed, not quarantined", async () => {
    const line = `Sat Dec  5 12:00:00 2026: Falco initialized with configuration files: /etc/falco/falco.yaml ${Date.now()}`;
    const entry = logEntry({ textPayload: line }, new Date().toISOString());
    await publishAsSink(entry);
    const deadline = Date.now() + 10_000;
    while (!pipeline.logs.router?.some((l) => l.includes("not an alert")) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(pipeline.logs.router?.join("\n")).toMatch(
      /"notAlerts":1\b.*not an alert|not an alert.*"notAlerts":1\b/,
    );
    const quarantined = await pipeline.tap("quarantine", { count: 10, timeoutMs: 2_000 });
    expect(
      quarantined.filter((m) => Buffer.from(m.json<{ data: string }>().data, "base64").toString() === entry),
    ).toEqual([]);
    expect(pipeline.logs.router?.join("\n")).not.toMatch(/message rejected/);
  });
});
