// One vitest run for the whole monorepo: each workspace is a project with its own config.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "services/*", "infra", "test"],
  },
});
