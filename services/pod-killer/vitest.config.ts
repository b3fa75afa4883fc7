import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/pod-killer", include: ["src/**/*.test.ts"] },
});
