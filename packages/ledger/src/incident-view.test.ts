// The incident view's approval parts: a held action reads awaiting-approval until decided, and the
// timeline says when it was held and who decided, via what, with the reason.
import { describe, expect, it } from "vitest";
import type { IncidentRecord } from "./incident.js";
import { actionState, incidentTimeline, incidentView } from "./incident-view.js";

const KEY = "0123456789abcdef0123456789abcdef";
const at = (minute: number) => new Date(Date.UTC(2026, 11, 5, 10, minute));
const noLink = () => null;

function record(approval: NonNullable<IncidentRecord["actions"][string]["approval"]>): IncidentRecord {
  return {
    incident: KEY,
    router: {
      claimId: "c",
      state: "routed",
      claimedAt: at(0),
      routedAt: at(0),
      decision: {
        playbooks: ["careful"],
        actions: [{ action: "kill-pod", dryRun: false, playbooks: ["careful"] }],
      },
    },
    actions: { "kill-pod": { attempts: 0, approval } },
    notifications: {},
    expireAt: at(60),
  };
}

describe("incident view of a held action", () => {
  it("awaiting: its state, and the hold in the decision and the timeline", () => {
    const view = incidentView(record({ state: "awaiting-approval", deadline: at(15) }), noLink);
    const [kill] = view.actions;
    expect(kill && actionState(kill)).toBe("awaiting-approval");
    expect(kill?.approval).toEqual({
      state: "awaiting-approval",
      deadline: at(15).toISOString(),
      by: null,
      via: null,
      at: null,
      reason: null,
    });
    expect(incidentTimeline(view).map((event) => [event.what, event.text])).toEqual([
      ["decision", "playbooks careful → kill-pod (held for approval)"],
      ["kill-pod", `held for approval until ${at(15).toISOString()}`],
    ]);
  });

  it("decided: who, via what, why, at the decision's time", () => {
    const view = incidentView(
      record({
        state: "denied",
        deadline: at(15),
        by: "user:bob@acme.com",
        via: "console",
        at: at(3),
        reason: "false positive",
      }),
      noLink,
    );
    const events = incidentTimeline(view);
    expect(events.at(-1)).toEqual({
      at: at(3).toISOString(),
      what: "kill-pod",
      text: "DENIED by user:bob@acme.com via console: false positive",
    });
  });
});
