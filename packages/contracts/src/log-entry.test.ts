// A Falco alert as a Cloud Logging sink publishes it (a LogEntry, alert in jsonPayload or as JSON
// text in textPayload) parses to the same alert as from falcosidekick; Falco's other log lines are
// told apart (not alerts), and names taken from the LogEntry are validated like the alert's own.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFalcoAlert, parseFalcoMessage } from "./alert.js";
import type { JsonObject } from "./json.js";
import { parseJsonLossless, stringifyJsonLossless } from "./json.js";

const FIXTURES = new URL("./fixtures/", import.meta.url);

function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

/** A fixture as Falco itself wrote it (no falcosidekick uuid). */
function falcoAlertDocument(name: string): JsonObject {
  const parsed = parseJsonLossless(fixtureText(name));
  if (!parsed.ok) throw new Error(parsed.error.message);
  const document = parsed.value as JsonObject;
  delete document.uuid;
  return document;
}

const NODE = "gke-prod-batch-pool-8d2e1f4a-w3rt";

/** The LogEntry around a line of Falco's stdout, as a sink publishes it (v2 format). */
function logEntry(
  payload: { jsonPayload: string } | { textPayload: string },
  resourceLabels?: object,
): string {
  const labels = resourceLabels ?? {
    project_id: "acme-prod",
    location: "europe-west1",
    cluster_name: "prod-eu",
    namespace_name: "falco",
    pod_name: "falco-x7k2p",
    container_name: "falco",
  };
  const body =
    "jsonPayload" in payload
      ? `"jsonPayload":${payload.jsonPayload}`
      : `"textPayload":${JSON.stringify(payload.textPayload)}`;
  return `{"insertId":"abc123","${"jsonPayload" in payload ? "j" : "t"}":0,${body},"resource":{"type":"k8s_container","labels":${JSON.stringify(labels)}},"timestamp":"2024-11-23T12:44:18.900100200Z","severity":"INFO","labels":{"compute.googleapis.com/resource_name":"${NODE}","k8s-pod/app_kubernetes_io/name":"falco"},"logName":"projects/acme-prod/logs/stdout","receiveTimestamp":"2024-11-23T12:44:20.112233445Z"}`;
}

/** Falco's JSON as the sink sends jsonPayload: a Struct, so every number is a double. */
function asDoubles(json: string): string {
  return json.replace(/(?<=[:,[])(-?[0-9]{16,})(?=[,}\]])/g, (digits) => Number(digits).toExponential());
}

function parseAlert(input: string) {
  const result = parseFalcoAlert(input);
  if (!result.ok) throw new Error(`${result.error.path}: ${result.error.message}`);
  return result.alert;
}

