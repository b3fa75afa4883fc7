// Falco priorities: the eight names Falco writes, their syslog-style severity, and parsing of the
// spellings seen in rules and configs (case-insensitive, "info" for Informational).

/** Most severe first; the index is the severity (0 = Emergency … 7 = Debug), as in syslog. */
export const PRIORITIES = [
  "Emergency",
  "Alert",
  "Critical",
  "Error",
  "Warning",
  "Notice",
  "Informational",
  "Debug",
] as const;

export type Priority = (typeof PRIORITIES)[number];

const BY_LOWERCASE_NAME: ReadonlyMap<string, Priority> = new Map<string, Priority>([
  ...PRIORITIES.map((p): [string, Priority] => [p.toLowerCase(), p]),
  // Falco's rule loader and falcosidekick both accept "info" (falco_common.cpp, types/priority.go).
  ["info", "Informational"],
]);

/** Normalises a priority name case-insensitively ("WARNING", "info", …); undefined if unknown. */
export function parsePriority(name: string): Priority | undefined {
  return BY_LOWERCASE_NAME.get(name.toLowerCase());
}

/** 0 for Emergency … 7 for Debug. Lower is more severe. */
export function severityOf(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}

/**
 * Orders priorities by importance: positive when `a` is more severe than `b`, 0 when equal, negative
 * when less severe. So `comparePriority(p, "Warning") >= 0` reads "p is Warning or worse", and
 * `list.sort(comparePriority)` puts the least severe first.
 */
export function comparePriority(a: Priority, b: Priority): number {
  return severityOf(b) - severityOf(a);
}

/** True when `priority` is `minimum` or more severe. */
export function isAtLeast(priority: Priority, minimum: Priority): boolean {
  return comparePriority(priority, minimum) >= 0;
}
