// Example alerts for end-to-end tests, and variants of them with a fresh time (so each test's incident
// is its own, even on a shared emulator).
import { readFileSync } from "node:fs";
import { parseFalcoAlert } from "@riposte/falco-event";

const EXAMPLES = new URL("../../examples/", import.meta.url);
let tick = 0;

export interface TestAlert {
  json: string;
  incident: string;
}

/** An example alert with a unique time (and optional changes to top-level keys or output fields). */
export function freshAlert(
  file: string,
  changes: { top?: Record<string, unknown>; fields?: Record<string, unknown> } = {},
): TestAlert {
  const raw = JSON.parse(readFileSync(new URL(file, EXAMPLES), "utf8")) as Record<string, unknown> & {
    output_fields: Record<string, unknown>;
  };
  tick += 1;
  const time = new Date(Date.now() + tick)
    .toISOString()
    .replace("Z", `${String(tick % 1_000_000).padStart(6, "0")}Z`);
  const json = JSON.stringify({
    ...raw,
    time,
    ...changes.top,
    output_fields: { ...raw.output_fields, ...changes.fields },
  });
  const parsed = parseFalcoAlert(json);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.path}: ${parsed.error.message}`);
  return { json, incident: parsed.alert.incidentKey };
}
