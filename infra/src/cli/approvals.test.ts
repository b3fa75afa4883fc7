// `riposte approvals list` through the whole command, against the run's real Firestore emulator: held
// actions written as the router writes them, decided as the console's decide() and another writer would.
import { shortKey } from "@riposte/ledger";
import { beforeAll, describe, expect, it } from "vitest";
import { MINUTE, useApprovalsFixture } from "./approvals-fixture.js";
import { APPROVALS_JSON_VERSION } from "./approvals-view.js";

const fixture = useApprovalsFixture("approvals-cli");
/** What a writer other than the CLI may leave in a decision's reason: the ledger takes any ≤ 500. */
const HOSTILE = "ok\n\u001b[2J\u001b]8;;https://evil\u0007click\u202egnp.exe\u2028<script>";
/** What a terminal could act on: C0 (but the line feed between lines) and C1 controls, separators, bidi. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the attack is control characters.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
let awaiting: string;
let soon: string;
let denied: string;

beforeAll(async () => {
  awaiting = (await fixture.hold({ deadline: new Date(Date.now() + 30 * MINUTE) })).incident;
  soon = (await fixture.hold({ deadline: new Date(Date.now() + 10 * MINUTE) })).incident;
  denied = (await fixture.hold()).incident;
  const decided = await fixture.router.decideApproval({
    incident: denied,
    action: "kill-pod",
    decision: "denied",
    by: "user:bob@acme.com",
    via: "slack",
    reason: HOSTILE,
  });
  expect(decided.ok).toBe(true);
}, 60_000);

describe("riposte approvals list", { timeout: 60_000 }, () => {
  it("one line per held action: short key, action, state, target, deadline or decision, approvers", async () => {
    const { code, out } = await fixture.run("approvals", "list");
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines).toHaveLength(3);
    const line = (key: string) => lines.find((candidate) => candidate.startsWith(shortKey(key))) ?? "";
    expect(line(awaiting)).toMatch(
      /^\w{12} {2}kill-pod {5}awaiting-approval {2}pod shop\/web-\S+ · node \S+ {2}— {2}deadline \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, then proceed {2}— {2}approvers user:alice@acme.com, group:sre@acme.com$/,
    );
    expect(line(denied)).toContain("denied             ");
    expect(line(denied)).toMatch(/by user:bob@acme.com via slack at \S+ \S+Z \(ok\\u000a\\u001b\[2J/);
    expect(line(denied)).toContain("not published yet");
  });

  it("no control, line-break or bidi character of a decision's reason reaches the terminal, in lines or --json", async () => {
    for (const args of [
      ["approvals", "list"],
      ["approvals", "list", "--json"],
    ]) {
      const { code, out } = await fixture.run(...args);
      expect(code).toBe(0);
      expect(out).not.toMatch(RAW);
    }
    const { out } = await fixture.run("approvals", "list", "--json", "--state", "denied");
    const parsed = JSON.parse(out);
    expect(parsed.approvals[0].decision.reason).toBe(HOSTILE.slice(0, 500));
  });

  it("--state awaiting-approval: soonest deadline first; --json is the documented shape", async () => {
    const { code, out } = await fixture.run("approvals", "list", "--state", "awaiting-approval", "--json");
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed).toMatchObject({
      version: APPROVALS_JSON_VERSION,
      state: "awaiting-approval",
      truncated: false,
    });
    expect(parsed.approvals.map((approval: { incident: string }) => approval.incident)).toEqual([
      soon,
      awaiting,
    ]);
    expect(Object.keys(parsed.approvals[0]).sort()).toEqual(
      [
        "action",
        "approvers",
        "deadline",
        "decision",
        "incident",
        "onTimeout",
        "published",
        "refusals",
        "requestedAt",
        "shortKey",
        "state",
        "target",
      ].sort(),
    );
    expect(parsed.approvals[0]).toMatchObject({
      shortKey: shortKey(soon),
      action: "kill-pod",
      onTimeout: "proceed",
      approvers: ["user:alice@acme.com", "group:sre@acme.com"],
      decision: null,
      published: null,
      refusals: [],
      target: { cluster: null, namespace: "shop", pod: expect.stringMatching(/^web-/) },
    });
  });

  it("--limit bounds the listing and says more match; bad options exit 2", async () => {
    const { code, out } = await fixture.run("approvals", "list", "--limit", "1");
    expect(code).toBe(0);
    expect(out.split("\n")).toEqual([
      expect.any(String),
      "… more held actions match: raise --limit or narrow --state",
    ]);
    for (const args of [
      ["--state", "pending"],
      ["--state", "__proto__"],
      ["--limit", "0"],
      ["--limit", "501"],
      ["--limit", "1e2"],
      ["--since", "1h"],
    ]) {
      const result = await fixture.run("approvals", "list", ...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
    }
    expect((await fixture.run("approvals", "show")).code).toBe(2);
  });
});
