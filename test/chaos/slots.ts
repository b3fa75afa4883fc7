// What the blast-radius limits granted during a run, read back from the incident ledger: one slot-holder
// document per object changed (and set of limits), with the action that took it. The chaos checks hold
// the cluster's changes against it: nothing changed without a slot, and every slot without a change is
// one an execute kept after finding its work stale, already done, or failed (limits.ts keeps it).
import { createLedgerFirestore, SLOT_HOLDERS } from "@riposte/ledger";

/** Distinct objects granted a slot, per action (e.g. `isolate-pod`). */
export async function grantedSlots(ledger: {
  projectId: string;
  firestoreEmulatorHost: string;
}): Promise<Record<string, number>> {
  const db = createLedgerFirestore({
    projectId: ledger.projectId,
    emulatorHost: ledger.firestoreEmulatorHost,
  });
  try {
    const snapshot = await db.collection(SLOT_HOLDERS).select("action", "holder").get();
    const holders = new Map<string, Set<string>>();
    for (const doc of snapshot.docs) {
      const action = String(doc.get("action"));
      const objects = holders.get(action) ?? new Set<string>();
      objects.add(String(doc.get("holder")));
      holders.set(action, objects);
    }
    return Object.fromEntries([...holders].map(([action, objects]) => [action, objects.size]));
  } finally {
    await db.terminate();
  }
}
