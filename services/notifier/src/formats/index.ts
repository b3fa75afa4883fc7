// The registry of destination types. Adding one (Google Chat, PagerDuty Events v2, …) is a new format
// file in this folder and its line in BUILT_IN_FORMATS; the destinations config accepts exactly the
// types registered here.
import type { DestinationFormat } from "./format.js";
import { slackFormat } from "./slack.js";
import { webhookFormat } from "./webhook.js";

export type { DestinationFormat } from "./format.js";

export const BUILT_IN_FORMATS: readonly DestinationFormat[] = [slackFormat, webhookFormat];

export interface FormatRegistry {
  /** The registered types, in registration order. */
  readonly types: readonly string[];
  get(type: string): DestinationFormat | undefined;
}

export function formatRegistry(formats: readonly DestinationFormat[]): FormatRegistry {
  const byType = new Map(formats.map((format) => [format.type, format]));
  if (byType.size !== formats.length) throw new Error("two destination formats share a type");
  return { types: [...byType.keys()], get: (type) => byType.get(type) };
}

export const FORMATS = formatRegistry(BUILT_IN_FORMATS);
