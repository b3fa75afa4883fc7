// gcloudHelp needs PATH only: an unrelated bad CLI variable must not stop it.
import { afterEach, describe, expect, it, vi } from "vitest";
import { GcloudNotFoundError, gcloudHelp } from "./gcloud-help.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("gcloudHelp and the CLI environment", () => {
  it("is not stopped by an unrelated CLI variable (RIPOSTE_PORT_BASE) that is not a port", async () => {
    vi.stubEnv("RIPOSTE_PORT_BASE", "eighty-eighty");
    await expect(gcloudHelp(["run", "deploy"], "/nonexistent/gcloud")).rejects.toBeInstanceOf(
      GcloudNotFoundError,
    );
  });
});
