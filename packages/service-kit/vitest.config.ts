import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/service-kit", include: ["src/**/*.test.ts"] },
});
