import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/node-capturer", include: ["src/**/*.test.ts"] },
});
