import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/k8s-response", include: ["src/**/*.test.ts"] },
});
