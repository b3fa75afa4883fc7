import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/capture", include: ["src/**/*.test.ts"] },
});
