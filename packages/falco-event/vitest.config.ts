import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/falco-event", include: ["src/**/*.test.ts"] },
});
