// One incident, one trace: a Critical alert through every service, spans exported over OTLP/HTTP to a
// real receiver, and every service's log lines about the incident carrying the same trace id.
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import {
  type CollectedSpan,
  type OtlpReceiver,
  type SccStandin,
  startOtlpReceiver,
  startSccStandin,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";
import { killAtOncePlaybooksFile } from "./playbooks.js";

let otlp: OtlpReceiver;
let sim: SimCluster;
let scc: SccStandin;
let webhooks: WebhookReceiver;
let pipeline: Pipeline;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  sim = await startSim({ seed: demoSeed() });
  scc = await startSccStandin();
  webhooks = await startWebhookReceiver();
  const source = scc.seedSource({ organization: "123456789", displayName: "Riposte" });
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "pod-killer", "notifier", "scc-exporter"],
    local: {
      kubernetesUrl: sim.url,
      slackWebhookUrl: webhooks.url("/services/T0/B0/trace"),
      webhookUrl: webhooks.url("/soar"),
      sccEndpoint: `127.0.0.1:${scc.port}`,
      sccSourceName: source.name,
    },
    commonEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint },
    // The spans of router, pod-killer, notifier and scc-exporter: the kill without the chain before it.
    env: { router: { PLAYBOOKS_FILE: killAtOncePlaybooksFile() } },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await Promise.allSettled([otlp?.close(), sim?.stop(), scc?.close(), webhooks?.close()]);
});

const SERVICES = ["router", "pod-killer", "notifier", "scc-exporter"];

describe("one incident, one trace", { timeout: 60_000 }, () => {
  it("router, pod-killer, notifier and scc-exporter spans share the incident's trace, with correct parents", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json");
    await pipeline.sendAlert(alert.json);
    const ofIncident = (all: CollectedSpan[]) => all.filter((span) => span.traceId === alert.incident);
    // Spans arrive in batches from four processes: wait until every service is in and no parent is missing.
    const complete = (mine: CollectedSpan[]) => {
      const services = new Set(mine.map((span) => span.service));
      const ids = new Set(mine.map((span) => span.spanId));
      return (
        SERVICES.every((service) => services.has(service)) &&
        mine.some((span) => span.name.includes("/outcomes") && span.service === "notifier") &&
        mine.every((span) => !span.parentSpanId || ids.has(span.parentSpanId))
      );
    };
    const spans = ofIncident(await otlp.waitForSpans((all) => complete(ofIncident(all)), 30_000));
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(SERVICES));
    expect(spans.length).toBeGreaterThanOrEqual(6);

    // Exactly one root, the router's; every other span's parent is in the trace.
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => !span.parentSpanId);
    expect(roots.map((span) => span.name)).toEqual(["router process"]);
    for (const span of spans)
      if (span.parentSpanId) expect(ids.has(span.parentSpanId), `${span.service} ${span.name}`).toBe(true);

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: CollectedSpan | undefined) =>
      span?.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    const killerProcess = spans.find((span) => span.name === "pod-killer process");
    const decide = spans.find((span) => span.name === "router decide");
    expect(parentOf(decide)?.name).toBe("router process");
    // The pod-killer continues from the publish inside the router's decision.
    let ancestor = parentOf(killerProcess);
    while (ancestor && ancestor.name !== "router decide") ancestor = parentOf(ancestor);
    expect(ancestor?.spanId).toBe(decide?.spanId);
    const kill = spans.find((span) => span.name === "kill-pod");
    expect(kill?.attributes).toMatchObject({
      "riposte.incident": alert.incident,
      "falco.rule": "Drop and execute new binary in container",
      "falco.priority": "Critical",
      "k8s.namespace.name": "jobs",
      "k8s.pod.name": "batch-worker-6f7d8-zx9k2",
      "riposte.outcome": "done",
    });
    // Its Kubernetes calls are client spans beneath it (client-node 2 sends them with undici, whose
    // instrumentation traces them; client-node 1 went through node:http).
    const podPath = "/api/v1/namespaces/jobs/pods/batch-worker-6f7d8-zx9k2";
    const calls = spans
      .filter((span) => span.parentSpanId === kill?.spanId && span.attributes["url.path"] === podPath)
      .map((span) => span.attributes["http.request.method"]);
    expect(calls).toEqual(expect.arrayContaining(["GET", "DELETE"]));
    expect(decide?.attributes["riposte.actions"]).toEqual(
      expect.arrayContaining(["kill-pod", "notify", "export-finding"]),
    );
  });

  it("every service's log lines about the incident carry the trace id", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json", {
      fields: { "k8s.pod.name": "batch-worker-6f7d8-zx9k2" },
    });
    sim.reset();
    await pipeline.sendAlert(alert.json);
    await otlp.waitForSpans(
      (all) =>
        all.some(
          (s) => s.traceId === alert.incident && s.service === "notifier" && s.name.includes("/outcomes"),
        ),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const service of SERVICES) {
      const lines = (pipeline.logs[service] ?? [])
        .filter((line) => line.includes(alert.incident))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.length, service).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line["logging.googleapis.com/trace"], `${service}: ${line.message}`).toBe(
          `projects/${pipeline.projectId}/traces/${alert.incident}`,
        );
        expect(line["logging.googleapis.com/spanId"]).toMatch(/^[0-9a-f]{16}$/);
      }
    }
  });
});
