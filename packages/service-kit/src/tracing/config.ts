// Tracing configuration, read from the environment once (this is a config module).
import { z } from "zod";
import { type Env, loadConfig } from "../config.js";

export const tracingEnvSchema = z.object({
  RIPOSTE_TRACE_EXPORTER: z
    .enum(["otlp", "gcp", "none"])
    .optional()
    .describe(
      "otlp: OTLP/HTTP to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; gcp: Cloud Trace's OTLP endpoint with ADC; none.",
    ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url()
    .optional()
    .describe("OTLP/HTTP traces URL (e.g. the local receiver of riposte dev)"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional().describe("OTLP/HTTP base URL (/v1/traces is appended)"),
  RIPOSTE_TRACE_SAMPLE_RATIO: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe(
      "Share of new traces (incidents) sampled; 1 = every incident (the default: incidents are rare and precious).",
    ),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).default("riposte-local").describe("project for Cloud Trace"),
  K_SERVICE: z
    .string()
    .optional()
    .describe("Set by Cloud Run: the service name and revision, and a sign we run on Google Cloud."),
  K_REVISION: z.string().optional().describe("set by Cloud Run"),
});

export type TracingConfig = z.output<typeof tracingEnvSchema>;

export type ExporterChoice =
  | { kind: "none" }
  | { kind: "otlp"; url: string }
  | { kind: "gcp"; url: string; projectId: string };

export const CLOUD_TRACE_OTLP_URL = "https://telemetry.googleapis.com/v1/traces";

export function loadTracingConfig(env?: Env): TracingConfig {
  return loadConfig(tracingEnvSchema, env);
}

/** Which exporter: explicit choice, else OTLP when an endpoint is set, else Cloud Trace on Cloud Run, else none. */
export function exporterFor(config: TracingConfig): ExporterChoice {
  const otlpUrl =
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (config.OTEL_EXPORTER_OTLP_ENDPOINT
      ? `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, "")}/v1/traces`
      : undefined);
  const choice = config.RIPOSTE_TRACE_EXPORTER ?? (otlpUrl ? "otlp" : config.K_SERVICE ? "gcp" : "none");
  if (choice === "none") return { kind: "none" };
  if (choice === "gcp")
    return { kind: "gcp", url: otlpUrl ?? CLOUD_TRACE_OTLP_URL, projectId: config.GOOGLE_CLOUD_PROJECT };
  if (!otlpUrl)
    throw new Error(
      "RIPOSTE_TRACE_EXPORTER=otlp needs OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT",
    );
  return { kind: "otlp", url: otlpUrl };
}
