import { describe, expect, it } from "vitest";
import { createIncidentDedup } from "./dedup.js";

describe("incident dedup", () => {
  it("remembers within the window and forgets after it", () => {
    let now = 0;
    const dedup = createIncidentDedup({ windowMs: 1000, now: () => now });
    dedup.remember("a");
    now = 999;
    expect(dedup.seen("a")).toBe(true);
    now = 1000;
    expect(dedup.seen("a")).toBe(false);
    expect(dedup.seen("b")).toBe(false);
  });

  it("stays bounded under a storm, forgetting the oldest first", () => {
    const dedup = createIncidentDedup({ windowMs: 60_000, maxEntries: 100, now: () => 0 });
    for (let i = 0; i < 1000; i += 1) dedup.remember(`k${i}`);
    expect(dedup.size).toBe(100);
    expect(dedup.seen("k999")).toBe(true);
    expect(dedup.seen("k0")).toBe(false);
  });

  it("drops expired entries as new ones arrive", () => {
    let now = 0;
    const dedup = createIncidentDedup({ windowMs: 10, now: () => now });
    for (let i = 0; i < 50; i += 1) dedup.remember(`k${i}`);
    now = 100;
    dedup.remember("fresh");
    expect(dedup.size).toBe(1);
  });
});
