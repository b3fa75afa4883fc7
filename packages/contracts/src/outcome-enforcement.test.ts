// isolate-pod's outcome says whether the cluster enforces NetworkPolicies: details.enforced (true, false
// or "unknown") and details.enforcement (why). Optional and additive: outcomes without it still parse.
import { describe, expect, it } from "vitest";
import { ActionOutcome, parseMessage } from "./messages.js";

const outcome = (details: Record<string, unknown>) => ({
  v: 1,
  kind: "ActionOutcome",
  service: "isolator",
  action: "isolate-pod",
  incident: "0123456789abcdef0123456789abcdef",
  result: "done",
  reason: "isolated pod shop/web",
  details,
  at: "2026-01-02T03:04:05.000Z",
});

describe("ActionOutcome details.enforced", () => {
  it.each([true, false, "unknown"])("carries %s with its reason", (enforced) => {
    const parsed = parseMessage(
      ActionOutcome,
      JSON.stringify(outcome({ enforced, enforcement: "why", cluster: "prod" })),
    );
    expect(parsed.ok && parsed.value.details.enforced).toBe(enforced);
    expect(parsed.ok && parsed.value.details.enforcement).toBe("why");
    expect(parsed.ok && parsed.value.details.cluster).toBe("prod");
  });

  it("is optional: an outcome without it parses as before", () => {
    const parsed = parseMessage(ActionOutcome, JSON.stringify(outcome({ cluster: "prod" })));
    expect(parsed.ok && parsed.value.details).toEqual({ cluster: "prod" });
  });

  it("is only true, false or unknown", () => {
    const parsed = parseMessage(ActionOutcome, JSON.stringify(outcome({ enforced: "yes" })));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.path).toBe("$.details.enforced");
  });
});
