import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/tainter", include: ["src/**/*.test.ts"] },
});
