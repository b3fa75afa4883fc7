import { RetryableError } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { RACE_ATTEMPTS, RACE_LOST, retryLostRaces } from "./races.js";

describe("retryLostRaces", () => {
  it("retries an attempt that lost a race, and returns the first that did not", async () => {
    const seen: number[] = [];
    const result = await retryLostRaces("x", async (n) => {
      seen.push(n);
      return n < 3 ? RACE_LOST : "won";
    });
    expect(result).toBe("won");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("after RACE_ATTEMPTS lost races: a RetryableError naming what kept changing", async () => {
    let calls = 0;
    const losing = retryLostRaces("taint node n1", async () => {
      calls += 1;
      return RACE_LOST;
    });
    await expect(losing).rejects.toThrow(RetryableError);
    await expect(losing).rejects.toThrow(/^taint node n1: the object changed between read and write 4 times/);
    expect(calls).toBe(RACE_ATTEMPTS);
  });

  it("an error of the attempt is not a race: it is thrown at once", async () => {
    let calls = 0;
    const failing = retryLostRaces("x", async () => {
      calls += 1;
      throw new Error("boom");
    });
    await expect(failing).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });
});
