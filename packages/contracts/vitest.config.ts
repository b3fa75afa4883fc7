import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/contracts", include: ["src/**/*.test.ts"] },
});
