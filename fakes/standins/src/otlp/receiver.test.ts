// The receiver against the real OTLP/HTTP exporter: what the services send is what it stores.
import { context, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OtlpReceiver, startOtlpReceiver } from "./receiver.js";

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

describe("OTLP receiver", () => {
  it("stores spans exported by the real OTLP/HTTP exporter, with ids, parents, attributes and service", async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "router" }),
      spanProcessors: [
        new SimpleSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces` }),
        }),
      ],
    });
    const tracer = provider.getTracer("test");
    const parent = tracer.startSpan("router process", {
      attributes: { "riposte.incident": "abc", count: 3 },
    });
    const parentContext = parent.spanContext();
    const child = tracer.startSpan("router decide", {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    await provider.forceFlush();
    const spans = await receiver.waitForSpans((all) => all.length >= 2);
    expect(spans.map((s) => s.name).sort()).toEqual(["router decide", "router process"]);
    const stored = receiver.spans({ attribute: ["riposte.incident", "abc"] });
    expect(stored).toEqual([
      expect.objectContaining({
        traceId: parentContext.traceId,
        spanId: parentContext.spanId,
        service: "router",
        attributes: { "riposte.incident": "abc", count: 3 },
      }),
    ]);
    expect(
      receiver.spans({ traceId: parentContext.traceId }).find((s) => s.name === "router decide")
        ?.parentSpanId,
    ).toBe(parentContext.spanId);
    const api = (await (await fetch(`${receiver.url}/api/spans?attribute=riposte.incident=abc`)).json()) as {
      spans: unknown[];
    };
    expect(api.spans).toHaveLength(1);
    await provider.shutdown();
  });

  it("refuses protobuf and garbage with a clear error", async () => {
    const proto = await fetch(`${receiver.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: "x",
    });
    expect(proto.status).toBe(415);
    const garbage = await fetch(`${receiver.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(garbage.status).toBe(400);
  });
});
