import { describe, expect, it } from "vitest";
import {
  DEFAULT_RUNTIME,
  MIN_REDELIVERY_SPAN_SECONDS,
  RESPONDER_REDELIVERY,
  redeliverySpanSeconds,
} from "./descriptor.js";

describe("redeliverySpanSeconds", () => {
  it("sums the waits between deliveries, doubling from the minimum up to the maximum", () => {
    // The old default: 5 deliveries, waits 1 + 2 + 4 + 8 — dead-lettered after 15 s.
    expect(
      redeliverySpanSeconds({ minimumBackoffSeconds: 1, maximumBackoffSeconds: 30, maxDeliveryAttempts: 5 }),
    ).toBe(15);
    // 1 + 2 + 4 + 8 + 16 + 32, then 13 waits of 60.
    expect(redeliverySpanSeconds(RESPONDER_REDELIVERY)).toBe(63 + 13 * 60);
    expect(
      redeliverySpanSeconds({
        minimumBackoffSeconds: 600,
        maximumBackoffSeconds: 600,
        maxDeliveryAttempts: 100,
      }),
    ).toBe(99 * 600);
  });

  it("a new service's default retries for at least 10 minutes", () => {
    expect(redeliverySpanSeconds(DEFAULT_RUNTIME.redelivery)).toBeGreaterThanOrEqual(
      MIN_REDELIVERY_SPAN_SECONDS,
    );
  });
});
