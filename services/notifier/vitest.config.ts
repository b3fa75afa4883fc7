import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/notifier", include: ["src/**/*.test.ts"] },
});
