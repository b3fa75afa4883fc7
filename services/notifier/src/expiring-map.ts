// A map whose entries expire after a time-to-live and whose size is bounded (oldest evicted first):
// the notifier's per-instance memory of what it delivered and what it knows about each incident.
// Bounded so that an alert storm cannot grow the instance's memory without limit.

export interface ExpiringMapOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: ExpiringMapOptions) {
    if (options.maxEntries < 1)
      throw new RangeError(`maxEntries must be at least 1, got ${options.maxEntries}`);
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores `value` with a fresh time-to-live; evicts expired entries, then the oldest, to stay bounded. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#evict();
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  #evict(): void {
    const now = this.#now();
    // Insertion order is expiry order (every set re-inserts with the same TTL).
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}
