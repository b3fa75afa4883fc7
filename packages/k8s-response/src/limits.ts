// Blast-radius limits: how many destructive actions may happen per window, per namespace and per
// cluster. A storm of alerts (or an attacker provoking them) cannot make Riposte empty a cluster.
// Counted per instance: deploy the actioners with max-instances 1 for the limits to be global.

export interface LimitRule {
  /** e.g. "pod kills per namespace" */
  name: string;
  scope: "namespace" | "cluster";
  max: number;
  windowMs: number;
}

export interface Reservation {
  /** Gives the slot back (the action did not happen: stale, already done, failed). */
  release(): void;
}

export type LimitDecision = { ok: true; reservation: Reservation } | { ok: false; reason: string };

export interface BlastRadiusLimiter {
  reserve(scope: { cluster: string; namespace?: string }): LimitDecision;
}

export function createLimiter(rules: readonly LimitRule[], now: () => number = Date.now): BlastRadiusLimiter {
  const windows = new Map<string, number[]>();
  return {
    reserve({ cluster, namespace }) {
      const at = now();
      const keys: { key: string; rule: LimitRule }[] = [];
      for (const rule of rules) {
        if (rule.scope === "namespace" && namespace === undefined) continue;
        const key =
          rule.scope === "namespace" ? `${rule.name}|${cluster}|${namespace}` : `${rule.name}|${cluster}`;
        const times = (windows.get(key) ?? []).filter((time) => at - time < rule.windowMs);
        windows.set(key, times);
        if (times.length >= rule.max) {
          const where = rule.scope === "namespace" ? `namespace ${namespace}` : `cluster ${cluster}`;
          return {
            ok: false,
            reason: `blast-radius limit reached: ${rule.name} (${rule.max} per ${rule.windowMs / 1000} s) in ${where}`,
          };
        }
        keys.push({ key, rule });
      }
      for (const { key } of keys) windows.get(key)?.push(at);
      return {
        ok: true,
        reservation: {
          release() {
            for (const { key } of keys) {
              const times = windows.get(key);
              const index = times?.lastIndexOf(at) ?? -1;
              if (times && index >= 0) times.splice(index, 1);
            }
          },
        },
      };
    },
  };
}
