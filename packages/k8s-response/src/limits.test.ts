// The blast-radius limiter alone: windows per rule, slots kept or given back, and holders that
// re-use their own slot (a redelivery is not a second action).
import { describe, expect, it } from "vitest";
import { createLimiter, type LimitRule } from "./limits.js";

const rules: LimitRule[] = [
  { name: "kills per namespace", scope: "namespace", max: 1, windowMs: 60_000 },
  { name: "kills per cluster", scope: "cluster", max: 2, windowMs: 60_000 },
];
const at = (clock: { now: number }) => () => clock.now;
const slot = (holder: string, namespace = "shop") => ({ cluster: "prod", namespace, holder });

describe("blast-radius limiter", () => {
  it("counts per namespace and per cluster, naming the limit reached", () => {
    const limiter = createLimiter(rules);
    expect(limiter.reserve(slot("a", "shop")).ok).toBe(true);
    expect(limiter.reserve(slot("b", "shop"))).toEqual({
      ok: false,
      reason: "blast-radius limit reached: kills per namespace (1 per 60 s) in namespace shop",
    });
    expect(limiter.reserve(slot("c", "jobs")).ok).toBe(true);
    expect(limiter.reserve(slot("d", "web"))).toMatchObject({ ok: false, reason: /in cluster prod/ });
  });

  it("a kept slot stays taken; a released one is given back", () => {
    const limiter = createLimiter(rules);
    const first = limiter.reserve(slot("a"));
    if (!first.ok) throw new Error("first reserve refused");
    first.reservation.release();
    const second = limiter.reserve(slot("b"));
    if (!second.ok) throw new Error("a released slot was not given back");
    second.reservation.keep();
    second.reservation.release(); // a second word from the same attempt changes nothing
    expect(limiter.reserve(slot("c")).ok).toBe(false);
  });

  it("the same holder re-uses its slot, also after keep, and never takes a second one", () => {
    const limiter = createLimiter(rules);
    const first = limiter.reserve(slot("kill-pod|Pod|shop|web-1|uid-1"));
    if (!first.ok) throw new Error("refused");
    first.reservation.keep(); // timed out: may have landed
    const redelivery = limiter.reserve(slot("kill-pod|Pod|shop|web-1|uid-1"));
    expect(redelivery.ok).toBe(true);
    if (redelivery.ok) redelivery.reservation.release(); // it found the pod gone
    expect(limiter.reserve(slot("kill-pod|Pod|shop|web-2|uid-2")).ok).toBe(false);
  });

  it("counts objects, not writes: three incidents escalating one node hold one slot", () => {
    const limiter = createLimiter([
      { name: "node taints per cluster", scope: "cluster", max: 1, windowMs: 60_000 },
    ]);
    const node = { cluster: "prod", holder: "taint-node|Node||node-1|uid-n1" };
    for (const incident of ["a", "b", "c"]) {
      const decision = limiter.reserve({ ...node, by: incident });
      if (!decision.ok) throw new Error(`incident ${incident} refused: ${decision.reason}`);
      decision.reservation.keep();
    }
    expect(limiter.reserve({ cluster: "prod", holder: "taint-node|Node||node-2|uid-n2", by: "d" }).ok).toBe(
      false,
    );
  });

  it("remembers which command kept a slot, for the slot's window only", () => {
    const clock = { now: 0 };
    const limiter = createLimiter(rules, at(clock));
    const holder = "kill-pod|Pod|shop|web-1|uid-1";
    const first = limiter.reserve({ ...slot(holder), by: "incident-1" });
    const other = limiter.reserve({ ...slot(holder), by: "incident-2" });
    if (!first.ok || !other.ok) throw new Error("refused");
    expect(limiter.keptBy(holder, "incident-1")).toBe(false); // still running: nothing kept yet
    first.reservation.keep();
    other.reservation.release(); // found nothing to do
    expect(limiter.keptBy(holder, "incident-1")).toBe(true);
    expect(limiter.keptBy(holder, "incident-2")).toBe(false);
    clock.now = 60_000;
    expect(limiter.keptBy(holder, "incident-1")).toBe(false);
  });

  it("two attempts of one holder at once: the slot goes back only when neither may have acted", () => {
    const limiter = createLimiter(rules);
    const one = limiter.reserve(slot("h"));
    const two = limiter.reserve(slot("h"));
    if (!one.ok || !two.ok) throw new Error("refused");
    two.reservation.release(); // the duplicate saw nothing to do while the first is still running
    expect(limiter.reserve(slot("other")).ok).toBe(false);
    one.reservation.release();
    expect(limiter.reserve(slot("other")).ok).toBe(true);
  });

  it("slots expire with their window, kept or not", () => {
    const clock = { now: 0 };
    const limiter = createLimiter(rules, at(clock));
    const first = limiter.reserve(slot("a"));
    if (first.ok) first.reservation.keep();
    clock.now = 59_999;
    expect(limiter.reserve(slot("b")).ok).toBe(false);
    clock.now = 60_000;
    expect(limiter.reserve(slot("b")).ok).toBe(true);
    // The old holder's slot is gone too: it takes a new one, which the limit now refuses.
    expect(limiter.reserve(slot("a")).ok).toBe(false);
  });
});
