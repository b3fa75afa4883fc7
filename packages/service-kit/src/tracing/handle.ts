// The running tracing SDK, so startService can flush it on shutdown without importing the SDK itself.
import type { TracingHandle } from "./sdk.js";

let current: TracingHandle | undefined;

export function setTracingHandle(handle: TracingHandle): void {
  current = handle;
}

export function tracingHandle(): TracingHandle | undefined {
  return current;
}
