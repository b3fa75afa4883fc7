// Trace propagation through the push app, with a real SDK tracer provider and an in-memory exporter.
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonMessageDecoder } from "../decode.js";
import { createLogger } from "../log.js";
import { createMemoryPublisher } from "../publisher.js";
import { createPushApp, pushRoute } from "../push.js";
import { pushRequest } from "../testing/envelope.js";
import { exporterFor, loadTracingConfig } from "./config.js";
import { IncidentTraceIds, registerTracerProvider } from "./sdk.js";

const exporter = new InMemorySpanExporter();
let provider: TracerProvider;

beforeAll(() => {
  provider = new TracerProvider({
    idGenerator: new IncidentTraceIds(),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  // As the services register theirs (startTracing), without the instrumentations.
  registerTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const Msg = z.object({ incident: z.string() });
const INCIDENT = "0123456789abcdef0123456789abcdef";

function setup(lines: string[] = []) {
  const publisher = createMemoryPublisher();
  const logger = createLogger({
    service: "svc",
    projectId: "proj",
    destination: { write: (line: string) => lines.push(line) },
  });
  const app = createPushApp({
    service: "svc",
    publisher,
    logger,
    routes: [
      pushRoute(
        "/",
        jsonMessageDecoder(Msg),
        async (message, ctx) => {
          ctx.logger.info("handling");
          await publisher.publish("next", message, { incident: message.incident });
        },
        { traceIdOf: (message) => message.incident },
      ),
    ],
  });
  return { app, publisher };
}

describe("tracing across Pub/Sub", () => {
  it("a message without context starts a trace whose id is the incident key", async () => {
    const { app } = setup();
    await app.request("/", pushRequest({ incident: INCIDENT }));
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("svc process");
    expect(span?.spanContext().traceId).toBe(INCIDENT);
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it("a message with context continues its trace, and what it publishes carries the context on", async () => {
    const lines: string[] = [];
    const { app, publisher } = setup(lines);
    const parent = "00-aaaabbbbccccddddeeeeffff00001111-2222333344445555-01";
    await app.request("/", pushRequest({ incident: INCIDENT }, { googclient_traceparent: parent }));
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe("aaaabbbbccccddddeeeeffff00001111");
    expect(span?.parentSpanContext?.spanId).toBe("2222333344445555");
    const [next] = publisher.on("next");
    expect(next?.attributes.traceparent).toBe(
      `00-aaaabbbbccccddddeeeeffff00001111-${span?.spanContext().spanId}-01`,
    );
    expect(next?.attributes.googclient_traceparent).toBe(next?.attributes.traceparent);
    const handling = lines.map((line) => JSON.parse(line)).find((entry) => entry.message === "handling");
    expect(handling).toMatchObject({
      "logging.googleapis.com/trace": "projects/proj/traces/aaaabbbbccccddddeeeeffff00001111",
      "logging.googleapis.com/spanId": span?.spanContext().spanId,
      "logging.googleapis.com/trace_sampled": true,
    });
  });

  it("plain traceparent works too", async () => {
    const { app } = setup();
    await app.request(
      "/",
      pushRequest(
        { incident: INCIDENT },
        { traceparent: "00-11112222333344445555666677778888-9999aaaabbbbcccc-01" },
      ),
    );
    expect(exporter.getFinishedSpans()[0]?.spanContext().traceId).toBe("11112222333344445555666677778888");
  });
});

describe("exporter choice", () => {
  it("OTLP when an endpoint is set, Cloud Trace on Cloud Run, else none", () => {
    expect(exporterFor(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }))).toEqual({
      kind: "otlp",
      url: "http://127.0.0.1:4318/v1/traces",
    });
    expect(exporterFor(loadTracingConfig({ K_SERVICE: "router", GOOGLE_CLOUD_PROJECT: "p" }))).toEqual({
      kind: "gcp",
      url: "https://telemetry.googleapis.com/v1/traces",
      projectId: "p",
    });
    expect(exporterFor(loadTracingConfig({}))).toEqual({ kind: "none" });
    expect(() => exporterFor(loadTracingConfig({ RIPOSTE_TRACE_EXPORTER: "otlp" }))).toThrow(
      /needs OTEL_EXPORTER_OTLP/,
    );
  });
});
