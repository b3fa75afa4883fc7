// Example alerts for end-to-end tests, with a fresh time (so each test's incident is its own, even
// across test files and runs on a shared emulator).
import { parseFalcoAlert } from "@riposte/contracts";
import { type AlertChanges, exampleAlertJson } from "@riposte/contracts/testing";

let tick = 0;

export interface TestAlert {
  json: string;
  incident: string;
}

/** An example alert with a unique time (and optional changes to top-level keys or output fields). */
export function freshAlert(file: string, changes: AlertChanges = {}): TestAlert {
  tick += 1;
  const time = new Date(Date.now() + tick)
    .toISOString()
    .replace("Z", `${String(tick % 1_000_000).padStart(6, "0")}Z`);
  const json = exampleAlertJson(file, { ...changes, top: { time, ...changes.top } });
  const parsed = parseFalcoAlert(json);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.path}: ${parsed.error.message}`);
  return { json, incident: parsed.alert.incidentKey };
}
