import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/scc-exporter", include: ["src/**/*.test.ts"] },
});
