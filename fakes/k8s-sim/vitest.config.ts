import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/k8s-sim", include: ["src/**/*.test.ts"] },
});
