// Starts OpenTelemetry. A service's own `instrument.ts` calls `instrument("<name>")` and its main.ts
// imports that file FIRST, so the SDK patches http and grpc before any code that uses them is loaded.
// This module imports nothing but the tracing code for that reason.
import { errorMessage } from "./errors.js";
import { loadTracingConfig } from "./tracing/config.js";
import { setTracingHandle } from "./tracing/handle.js";
import { startTracing } from "./tracing/sdk.js";

export function instrument(serviceName: string): void {
  try {
    setTracingHandle(startTracing(serviceName, loadTracingConfig()));
  } catch (error) {
    // Tracing must never keep a responder from starting.
    process.stderr.write(`${serviceName}: tracing disabled: ${errorMessage(error)}\n`);
  }
}
