// Starting OpenTelemetry: a tracer provider with only the instrumentations Riposte needs (undici for the
// Kubernetes API — client-node 2 sends with undici — and for fetch to Slack and webhooks, outgoing
// node:http for any client still on it, gRPC for Pub/Sub and SCC), W3C propagation, parent-based
// sampling, and an OTLP/HTTP exporter (Cloud Trace's OTLP endpoint with Google auth on GCP).
// Registered by hand rather than through the Node SDK: Riposte exports traces only, and the SDK also
// loads the logs and metrics SDKs and every exporter it could be configured with (bench/findings.md).
import type { IncomingMessage } from "node:http";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  type IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { type ExporterChoice, exporterFor, type TracingConfig } from "./config.js";
import { traceIdHint } from "./context.js";

export interface TracingHandle {
  exporter: ExporterChoice;
  /** Flushes pending spans and stops the SDK; called on SIGTERM. */
  shutdown(): Promise<void>;
}

/** OTLP headers for Cloud Trace: an ADC access token (cached and refreshed by google-auth-library). */
function googleAuthHeaders(projectId: string): () => Promise<Record<string, string>> {
  // Loaded only on Google Cloud, off the start-up path elsewhere.
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import("google-auth-library").then(
      ({ GoogleAuth }) => new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }),
    );
    const token = await (await auth).getAccessToken();
    return { authorization: `Bearer ${token ?? ""}`, "x-goog-user-project": projectId };
  };
}

/**
 * One incident, one trace: a root span started for an alert gets the incident key as its trace id,
 * so every service, every redelivery and `riposte trace <incident>` land on the same trace, and a
 * trace link can be built from the incident alone. Other ids are random.
 */
export class IncidentTraceIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  generateTraceId(): string {
    return traceIdHint.getStore() ?? this.random.generateTraceId();
  }
  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

/**
 * What the Node SDK's start() registers for traces, without it: the context manager (AsyncLocalStorage,
 * on Node 24's AsyncContextFrame), W3C trace context and baggage propagation, and the provider.
 */
export function registerTracerProvider(provider: TracerProvider): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
}

export function startTracing(serviceName: string, config: TracingConfig): TracingHandle {
  const exporter = exporterFor(config);
  if (exporter.kind === "none") return { exporter, shutdown: async () => {} };

  const traceExporter = new OTLPTraceExporter({
    url: exporter.url,
    ...(exporter.kind === "gcp" ? { headers: googleAuthHeaders(exporter.projectId) } : {}),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": serviceName,
      "service.namespace": "riposte",
      ...(config.K_REVISION
        ? { "service.version": config.K_REVISION, "faas.version": config.K_REVISION }
        : {}),
      ...(config.K_SERVICE
        ? { "cloud.provider": "gcp", "cloud.platform": "gcp_cloud_run", "faas.name": config.K_SERVICE }
        : {}),
      "gcp.project_id": config.GOOGLE_CLOUD_PROJECT,
    }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: traceExporter, scheduledDelayMillis: 200, maxExportBatchSize: 512 }),
    ],
    idGenerator: new IncidentTraceIds(),
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(config.RIPOSTE_TRACE_SAMPLE_RATIO),
    }),
  });
  registerTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Push requests are traced by the push handler from the message's own context; an extra
        // server span here would start an unrelated trace per delivery.
        ignoreIncomingRequestHook: (_request: IncomingMessage) => true,
      }),
      new UndiciInstrumentation(),
      new GrpcInstrumentation(),
    ],
  });
  return { exporter, shutdown: () => provider.shutdown() };
}
