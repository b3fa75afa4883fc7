import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@riposte/ledger", include: ["src/**/*.test.ts"] },
});
