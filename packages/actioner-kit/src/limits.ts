// Blast-radius limits: how many destructive actions may happen per window, per namespace and per
// cluster. A storm of alerts (or an attacker provoking them) cannot make Riposte empty a cluster.
// Counted in the incident ledger (Firestore), so a limit holds across every instance of the actioner,
// restarts and two revisions serving side by side during a deploy.
//
// A slot is taken right before an action executes, once its plan found something to do, and is never
// given back: a timeout or a transient error does not prove the call did not land, and the ledger's
// windows only fill up. An execute that then finds the work done or stale (the object changed between
// plan and execute) keeps its slot too — that race costs at most one slot of the window. Slots are held
// by a `holder`, the object changed (action, kind, namespace, name, uid): limits count objects changed,
// not writes, so a redelivery, a concurrent duplicate or another incident escalating the same node
// re-uses the slot instead of being refused by it. When the ledger cannot be reached, `reserve` throws
// LedgerUnavailableError and nothing acts without a slot (the runner answers 503).
import type { ObjectSlots } from "@riposte/ledger";

export interface LimitRule {
  /** e.g. "pod kills per namespace" */
  name: string;
  scope: "namespace" | "cluster";
  max: number;
  windowMs: number;
}

export type LimitDecision = { ok: true } | { ok: false; reason: string };

export interface SlotRequest {
  cluster: string;
  namespace?: string;
  /** The object changed, e.g. `action|kind|namespace|name|uid`; the same holder re-uses its slot in the window. */
  holder: string;
  /** Who takes the slot: recorded with it in the ledger. */
  incident: string;
  action: string;
}

export interface BlastRadiusLimiter {
  /** The longest window among the rules: how long a slot taken now counts. */
  readonly longestWindowMs: number;
  reserve(request: SlotRequest): Promise<LimitDecision>;
}

export function createLimiter(rules: readonly LimitRule[], slots: ObjectSlots): BlastRadiusLimiter {
  return {
    longestWindowMs: Math.max(0, ...rules.map((rule) => rule.windowMs)),
    async reserve({ cluster, namespace, holder, incident, action }) {
      const applicable = rules.filter((rule) => rule.scope === "cluster" || namespace !== undefined);
      if (applicable.length === 0) return { ok: true };
      const decision = await slots.takeObjectSlots({
        limits: applicable.map((rule) => ({
          // The scope is in the name: each namespace and each cluster counts on its own slots.
          limit:
            rule.scope === "namespace" ? `${rule.name}|${cluster}|${namespace}` : `${rule.name}|${cluster}`,
          windowMs: rule.windowMs,
          max: rule.max,
        })),
        holder,
        incident,
        action,
      });
      if (decision.granted) return { ok: true };
      const rule = applicable[decision.refusedBy] as LimitRule;
      const where = rule.scope === "namespace" ? `namespace ${namespace}` : `cluster ${cluster}`;
      return {
        ok: false,
        reason: `blast-radius limit reached: ${rule.name} (${rule.max} per ${rule.windowMs / 1000} s) in ${where}`,
      };
    },
  };
}
