// Every service's retries must outlast ordinary outages (an API-server blip, Slack's Retry-After, a
// restart) before anything is dead-lettered: what the derived subscriptions really get, per service.
import { ACTIONS, MAX_ACTION_WAIT_SECONDS } from "@riposte/contracts";
import {
  MIN_REDELIVERY_SPAN_SECONDS,
  type RedeliveryPolicy,
  redeliverySpanSeconds,
} from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { loadServices } from "../services.js";
import { deriveTopology } from "./derive.js";

// Loading every descriptor imports each service's dependencies: slow on a busy machine.
describe("redelivery before dead-lettering", { timeout: 60_000 }, () => {
  it("every push subscription retries for at least 10 minutes, within Pub/Sub's limits", async () => {
    const services = (await loadServices()).map((service) => service.descriptor);
    const topology = deriveTopology(services, {
      endpointFor: (name, input) => `https://${name}.run.app${input.path}`,
    });
    const spans = Object.fromEntries(
      topology.subscriptions
        // Dead-letter announcements never dead-letter (see deadLetterAnnouncements): no span to keep.
        .filter((sub) => sub.push && sub.deadLetter)
        .map((sub) => {
          const minimumBackoffSeconds = sub.retryPolicy?.minimumBackoffSeconds ?? 10;
          const maximumBackoffSeconds = sub.retryPolicy?.maximumBackoffSeconds ?? 600;
          const maxDeliveryAttempts = sub.deadLetter?.maxDeliveryAttempts ?? 100;
          expect(minimumBackoffSeconds).toBeGreaterThanOrEqual(0);
          expect(maximumBackoffSeconds).toBeLessThanOrEqual(600);
          expect(minimumBackoffSeconds).toBeLessThanOrEqual(maximumBackoffSeconds);
          expect(maxDeliveryAttempts).toBeGreaterThanOrEqual(5);
          expect(maxDeliveryAttempts).toBeLessThanOrEqual(100);
          const span = redeliverySpanSeconds({
            minimumBackoffSeconds,
            maximumBackoffSeconds,
            maxDeliveryAttempts,
          });
          return [sub.name, span];
        }),
    );
    expect(Object.keys(spans)).toHaveLength(services.flatMap((service) => service.inputs).length);
    const tooShort = Object.entries(spans).filter(([, span]) => span < MIN_REDELIVERY_SPAN_SECONDS);
    expect(tooShort).toEqual([]);
  });

  it("a command that waited the longest wait for earlier actions still has 10 minutes of retries", async () => {
    const services = (await loadServices()).map((service) => service.descriptor);
    const waiting = services.filter((service) =>
      service.inputs.some((input) =>
        input.accepts.some((kind) => Object.values(ACTIONS).some((a) => a.kind === kind && a.waitsForOrder)),
      ),
    );
    expect(waiting.map((service) => service.name).sort()).toEqual([
      "capture",
      "isolator",
      "node-capturer",
      "pod-killer",
      "tainter",
    ]);
    const left = Object.fromEntries(
      waiting.map((service) => [service.name, spanAfterWaiting(service.runtime.redelivery)]),
    );
    expect(Object.entries(left).filter(([, span]) => span < MIN_REDELIVERY_SPAN_SECONDS)).toEqual([]);
  });
});

/** What is left of the retries after the first delivery at or past the longest wait. */
function spanAfterWaiting(policy: RedeliveryPolicy): number {
  let at = 0;
  for (let retry = 1; retry < policy.maxDeliveryAttempts; retry += 1) {
    if (at >= MAX_ACTION_WAIT_SECONDS) break;
    at += Math.min(policy.maximumBackoffSeconds, policy.minimumBackoffSeconds * 2 ** (retry - 1));
  }
  return redeliverySpanSeconds(policy) - at;
}
