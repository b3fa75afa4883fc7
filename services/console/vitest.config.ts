import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/console", include: ["src/**/*.test.ts"] },
});