describe("a Falco alert in a Cloud Logging LogEntry", () => {
  const falcoJson = stringifyJsonLossless(falcoAlertDocument("sidekick-critical-drop-exec.json"));
  const fromSidekick = parseAlert(fixtureText("sidekick-critical-drop-exec.json"));

  it("in jsonPayload, its 19-digit evt.time rounded: the same incident, time and output fields", () => {
    const rounded = asDoubles(fixtureText("sidekick-critical-drop-exec.json").replace(/"uuid":"[^"]*",/, ""));
    expect(rounded).toContain('"evt.time":1.7323658589001e+18');
    const alert = parseAlert(logEntry({ jsonPayload: rounded }));
    expect(alert.incidentKey).toBe(fromSidekick.incidentKey);
    expect(alert.timeNs).toBe(fromSidekick.timeNs);
    expect(alert.rule).toBe(fromSidekick.rule);
    // The event time survived exactly in `time`: evt.time is that instant again, not the double.
    expect(alert.outputFields["evt.time"]).toBe(1732365858900100200n);
    expect(alert.outputFields).toEqual(fromSidekick.outputFields);
    expect(alert.target).toEqual({ ...fromSidekick.target, cluster: "prod-eu" });
  });

  it("as JSON text in textPayload: the same incident, the cluster from resource.labels", () => {
    const alert = parseAlert(logEntry({ textPayload: falcoJson }));
    expect(alert.incidentKey).toBe(fromSidekick.incidentKey);
    expect(alert.outputFields).toEqual(fromSidekick.outputFields);
    expect(alert.target.cluster).toBe("prod-eu");
    // Falco's own pod and namespace (resource.labels) are never the target's.
    expect(alert.target.namespace).toBe("jobs");
    expect(alert.target.pod).toBe("batch-worker-6f7d8-zx9k2");
  });

  it("without `time` in jsonPayload (taken out by the logging agent): the LogEntry timestamp, exact", () => {
    const document = falcoAlertDocument("sidekick-critical-drop-exec.json");
    delete document.time;
    const alert = parseAlert(logEntry({ jsonPayload: asDoubles(stringifyJsonLossless(document)) }));
    expect(alert.timeNs).toBe(fromSidekick.timeNs);
    expect(alert.incidentKey).toBe(fromSidekick.incidentKey);
  });

  it("the alert's own cluster and hostname win over the LogEntry's", () => {
    const document = falcoAlertDocument("sidekick-critical-drop-exec.json");
    (document.output_fields as JsonObject).cluster = "own-cluster";
    const alert = parseAlert(logEntry({ textPayload: stringifyJsonLossless(document) }));
    expect(alert.target.cluster).toBe("own-cluster");
    expect(alert.target.node).toBe(NODE);
  });

  it("the node from labels.compute.googleapis.com/resource_name when the alert has no hostname", () => {
    const document = falcoAlertDocument("sidekick-critical-drop-exec.json");
    delete document.hostname;
    const alert = parseAlert(logEntry({ textPayload: stringifyJsonLossless(document) }));
    expect(alert.target.node).toBe(NODE);
    expect(alert.hostname).toBeUndefined();
  });

  it("a k8s_audit alert's node is not Falco's node", () => {
    const document = falcoAlertDocument("k8saudit-exec.json");
    delete document.hostname;
    const alert = parseAlert(logEntry({ textPayload: stringifyJsonLossless(document) }));
    expect(alert.target.node).toBeUndefined();
    expect(alert.target.cluster).toBe("prod-eu");
  });

  it.each([
    ["a slash", "prod/../../other"],
    ["control characters", "prod\u0000\u001b[31m"],
    ["300 characters", "a".repeat(300)],
  ])("refuses a cluster_name with %s, saying why, and still parses the alert", (_, hostile) => {
    const alert = parseAlert(
      logEntry({ textPayload: falcoJson }, { cluster_name: hostile, namespace_name: "falco" }),
    );
    expect(alert.target.cluster).toBeUndefined();
    expect(alert.target.rejected).toEqual([
      expect.objectContaining({
        field: "resource.labels.cluster_name",
        reason: expect.stringMatching(/DNS-1123 label|longer than 63/),
      }),
    ]);
  });

  it("refuses a hostile node label, saying why, and leaves the node unknown", () => {
    const document = falcoAlertDocument("sidekick-critical-drop-exec.json");
    delete document.hostname;
    const entry = logEntry({ textPayload: stringifyJsonLossless(document) }).replace(
      `"compute.googleapis.com/resource_name":"${NODE}"`,
      '"compute.googleapis.com/resource_name":"../../etc/passwd\\u0007"',
    );
    const alert = parseAlert(entry);
    expect(alert.target.node).toBeUndefined();
    expect(alert.target.rejected).toEqual([
      expect.objectContaining({
        field: "labels.compute.googleapis.com/resource_name",
        reason: expect.stringMatching(/DNS-1123 subdomain/),
      }),
    ]);
  });

  it("refuses resource.labels that are not strings, naming the path", () => {
    const result = parseFalcoAlert(logEntry({ textPayload: falcoJson }, { cluster_name: 42 }));
    expect(result.ok && result.alert.target.rejected).toEqual([
      expect.objectContaining({
        field: "resource.labels.cluster_name",
        reason: "expected a string, got a number",
      }),
    ]);
    const shape = parseFalcoAlert(
      logEntry({ textPayload: falcoJson }).replace('"labels":{"project_id"', '"labels":[],"x":{"project_id"'),
    );
    expect(shape.ok).toBe(false);
    expect(!shape.ok && shape.error).toMatchObject({
      path: "$.resource.labels",
      message: expect.stringMatching(/object/),
    });
  });
});

describe("Falco's log lines that are not alerts", () => {
  it.each([
    [
      "a start-up message in textPayload",
      { textPayload: "Sat Dec  5 12:00:00 2026: Falco initialized with configuration files:" },
    ],
    ["JSON that is not an alert in textPayload", { textPayload: '{"level":"info","msg":"loaded rules"}' }],
    [
      "jsonPayload without rule, priority or output",
      { jsonPayload: '{"message":"Enabled event sources: syscall"}' },
    ],
  ] as const)("%s: not an alert, with the reason", (_, payload) => {
    const message = parseFalcoMessage(logEntry(payload));
    expect(message).toMatchObject({
      ok: true,
      kind: "not-an-alert",
      reason: expect.stringMatching(/not a Falco alert/),
    });
    const alert = parseFalcoAlert(logEntry(payload));
    expect(alert.ok).toBe(false);
  });

  it("an alert-shaped payload that is broken is an error (quarantined), not a log line", () => {
    const result = parseFalcoMessage(
      logEntry({ jsonPayload: '{"rule":"x","priority":"Loud","time":"2024-11-23T12:44:18Z"}' }),
    );
    expect(result).toMatchObject({ ok: false, error: { path: "$.jsonPayload.priority" } });
  });

  it("a plain alert is an alert, whatever sent it", () => {
    const result = parseFalcoMessage(fixtureText("sidekick-critical-drop-exec.json"));
    expect(result).toMatchObject({ ok: true, kind: "alert" });
  });
});

describe("a k8s_audit alert about a namespaced object that is not a pod", () => {
  it("carries the object's namespace as the target's, and no pod", () => {
    const document = falcoAlertDocument("k8saudit-exec.json");
    document.output_fields = {
      "ka.target.name": "db-credentials",
      "ka.target.namespace": "payments",
      "ka.target.resource": "secrets",
      "ka.user.name": "mallory@acme.example",
      "ka.verb": "get",
    };
    const alert = parseAlert(stringifyJsonLossless(document));
    expect(alert.target.namespace).toBe("payments");
    expect(alert.target.pod).toBeUndefined();
    expect(alert.target.rejected).toEqual([]);
  });

  it("a cluster-scoped object has no namespace; a refused namespace says why", () => {
    const document = falcoAlertDocument("k8saudit-exec.json");
    document.output_fields = { "ka.target.name": "admin", "ka.target.resource": "clusterroles" };
    expect(parseAlert(stringifyJsonLossless(document)).target.namespace).toBeUndefined();
    document.output_fields = { "ka.target.resource": "secrets", "ka.target.namespace": "Pay/ments" };
    const refused = parseAlert(stringifyJsonLossless(document)).target;
    expect(refused.namespace).toBeUndefined();
    expect(refused.rejected).toEqual([expect.objectContaining({ field: "ka.target.namespace" })]);
  });
});
