// Every collection the ledger writes. Each document carries `expireAt`, and the deploy plan declares a
// TTL policy on it for each of these (infra reads this list, so a new collection is not forgotten).
import { APPROVALS } from "./approvals.js";
import { DELIVERIES } from "./deliveries.js";
import { INCIDENTS } from "./incident.js";
import { QUARANTINE_LEASES } from "./quarantine-leases.js";
import { SLOT_HOLDERS, SLOTS } from "./slots.js";
import { STORM_SUMMARIES, STORM_WINDOWS } from "./storm-windows.js";

export const LEDGER_COLLECTIONS: readonly string[] = [
  INCIDENTS,
  DELIVERIES,
  SLOTS,
  SLOT_HOLDERS,
  STORM_WINDOWS,
  STORM_SUMMARIES,
  QUARANTINE_LEASES,
  APPROVALS,
];
