import { DEFAULT_PUBLISHER_OPTIONS } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { RELAY_BATCHING } from "./relay-batching.js";

describe("relay floor", () => {
  it("publishes with the services' own batching settings", () => {
    expect(RELAY_BATCHING).toEqual(DEFAULT_PUBLISHER_OPTIONS.batching);
  });
});
