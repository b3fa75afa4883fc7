import { describe, expect, it } from "vitest";
import { RetryableError, retryableOn } from "./errors.js";

class OutOfReach extends Error {}

describe("retryableOn", () => {
  it("turns the dependency's unavailability into a RetryableError (503) saying what was being done", async () => {
    const cause = new OutOfReach("deadline exceeded");
    const error = await retryableOn(OutOfReach, "claiming the incident", () => Promise.reject(cause)).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).message).toBe("claiming the incident: deadline exceeded");
    expect((error as RetryableError).cause).toBe(cause);
  });

  it("lets any other error through unchanged, and a thrown one too", async () => {
    const other = new TypeError("a bug");
    await expect(retryableOn(OutOfReach, "x", () => Promise.reject(other))).rejects.toBe(other);
    const thrown = new OutOfReach("thrown before any promise");
    await expect(
      retryableOn(OutOfReach, "x", () => {
        throw thrown;
      }),
    ).rejects.toBeInstanceOf(RetryableError);
  });

  it("returns the call's value", async () => {
    await expect(retryableOn(OutOfReach, "x", async () => 42)).resolves.toBe(42);
  });
});
