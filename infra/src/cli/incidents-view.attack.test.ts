// Adversarial review (issue 18): `riposte incidents list|show` never lets an alert's text reach the
// terminal raw — not as lines, not as --json — whatever field the attacker's text lands in.
import { severityOf } from "@riposte/contracts";
import { type IncidentRecord, incidentTarget } from "@riposte/ledger";
import { describe, expect, it } from "vitest";
import {
  incidentJson,
  incidentListJson,
  incidentListLines,
  incidentShowLines,
  terminalJson,
} from "./incidents-view.js";

const KEY = "0123456789abcdef0123456789abcdef";
const at = new Date("2026-12-05T10:00:00Z");
const noLink = () => null;

function record(text: string): IncidentRecord {
  return {
    incident: KEY,
    alert: {
      rule: `rule ${text}`,
      priority: "Critical",
      severity: severityOf("Critical"),
      time: `time ${text}`,
      timeNs: "1",
      source: `source ${text}`,
      hostname: `host ${text}`,
      tags: [`tag ${text}`],
      output: `output ${text}`,
      outputFields: { [`field ${text}`]: `value ${text}`, cluster: "prod-eu" },
    },
    router: {
      claimId: "c",
      state: "routed",
      claimedAt: at,
      routedAt: at,
      decision: {
        playbooks: [`playbook ${text}`],
        actions: [{ action: "kill-pod", dryRun: false, playbooks: [] }],
      },
    },
    actions: {
      "kill-pod": {
        service: `svc ${text}`,
        attempts: 1,
        lastAttemptAt: at,
        outcome: { result: "done", reason: `reason ${text}`, at },
        job: { name: `job ${text}`, state: "failed", reason: `job reason ${text}`, at },
      },
    },
    notifications: { [`dest ${text}`]: { status: "failed", reason: `why ${text}`, at } },
    finding: { name: `finding ${text}`, recordedAt: at },
    traceId: `trace ${text}`,
    expireAt: at,
  } as IncidentRecord;
}

/** What a terminal may act on or what reorders text: C0/C1 (tab aside), DEL, line/paragraph separators, every Bidi_Control. */
const ACTIONABLE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u;
const TAB = "\t";
function everything(text: string): string {
  const list = { incidents: [record(text)], truncated: false, unreadable: [] };
  return [
    ...incidentListLines(list, noLink),
    ...incidentShowLines(record(text), noLink),
    terminalJson(incidentJson(record(text), noLink)),
    terminalJson(incidentListJson(list, { since: at, cluster: undefined }, noLink)),
  ].join("\n");
}
function raw(output: string): string[] {
  return [...output.split("\n").join("")].filter((char) => char !== TAB && ACTIONABLE.test(char));
}

describe("incidents view under attack", () => {
  it("ANSI, C1 (CSI \\u009b, NEL \\u0085), CR, line separators, bidi overrides and isolates: never raw", () => {
    const hostile = "\u001b[2J\u001b]0;pwned\u0007\r\u009b31m\u0085\u2028\u2029\u202e\u2066\u2069\u007f";
    expect(raw(everything(hostile))).toEqual([]);
  });

  it("the implicit bidi marks (RLM U+200F, LRM U+200E, ALM U+061C, all Bidi_Control) are never raw either", () => {
    expect(raw(everything("web-1\u200f\u200e\u061c.shop"))).toEqual([]);
  });

  it("--json escapes what it shows and still parses to the very text", () => {
    const hostile = "a\u001b[31m\u009b\u2028\u202e\u200f\u061cz";
    const parsed = JSON.parse(terminalJson(incidentJson(record(hostile), noLink)));
    expect(parsed.incident.rule).toBe(`rule ${hostile}`);
    expect(parsed.incident.alert.outputFields[`field ${hostile}`]).toBe(`value ${hostile}`);
  });

  it("a rule clipped in the list never cuts a surrogate pair in half (no lone surrogate printed)", () => {
    const rule = `${"a".repeat(53)}😈😈😈😈😈`;
    const list = { incidents: [record(rule)], truncated: false, unreadable: [] };
    for (const line of incidentListLines(list, noLink))
      expect(line).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it("--json keeps every key with nothing recorded but the key (stable shape)", () => {
    const bare = { incident: KEY, actions: {}, notifications: {}, expireAt: at } as unknown as IncidentRecord;
    const shown = JSON.parse(terminalJson(incidentJson(bare, noLink)));
    expect(Object.keys(shown.incident).sort()).toEqual(
      [
        "incident",
        "shortKey",
        "rule",
        "priority",
        "target",
        "alert",
        "decision",
        "actions",
        "notifications",
        "finding",
        "trace",
        "expireAt",
      ].sort(),
    );
    expect(shown.incident).toMatchObject({
      rule: null,
      alert: null,
      decision: null,
      finding: null,
      target: null,
    });
  });

  it("the cluster is the one the router stored, never one the alert's fields claim", () => {
    const spoofing = record("x");
    (spoofing.router as NonNullable<IncidentRecord["router"]>).decision.target = {
      cluster: "prod-eu",
      rejected: [],
    };
    (spoofing.alert as NonNullable<IncidentRecord["alert"]>).outputFields = {
      cluster: "staging",
      "k8s.cluster.name": "staging",
    };
    expect(incidentTarget(spoofing)?.cluster).toBe("prod-eu");
    expect(
      incidentListLines({ incidents: [spoofing], truncated: false, unreadable: [] }, noLink)[0],
    ).toContain("cluster prod-eu");
  });
});
