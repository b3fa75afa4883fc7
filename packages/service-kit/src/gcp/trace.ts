// Cloud Trace: which project traces go to, and the console page of one trace.
import { exporterFor, loadTracingConfig, type TracingConfig } from "../tracing/config.js";
import { isProjectId } from "./project.js";

const TRACE_ID = /^[0-9a-f]{32}$/;
const TRACE_CONSOLE = "https://console.cloud.google.com/traces/list";

/** The Cloud Trace console page of one trace, or undefined when the ids are not valid. */
export function traceConsoleUrl(projectId: string, traceId: string): string | undefined {
  if (!isProjectId(projectId) || !TRACE_ID.test(traceId)) return undefined;
  const query = new URLSearchParams({ project: projectId, tid: traceId });
  return `${TRACE_CONSOLE}?${query}`;
}

export function isTraceConsoleUrl(url: string): boolean {
  return url.startsWith(`${TRACE_CONSOLE}?`);
}

/**
 * The project of Cloud Trace when traces are exported there (the only case a trace link can work),
 * else undefined — also when the tracing configuration is invalid (instrument() has said why).
 */
export function cloudTraceProject(load: () => TracingConfig = loadTracingConfig): string | undefined {
  try {
    const exporter = exporterFor(load());
    return exporter.kind === "gcp" ? exporter.projectId : undefined;
  } catch {
    return undefined;
  }
}
