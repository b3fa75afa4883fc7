import { defineProject } from "vitest/config";

// The benchmark's own helpers (statistics, report, load generator), never timed: `npx vitest run --root bench`.
export default defineProject({
  test: { name: "bench", include: ["src/**/*.test.ts"] },
});
