// Per-instance duplicate suppression: the same incident within the window is routed once. Pub/Sub
// redelivers and falcosidekick may re-send; the actioners stay idempotent regardless.

export interface DedupOptions {
  windowMs: number;
  /** Bound on remembered incidents, so a storm cannot exhaust memory (oldest forgotten first). */
  maxEntries?: number;
  now?: () => number;
}

export interface IncidentDedup {
  /** True when `key` was routed within the window. */
  seen(key: string): boolean;
  /** Records `key` as routed (call only after its commands were published). */
  remember(key: string): void;
  readonly size: number;
}

export function createIncidentDedup(options: DedupOptions): IncidentDedup {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order: the first entry is always the oldest.
  const routedAt = new Map<string, number>();

  const evictExpired = (at: number) => {
    for (const [key, time] of routedAt) {
      if (at - time < options.windowMs && routedAt.size <= maxEntries) break;
      routedAt.delete(key);
    }
  };

  return {
    seen(key) {
      const time = routedAt.get(key);
      return time !== undefined && now() - time < options.windowMs;
    },
    remember(key) {
      const at = now();
      routedAt.delete(key);
      routedAt.set(key, at);
      evictExpired(at);
    },
    get size() {
      return routedAt.size;
    },
  };
}
