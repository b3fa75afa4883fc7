// The message console accepts on its topic. When the router should send it, make it a command in
// @riposte/contracts (ACTION_KINDS) and a playbook action, and accept that command here instead.
import { z } from "zod";

export const ConsoleMessage = z.object({
  v: z.literal(1),
  kind: z.literal("Console"),
  /** The incident this is about (contracts's incident key). */
  incident: z.string().min(1),
  dryRun: z.boolean().default(false),
});

export type ConsoleMessage = z.output<typeof ConsoleMessage>;
