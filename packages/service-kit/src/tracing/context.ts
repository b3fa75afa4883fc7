// Trace context across Pub/Sub: carried in message attributes, as `googclient_traceparent` (the
// convention of @google-cloud/pubsub's own OpenTelemetry support) and plain `traceparent`. Push
// requests carry no trace header, so the receiver extracts the context from the attributes itself.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

export const TRACER_NAME = "riposte";

/** The trace id the next root span should get (see IncidentTraceIds in sdk.ts). */
export const traceIdHint = new AsyncLocalStorage<string>();

const TRACE_ID = /^[0-9a-f]{32}$/;

/** Runs `work` so that a root span it starts gets `traceId` (32 lowercase hex, not all zeros). */
export function withTraceIdHint<T>(traceId: string | undefined, work: () => T): T {
  if (!traceId || !TRACE_ID.test(traceId) || /^0+$/.test(traceId)) return work();
  return traceIdHint.run(traceId, work);
}

export function hasRemoteParent(parent: Context): boolean {
  const spanContext = trace.getSpanContext(parent);
  return spanContext !== undefined && trace.isSpanContextValid(spanContext);
}
const PREFIX = "googclient_";

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** The remote parent named by a message's attributes (googclient_ first), or the root context. */
export function contextFromAttributes(attributes: Readonly<Record<string, string>>): Context {
  const prefixed = Object.keys(attributes).some((key) => key.startsWith(PREFIX));
  return propagation.extract(ROOT_CONTEXT, attributes, {
    keys: (carrier) =>
      Object.keys(carrier)
        .filter((key) => (prefixed ? key.startsWith(PREFIX) : true))
        .map((key) => (prefixed ? key.slice(PREFIX.length) : key)),
    get: (carrier, key) => carrier[prefixed ? `${PREFIX}${key}` : key],
  });
}

/** The active context written into attributes, both spellings. */
export function attributesWithContext(
  attributes: Readonly<Record<string, string>>,
  active: Context = context.active(),
): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const out: Record<string, string> = { ...attributes };
  for (const [key, value] of Object.entries(carrier)) {
    out[key] = value;
    out[`${PREFIX}${key}`] = value;
  }
  return out;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  parent?: Context;
}

/** Runs `work` inside a new active span; records errors and always ends the span. */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The current trace ids, for log correlation and links (undefined outside a sampled or valid span). */
export function currentTraceIds(): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    sampled: (spanContext.traceFlags & 1) === 1,
  };
}

/** Adds attributes to the active span (e.g. an outcome known only at the end). */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** The attributes every span about an incident carries, so one query finds the incident's trace. */
export function incidentSpanAttributes(
  incident: string,
  rule: string,
  priority: string,
  target: { namespace?: string | undefined; pod?: string | undefined; node?: string | undefined },
): Attributes {
  return {
    "riposte.incident": incident,
    "falco.rule": rule,
    "falco.priority": priority,
    ...(target.namespace ? { "k8s.namespace.name": target.namespace } : {}),
    ...(target.pod ? { "k8s.pod.name": target.pod } : {}),
    ...(target.node ? { "k8s.node.name": target.node } : {}),
  };
}

export { SpanKind, SpanStatusCode };
