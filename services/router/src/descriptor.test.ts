import { ACTIONS, Topics } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { routerDescriptor } from "./descriptor.js";

describe("router descriptor", () => {
  it("publishes to every action's topic (from the catalogue) and to quarantine", () => {
    expect(routerDescriptor.publishes).toEqual([
      ...Object.values(ACTIONS).map((action) => action.topic),
      Topics.quarantine,
    ]);
  });
});
