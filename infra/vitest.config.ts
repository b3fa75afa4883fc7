import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/infra", include: ["src/**/*.test.ts"] },
});
