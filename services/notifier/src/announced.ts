// Where an incident was announced, as the ledger knows it (any instance, before or after a restart):
// the destinations that got it, and those where storm control held it back with the command to announce
// it in full later. The stored command is read back through the message schema, like any input.
import { NotifyCommand } from "@riposte/contracts";
import { ledgerCall } from "./delivery-ledger.js";
import type { NotifierState } from "./notifier-state.js";

export interface Announced {
  /** An announcement was attempted somewhere (whatever its result). */
  settled: boolean;
  /** Destinations that got the announcement, or where it was held back. */
  reached: string[];
  /** Destinations where it was held back → its command (when stored). */
  heldBack: Map<string, NotifyCommand | undefined>;
}

export async function announcedIn(state: NotifierState, incident: string): Promise<Announced> {
  const stored = await ledgerCall("reading the incident from the ledger", () =>
    state.ledger.readIncident(incident),
  );
  const notifications = Object.entries(stored?.notifications ?? {});
  const reached = notifications.flatMap(([name, { status }]) => (status === "failed" ? [] : [name]));
  const heldBack = new Map(
    notifications.flatMap(([name, notification]) =>
      notification.status === "held-back" ? [[name, commandOf(notification.command)] as const] : [],
    ),
  );
  return { settled: notifications.length > 0, reached, heldBack };
}

function commandOf(text: string | undefined): NotifyCommand | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = NotifyCommand.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
