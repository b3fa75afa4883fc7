// Incident keys as an operator types them: the full 32-character key, or the 12-character short key
// the notifier shows in Slack (`incident.slice(0, 12)` in services/notifier/src/slack-message.ts).
import { isIncidentKey } from "@riposte/contracts";
import { SHORT_KEY_LENGTH } from "@riposte/ledger";
import { UsageError } from "./command.js";

export { SHORT_KEY_LENGTH, shortKey } from "@riposte/ledger";

/** A well-formed short key that stands for no known incident, or for several: never a guess. */
export class UnresolvedIncidentError extends UsageError {}

/** Is `value` a full key or a short key (12 lowercase hex characters)? */
export function isIncidentKeyOrShort(value: string): boolean {
  return isIncidentKey(value) || new RegExp(`^[0-9a-f]{${SHORT_KEY_LENGTH}}$`).test(value);
}

/**
 * The full key `typed` stands for among the incidents `known` (e.g. the trace ids the local receiver
 * holds). A full key is itself; a short key must start exactly one known key: none or several is an
 * error listing what was found, never a guess.
 */
export function resolveIncident(typed: string, known: Iterable<string>): string {
  if (isIncidentKey(typed)) return typed;
  if (!isIncidentKeyOrShort(typed))
    throw new UsageError(
      `expected an incident key (32 lowercase hex characters) or its ${SHORT_KEY_LENGTH}-character short key, got ${JSON.stringify(typed)}`,
    );
  const matches = [...new Set(known)].filter((key) => key.startsWith(typed)).sort();
  if (matches.length === 1) return matches[0] as string;
  if (matches.length === 0) throw new UnresolvedIncidentError(`no known incident starts with ${typed}`);
  throw new UnresolvedIncidentError(
    `${typed} is ambiguous: ${matches.length} incidents start with it (${matches.join(", ")}); give the full key`,
  );
}
