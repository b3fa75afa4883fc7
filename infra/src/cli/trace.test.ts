// `riposte trace INCIDENT --project P`: the Cloud Trace console link, built as the notifier builds it
// (@riposte/service-kit/gcp), and refused for a project that is no project id.
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "./command.js";
import { traceCommand } from "./trace.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("riposte trace --project", () => {
  it("prints the incident's Cloud Trace console link", async () => {
    const printed = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await traceCommand.run([INCIDENT, "--project", "acme-prod"])).toBe(0);
    expect(printed).toHaveBeenCalledWith(
      `https://console.cloud.google.com/traces/list?project=acme-prod&tid=${INCIDENT}`,
    );
  });

  it.each(["Acme Prod", "example.com:acme", "a&tid=x"])(
    "refuses %j, which is no project id",
    async (project) => {
      const printed = vi.spyOn(console, "log").mockImplementation(() => {});
      await expect(traceCommand.run([INCIDENT, "--project", project])).rejects.toThrow(UsageError);
      expect(printed).not.toHaveBeenCalled();
    },
  );
});
