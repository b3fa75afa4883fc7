// emulatorRedelivery: the topology the chaos and shutdown runs give the emulator (see its comment).
import { deriveTopology, loadServices } from "@riposte/infra";
import { describe, expect, it } from "vitest";
import { emulatorRedelivery } from "./harness.js";

describe("emulatorRedelivery", { timeout: 60_000 }, () => {
  it("drops every retry policy and gives each push subscription as many ~1 s attempts as Pub/Sub allows", async () => {
    const derived = deriveTopology(
      (await loadServices()).map((service) => service.descriptor),
      { endpointFor: (name, input) => `http://127.0.0.1/${name}${input.path}` },
    );
    const adjusted = emulatorRedelivery(derived);
    expect(adjusted.subscriptions.filter((sub) => sub.retryPolicy)).toEqual([]);
    // Dead-letter topics pushed to the notifier's /dead-letters never dead-letter themselves (no loop).
    const announcing = adjusted.subscriptions.filter((sub) => sub.push && sub.topic.endsWith("-dead-letter"));
    expect(announcing.length).toBeGreaterThan(0);
    for (const sub of announcing) expect(sub.deadLetter, sub.name).toBeUndefined();
    const push = adjusted.subscriptions.filter((sub) => sub.push && !announcing.includes(sub));
    expect(push.length).toBeGreaterThan(0);
    // Every real span is ≥ 10 min: 1 s steps would need 600+, capped at Pub/Sub's 100.
    for (const sub of push) expect(sub.deadLetter?.maxDeliveryAttempts, sub.name).toBe(100);
    expect(adjusted.topics).toEqual(derived.topics);
  });
});
