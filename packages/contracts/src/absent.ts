// Falco's spellings of "no value": JSON null (libs ≥ 0.7 and plugins), the string "<NA>" (older
// k8s-audit, user/group lookups, formatted extra fields) and, in practice, the empty string.

import type { JsonValue } from "./json.js";

export const NOT_AVAILABLE = "<NA>";

/** True for undefined, null, "" and "<NA>": the value is unknown and must not be used as a name. */
export function isAbsent(value: JsonValue | undefined): value is undefined | null | "" | "<NA>" {
  return value === undefined || value === null || value === "" || value === NOT_AVAILABLE;
}
