import { describe, expect, it } from "vitest";
import {
  APPROVABLE_ACTIONS,
  ApprovalPolicy,
  ApprovalRef,
  Approver,
  approvalId,
  DeciderIdentity,
  Email,
} from "./approval.js";
import { isIncidentKey } from "./incident-key.js";

const KEY = "0123456789abcdef0123456789abcdef";

describe("approvers", () => {
  it("normalises a bare email, user: and group: to lower case with their kind", () => {
    expect(Approver.parse(" Alice@Acme.COM ")).toBe("user:alice@acme.com");
    expect(Approver.parse("USER:bob@acme.com")).toBe("user:bob@acme.com");
    expect(Approver.parse("group:SRE@acme.com")).toBe("group:sre@acme.com");
  });

  it.each([
    "",
    "alice",
    "team:sre@acme.com",
    "group:",
    "alice@acme.com\nbob@acme.com",
    "<script>@acme.com",
    "alice@acme.com ; group:all@acme.com",
    `${"a".repeat(65)}@acme.com`,
  ])("refuses %j, naming it", (text) => {
    const parsed = Approver.safeParse(text);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/approver .*expected an email/);
  });

  it("an email is plain ASCII: a look-alike Cyrillic letter is not the same person", () => {
    expect(Email.safeParse("аlice@acme.com").success).toBe(false);
    // The Kelvin sign lower-cases to an ASCII k: checked before lower-casing, it is refused.
    expect(Email.safeParse("\u212Aate@acme.com").success).toBe(false);
    expect(Approver.safeParse("group:\u212Aate@acme.com").success).toBe(false);
  });
});

describe("ApprovalPolicy", () => {
  it("bounds the timeout to 1 minute .. 24 hours and needs an approver", () => {
    const base = { onTimeout: "abandon", approvers: ["alice@acme.com"] };
    expect(ApprovalPolicy.safeParse({ ...base, timeoutSeconds: 59 }).success).toBe(false);
    expect(ApprovalPolicy.safeParse({ ...base, timeoutSeconds: 86_401 }).success).toBe(false);
    expect(ApprovalPolicy.safeParse({ ...base, timeoutSeconds: 900.5 }).success).toBe(false);
    expect(ApprovalPolicy.safeParse({ ...base, timeoutSeconds: 900, approvers: [] }).success).toBe(false);
    expect(ApprovalPolicy.safeParse({ ...base, timeoutSeconds: 900, onTimeout: "maybe" }).success).toBe(
      false,
    );
    expect(ApprovalPolicy.parse({ ...base, timeoutSeconds: 900 }).approvers).toEqual(["user:alice@acme.com"]);
  });
});

describe("ApprovalRef and ids", () => {
  it("names only actions that can be held: notify and export-finding never wait", () => {
    expect(APPROVABLE_ACTIONS).toContain("kill-pod");
    expect(APPROVABLE_ACTIONS).not.toContain("notify");
    expect(ApprovalRef.safeParse({ incident: KEY, action: "notify" }).success).toBe(false);
    expect(ApprovalRef.safeParse({ incident: KEY, action: "__proto__" }).success).toBe(false);
    expect(ApprovalRef.safeParse({ incident: "../x", action: "kill-pod" }).success).toBe(false);
    expect(ApprovalRef.safeParse({ incident: KEY, action: "kill-pod", extra: 1 }).success).toBe(false);
  });

  it("an approval id cannot collide: incident keys never hold the separator", () => {
    expect(approvalId(KEY, "kill-pod")).toBe(`${KEY}~kill-pod`);
    expect(isIncidentKey(`${KEY}~`)).toBe(false);
  });

  it("a decider is an approver's user:, a local operator or the deadline — nothing else", () => {
    for (const ok of ["user:alice@acme.com", "local:root", "deadline"])
      expect(DeciderIdentity.safeParse(ok).success).toBe(true);
    for (const bad of ["group:sre@acme.com", "local:a b", "user:", "deadline "])
      expect(DeciderIdentity.safeParse(bad).success).toBe(false);
  });
});
