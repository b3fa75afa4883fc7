// One vitest run for the whole monorepo: each workspace is a project with its own config, and one real
// Pub/Sub emulator and one real Firestore emulator are started for the whole run (tests use unique topic
// names and project ids).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "fakes/*", "services/*", "infra", "test", "bench"],
    globalSetup: [
      "./packages/service-kit/src/testing/global-setup.ts",
      "./packages/service-kit/src/testing/firestore-global-setup.ts",
    ],
  },
});
