// withTimeout when the outer signal is already aborted and the work throws before it returns a promise.
import { afterEach, describe, expect, it } from "vitest";
import { withTimeout } from "./timeout.js";

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);

afterEach(() => {
  process.off("unhandledRejection", record);
  unhandled.length = 0;
});

describe("withTimeout, work that throws at once", () => {
  it("leaves no unhandled rejection when the outer signal was aborted and the work throws synchronously", async () => {
    process.on("unhandledRejection", record);
    const outer = new AbortController();
    outer.abort(new Error("push handler deadline exceeded"));
    const syncThrow = (): Promise<never> => {
      throw new Error("bad input");
    };
    await expect(
      withTimeout(syncThrow, { what: "step", timeoutMs: 1_000, signal: outer.signal }),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled.map(String)).toEqual([]);
  });
});
