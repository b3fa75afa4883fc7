// Structured JSON logs in Cloud Logging's format: `severity`, `message`, `time`, and the trace
// correlation fields when a span is known. One line per event on stdout; no transports (Cloud Run
// reads stdout, and pino transports break in bundles).
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { currentTraceIds } from "./tracing/context.js";

export type { Logger } from "pino";

const SEVERITY_BY_LEVEL: Readonly<Record<string, string>> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

export interface LoggerConfig {
  service: string;
  version?: string;
  level?: string;
  /** With a project, every line written inside a span carries Cloud Logging's trace fields. */
  projectId?: string;
  /** Defaults to stdout; tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? "info",
    messageKey: "message",
    base: { service: config.service, ...(config.version ? { version: config.version } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ severity: SEVERITY_BY_LEVEL[label] ?? "DEFAULT" }),
    },
    ...(config.projectId
      ? {
          mixin: () => {
            const ids = currentTraceIds();
            return ids ? traceLogFields(config.projectId as string, ids) : {};
          },
        }
      : {}),
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}

export interface TraceIds {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** The fields Cloud Logging uses to attach a log line to a Cloud Trace span. */
export function traceLogFields(projectId: string, ids: TraceIds): Record<string, string | boolean> {
  return {
    "logging.googleapis.com/trace": `projects/${projectId}/traces/${ids.traceId}`,
    "logging.googleapis.com/spanId": ids.spanId,
    "logging.googleapis.com/trace_sampled": ids.sampled,
  };
}

/** A silent logger for tests that do not read logs. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
