import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "e2e",
    include: ["e2e/**/*.test.ts"],
    // Services start as processes and messages cross the emulator: minutes, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
