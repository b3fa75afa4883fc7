import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@riposte/infra",
    include: ["src/**/*.test.ts"],
    // Loading the services' descriptors, bundling and gcloud runs are slow on a busy 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
