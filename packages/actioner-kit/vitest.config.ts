import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/actioner-kit", include: ["src/**/*.test.ts"] },
});
