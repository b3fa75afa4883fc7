import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/standins", include: ["src/**/*.test.ts"] },
});
