// Blast-radius limits: how many destructive actions may happen per window, per namespace and per
// cluster. A storm of alerts (or an attacker provoking them) cannot make Riposte empty a cluster.
// Counted per instance: deploy the actioners with max-instances 1 for the limits to be global.
//
// A slot is taken before an action runs and kept once it may have changed anything — a timeout or a
// transient error does not prove the call did not land. Only a result proving nothing changed
// (already done, stale) gives it back. Slots are held by a `holder`, the object changed (action, kind,
// namespace, name, uid): limits count objects changed, not writes, so a redelivery, a concurrent
// duplicate or another incident escalating the same node re-uses the slot instead of being refused by
// it. The holders live in this instance's memory until a shared ledger replaces it.

export interface LimitRule {
  /** e.g. "pod kills per namespace" */
  name: string;
  scope: "namespace" | "cluster";
  max: number;
  windowMs: number;
}

export interface Reservation {
  /** The action changed nothing (stale, already done): the slot is given back unless another attempt may have acted. */
  release(): void;
  /** The action happened, or may have (done, timeout, transient error): the slot stays taken for its window. */
  keep(): void;
}

export type LimitDecision = { ok: true; reservation: Reservation } | { ok: false; reason: string };

export interface SlotRequest {
  cluster: string;
  namespace?: string;
  /** The object changed, e.g. `action|kind|namespace|name|uid`; the same holder re-uses its slot in the window. */
  holder: string;
  /** The command acting (e.g. its incident): remembered when it keeps the slot (see `keptBy`). */
  by?: string;
}

export interface BlastRadiusLimiter {
  reserve(request: SlotRequest): LimitDecision;
  /** Whether command `by` kept `holder`'s slot, still in its window: an earlier delivery of it acted, or may have. */
  keptBy(holder: string, by: string): boolean;
}

/** One slot, counted in the window of every rule it falls under. */
interface Slot {
  holder: string;
  at: number;
  /** Expires with the longest window among its rules. */
  windowMs: number;
  ruleKeys: string[];
  /** Attempts that reserved it and have not yet said keep or release. */
  attempts: number;
  /** Some attempt may have changed the cluster: never given back. */
  kept: boolean;
  /** The commands whose attempts kept it. */
  keepers: Set<string>;
}

export function createLimiter(rules: readonly LimitRule[], now: () => number = Date.now): BlastRadiusLimiter {
  const windows = new Map<string, Slot[]>();
  const byHolder = new Map<string, Slot>();

  const ruleKey = (rule: LimitRule, cluster: string, namespace: string | undefined) =>
    rule.scope === "namespace" ? `${rule.name}|${cluster}|${namespace}` : `${rule.name}|${cluster}`;

  const live = (key: string, rule: LimitRule, at: number): Slot[] => {
    const slots = (windows.get(key) ?? []).filter((slot) => at - slot.at < rule.windowMs);
    windows.set(key, slots);
    return slots;
  };

  const remove = (slot: Slot) => {
    for (const key of slot.ruleKeys) {
      const slots = windows.get(key);
      if (slots)
        windows.set(
          key,
          slots.filter((other) => other !== slot),
        );
    }
    if (byHolder.get(slot.holder) === slot) byHolder.delete(slot.holder);
  };

  const reservationOf = (slot: Slot, by: string | undefined): Reservation => {
    let settled = false;
    const settle = (kept: boolean) => {
      if (settled) return;
      settled = true;
      slot.attempts -= 1;
      if (kept) slot.kept = true;
      if (kept && by !== undefined) slot.keepers.add(by);
      if (slot.attempts === 0 && !slot.kept) remove(slot);
    };
    return { release: () => settle(false), keep: () => settle(true) };
  };

  const expired = (slot: Slot, at: number) => at - slot.at >= slot.windowMs;

  return {
    keptBy(holder, by) {
      const slot = byHolder.get(holder);
      return slot !== undefined && !expired(slot, now()) && slot.keepers.has(by);
    },
    reserve({ cluster, namespace, holder, by }) {
      const at = now();
      // Holders of expired slots are forgotten, so the map stays as small as the windows.
      for (const [name, slot] of byHolder) if (expired(slot, at)) byHolder.delete(name);
      const own = byHolder.get(holder);
      if (own) {
        own.attempts += 1;
        return { ok: true, reservation: reservationOf(own, by) };
      }
      const ruleKeys: string[] = [];
      let windowMs = 0;
      for (const rule of rules) {
        if (rule.scope === "namespace" && namespace === undefined) continue;
        const key = ruleKey(rule, cluster, namespace);
        if (live(key, rule, at).length >= rule.max) {
          const where = rule.scope === "namespace" ? `namespace ${namespace}` : `cluster ${cluster}`;
          return {
            ok: false,
            reason: `blast-radius limit reached: ${rule.name} (${rule.max} per ${rule.windowMs / 1000} s) in ${where}`,
          };
        }
        ruleKeys.push(key);
        windowMs = Math.max(windowMs, rule.windowMs);
      }
      const slot: Slot = { holder, at, windowMs, ruleKeys, attempts: 1, kept: false, keepers: new Set() };
      for (const key of ruleKeys) windows.get(key)?.push(slot);
      if (ruleKeys.length > 0) byHolder.set(holder, slot);
      return { ok: true, reservation: reservationOf(slot, by) };
    },
  };
}
