// Which messages each destination has had, per incident and subject, kept in the ledger so that every
// instance — a second one, or this one restarted — sends each message once:
//   claimed   → this instance sends it; delivered → marked sent; held back or refused → claim released;
//   sent      → "already-delivered", nothing is sent;
//   in-flight → another instance is sending it: 503, and Pub/Sub's redelivery finds it sent.
// Within the instance, concurrent duplicates of one message wait for the first (one claim, no 503).
// The ledger out of reach → 503 (RetryableError): never a send without a claim, never a silent drop.

import type { Ledger } from "@riposte/ledger";
import { type Delivery, LedgerUnavailableError } from "@riposte/ledger";
import { errorMessage, type Logger, RetryableError, retryableOn } from "@riposte/service-kit";
import type { DestinationStatus } from "./notifier-state.js";

export function deliveryKey(incident: string, destination: string, subject: string): string {
  return `${incident}|${destination}|${subject}`;
}

/** Runs a ledger call; its unavailability becomes a 503, so Pub/Sub redelivers once it is back. */
export function ledgerCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  return retryableOn(LedgerUnavailableError, what, call);
}

export class DeliveryLedger {
  readonly #ledger: Ledger;
  readonly #logger: Logger;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(ledger: Ledger, logger: Logger) {
    this.#ledger = ledger;
    this.#logger = logger;
  }

  /**
   * Sends the message unless it was sent: `send` runs only under this instance's claim. A `delivered`
   * status marks it sent; any other status, or a failure, releases the claim for the next try.
   */
  deliverOnce(delivery: Delivery, send: () => Promise<DestinationStatus>): Promise<DestinationStatus> {
    const key = deliveryKey(delivery.incident, delivery.destination, delivery.subject);
    return this.#singleFlight(key, async () => {
      const claim = await ledgerCall("claiming the message in the ledger", () =>
        this.#ledger.claimDelivery(delivery),
      );
      if (claim.outcome === "sent") return { status: "already-delivered" };
      if (claim.outcome === "in-flight") {
        const seconds = Math.max(1, Math.ceil((claim.until.getTime() - Date.now()) / 1000));
        throw new RetryableError(
          `destination ${delivery.destination}: another notifier instance is sending this message`,
          { retryAfterSeconds: Math.min(seconds, 60) },
        );
      }
      let status: DestinationStatus;
      try {
        status = await send();
      } catch (error) {
        await this.#release(delivery, claim.claimId);
        throw error;
      }
      if (status.status !== "delivered") {
        await this.#release(delivery, claim.claimId);
        return status;
      }
      // Delivered: the claim is never released now (that would let a redelivery send it again); if it
      // cannot be marked sent, it holds the message for its lease.
      await this.markDelivered(delivery);
      return status;
    });
  }

  /** Sent (or listed in a message that was): never sent on its own. */
  async markDelivered(delivery: Delivery): Promise<void> {
    await ledgerCall("recording the delivery in the ledger", () =>
      this.#ledger.markDelivered(delivery),
    ).catch((error: unknown) => {
      // Delivered but not recorded: after the claim's lease a redelivery may send it again (at least
      // once, never lost); say so where someone can see it.
      this.#logger.error(
        { ...delivery, err: errorMessage(error) },
        `delivered to ${delivery.destination} but not recorded in the ledger: it may be sent again`,
      );
      throw error;
    });
  }

  async #release(delivery: Delivery, claimId: string): Promise<void> {
    // Best effort: an unreleased claim only delays the next try until its lease is over.
    await this.#ledger.releaseDelivery(delivery, claimId).catch(() => undefined);
  }

  /** Runs `task` for `key` unless one is running; a concurrent duplicate waits, then runs (and sees the ledger). */
  async #singleFlight<T>(key: string, task: () => Promise<T>): Promise<T> {
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
