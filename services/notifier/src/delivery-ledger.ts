// Which messages each destination has had, `incident|destination|subject`, so that a redelivered push
// sends only what is missing; and one send at a time per message, so that concurrent redeliveries of
// it send it once.
import { ExpiringMap, type ExpiringMapOptions } from "./expiring-map.js";

export function deliveryKey(incident: string, destination: string, subject: string): string {
  return `${incident}|${destination}|${subject}`;
}

export class DeliveryLedger {
  readonly #delivered: ExpiringMap<string, true>;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: ExpiringMapOptions) {
    this.#delivered = new ExpiringMap(options);
  }

  has(key: string): boolean {
    return this.#delivered.has(key);
  }

  markDelivered(key: string): void {
    this.#delivered.set(key, true);
  }

  /** Runs `task` for `key` unless one is running; a concurrent duplicate waits, then runs (and sees the ledger). */
  async singleFlight<T>(key: string, task: () => Promise<T>): Promise<T> {
    for (let pending = this.#inFlight.get(key); pending; pending = this.#inFlight.get(key)) {
      await pending.catch(() => undefined);
    }
    const running = task();
    this.#inFlight.set(key, running);
    try {
      return await running;
    } finally {
      if (this.#inFlight.get(key) === running) this.#inFlight.delete(key);
    }
  }
}
