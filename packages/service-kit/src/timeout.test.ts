import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RetryableError } from "./errors.js";
import { TimeoutError, withTimeout } from "./timeout.js";

/** Work that never ends by itself: it rejects with its signal's reason once that aborts. */
function untilAborted(seen: { signal?: AbortSignal }) {
  return (signal: AbortSignal) => {
    seen.signal = signal;
    return new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
  };
}

describe("withTimeout", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("passes the work's result through and leaves no timer behind", async () => {
    const result = withTimeout(async () => "published", { what: "publish to alerts", timeoutMs: 1_000 });
    await expect(result).resolves.toBe("published");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the work's own rejection through unchanged, and clears its timer", async () => {
    const refused = new TypeError("bug in the handler");
    const result = withTimeout(async () => Promise.reject(refused), { what: "handler", timeoutMs: 1_000 });
    await expect(result).rejects.toBe(refused);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects on time with a retryable TimeoutError naming what timed out", async () => {
    const result = withTimeout(() => new Promise<never>(() => {}), {
      what: "publish to alerts",
      timeoutMs: 1_000,
    });
    const settled = expect(result).rejects.toSatisfy(
      (error) =>
        error instanceof TimeoutError &&
        error instanceof RetryableError &&
        error.what === "publish to alerts" &&
        error.timeoutMs === 1_000 &&
        error.message === "publish to alerts timed out after 1000 ms",
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts the work's signal when the time is up, with the TimeoutError as its reason", async () => {
    const seen: { signal?: AbortSignal } = {};
    const result = withTimeout(untilAborted(seen), { what: "deleting pod", timeoutMs: 500 });
    const settled = expect(result).rejects.toBeInstanceOf(TimeoutError);
    expect(seen.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    await settled;
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.signal?.reason).toBeInstanceOf(TimeoutError);
  });

  it("an outer signal aborts the work too and rejects with its reason; its listener is removed", async () => {
    const outer = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    const result = withTimeout(untilAborted(seen), {
      what: "planning",
      timeoutMs: 10_000,
      signal: outer.signal,
    });
    const deadline = new RetryableError("push handler deadline exceeded");
    outer.abort(deadline);
    await expect(result).rejects.toBe(deadline);
    expect(seen.signal?.reason).toBe(deadline);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an outer signal already aborted rejects at once", async () => {
    const deadline = new RetryableError("push handler deadline exceeded");
    const result = withTimeout(async () => "late", {
      what: "planning",
      timeoutMs: 10_000,
      signal: AbortSignal.abort(deadline),
    });
    await expect(result).rejects.toBe(deadline);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not keep an outer signal's listener once the work is done", async () => {
    const outer = new AbortController();
    const removed = vi.spyOn(outer.signal, "removeEventListener");
    await withTimeout(async () => "ok", { what: "x", timeoutMs: 1_000, signal: outer.signal });
    expect(removed).toHaveBeenCalledWith("abort", expect.any(Function));
  });

  describe("grace for work under way", () => {
    it("waits for busy work past the time (signal aborted on time): its result wins", async () => {
      const seen: { signal?: AbortSignal } = {};
      const result = withTimeout(
        (signal) => {
          seen.signal = signal;
          return new Promise<string>((resolve) => setTimeout(() => resolve("committed"), 1_300));
        },
        { what: "handler", timeoutMs: 1_000, grace: { ms: 500, busy: () => true } },
      );
      await vi.advanceTimersByTimeAsync(1_000);
      expect(seen.signal?.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(300);
      await expect(result).resolves.toBe("committed");
      expect(vi.getTimerCount()).toBe(0);
    });

    it("rejects when the grace is over too", async () => {
      const result = withTimeout(() => new Promise<never>(() => {}), {
        what: "handler",
        timeoutMs: 1_000,
        grace: { ms: 500, busy: () => true },
      });
      const settled = expect(result).rejects.toThrow(
        "handler timed out after 1000 ms; its work under way still not done 500 ms later",
      );
      await vi.advanceTimersByTimeAsync(1_499);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await settled;
      expect(vi.getTimerCount()).toBe(0);
    });

    it("an outer abort (the shutdown grace's end) waits for busy work the same way", async () => {
      const outer = new AbortController();
      const seen: { signal?: AbortSignal } = {};
      const result = withTimeout(
        (signal) => {
          seen.signal = signal;
          return new Promise<string>((resolve) => setTimeout(() => resolve("committed"), 300));
        },
        { what: "handler", timeoutMs: 10_000, signal: outer.signal, grace: { ms: 500, busy: () => true } },
      );
      outer.abort(new Error("shutting down"));
      expect(seen.signal?.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(300);
      await expect(result).resolves.toBe("committed");
    });

    it("an outer abort rejects with its reason once the grace is over", async () => {
      const outer = new AbortController();
      const result = withTimeout(() => new Promise<never>(() => {}), {
        what: "handler",
        timeoutMs: 10_000,
        signal: outer.signal,
        grace: { ms: 500, busy: () => true },
      });
      const settled = expect(result).rejects.toThrow("shutting down");
      outer.abort(new Error("shutting down"));
      await vi.advanceTimersByTimeAsync(500);
      await settled;
      expect(vi.getTimerCount()).toBe(0);
    });

    it("no grace when nothing is under way", async () => {
      const result = withTimeout(() => new Promise<never>(() => {}), {
        what: "handler",
        timeoutMs: 1_000,
        grace: { ms: 500, busy: () => false },
      });
      const settled = expect(result).rejects.toThrow("handler timed out after 1000 ms");
      await vi.advanceTimersByTimeAsync(1_000);
      await settled;
    });
  });
});
