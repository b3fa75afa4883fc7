import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/isolator", include: ["src/**/*.test.ts"] },
});
