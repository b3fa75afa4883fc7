import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/router", include: ["src/**/*.test.ts"] },
});
