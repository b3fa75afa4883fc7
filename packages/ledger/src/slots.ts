// What a blast-radius limit is, and where its slots live (object-slots.ts takes them).
import { z } from "zod";

export const SLOTS = "limitSlots";
export const SLOT_HOLDERS = "limitSlotHolders";
export const LimitSchema = z.object({
  /** What is limited and where, e.g. "pod kills per namespace|prod-1|shop"; stored, never a path. */
  limit: z.string().min(1).max(1024),
  windowMs: z.int().min(1000),
  max: z.int().min(1).max(500),
});
export type Limit = z.infer<typeof LimitSchema>;
