// Attack tests (adversarial review of issue 15 #5): storm control must never hide an escalation.
import { messageAttributes } from "@riposte/contracts";
import { commandFromExample } from "@riposte/contracts/testing";
import { pushRequest } from "@riposte/service-kit/testing";
import { findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_ATTRIBUTES } from "./dead-letters.js";
import type { NotifierSettings } from "./notifier.js";
import { HOSTILE_TEXT, notifyCommand, outcomeOf } from "./test-commands.js";
import { notifierApp, SLACK, useWebhookReceiver } from "./testing/fixture.js";

const receiver = await useWebhookReceiver();

function setup(settings: Partial<NotifierSettings>) {
  return notifierApp(receiver, {
    destinations: [{ name: "slack", type: "slack", url: receiver.url(SLACK) }],
    minIntervalMs: 5,
    settings: { outcomeGraceMs: 200, ...settings },
    delivery: { maxAttempts: 2, attemptTimeoutMs: 2_000, backoff: { initialMs: 20, maxMs: 50 } },
  });
}
const texts = () => receiver.delivered(SLACK).map((r) => JSON.stringify(r.json));

describe("attack: storm control and escalations", () => {
  it("a held-back alert's destructive outcome announces it, also when its outcome window already sent one", async () => {
    const { notify, report } = setup({ stormWindowMs: 600_000 });
    const a = notifyCommand(undefined, { destinations: ["slack"] });
    const b = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(a);
    await report(outcomeOf(a));
    await notify(b); // held back
    expect(texts().filter((t) => t.includes(b.incident))).toHaveLength(0);
    await report(outcomeOf(b));
    const aboutB = texts().filter((t) => t.includes(b.incident));
    expect(aboutB).toHaveLength(1);
    expect(aboutB[0]).toContain("`kill-pod` done by `pod-killer`");
  });

  it("a higher priority after held-back lower ones is announced; the summary names the highest held back", async () => {
    const { app, notify } = setup({ stormWindowMs: 600_000 });
    const first = notifyCommand(undefined, { top: { priority: "Notice" }, destinations: ["slack"] });
    await notify(first);
    for (let i = 0; i < 3; i++)
      await notify(notifyCommand(undefined, { top: { priority: "Notice" }, destinations: ["slack"] }));
    const warning = notifyCommand(undefined, { top: { priority: "Warning" }, destinations: ["slack"] });
    await notify(warning);
    await notify(notifyCommand(undefined, { top: { priority: "Notice" }, destinations: ["slack"] }));
    const error = notifyCommand(undefined, { top: { priority: "Error" }, destinations: ["slack"] });
    await notify(error);
    expect(texts().filter((t) => t.includes(warning.incident))).toHaveLength(1);
    expect(texts().filter((t) => t.includes(error.incident))).toHaveLength(1);
    await app.notifier.flush(2_000);
    const summary = texts().find((t) => t.includes("more similar alerts"));
    expect(summary).toContain("4 more similar alerts");
    expect(summary).toContain("Highest priority held back: Notice");
  });

  for (const result of ["done", "failed"] as const) {
    it(`the kill-pod ${result} of an escalated Critical is followed up at once, also when a Notice's opened its outcome window`, async () => {
      const { notify, report } = setup({ stormWindowMs: 600_000 });
      const notice = notifyCommand(undefined, { top: { priority: "Notice" }, destinations: ["slack"] });
      const critical = notifyCommand(undefined, { destinations: ["slack"] });
      await notify(notice);
      await report(outcomeOf(notice, { result })); // opens the "kill-pod <result>" outcome window
      await notify(critical); // escalation: announced
      expect(texts().filter((t) => t.includes(critical.incident))).toHaveLength(1);
      await report(outcomeOf(critical, { result }));
      // What was done to the Critical's pod must be seen now, not 10 minutes later in a summary.
      const aboutCritical = texts().filter((t) => t.includes(critical.incident));
      expect(aboutCritical.some((t) => t.includes(`kill-pod\` ${result}`))).toBe(true);
    });
  }

  it("a dead-lettered kill of a held-back alert announces that alert in full before its FAILED line", async () => {
    const { app, notify } = setup({ stormWindowMs: 600_000 });
    const a = notifyCommand(undefined, { destinations: ["slack"] });
    const b = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(a);
    await notify(b); // held back
    const kill = commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
      top: { time: b.alert.time },
      playbooks: ["kill-critical-workload"],
    });
    expect(kill.incident).toBe(b.incident);
    const deadLetter = pushRequest(kill, {
      ...messageAttributes(kill),
      [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: "pod-killer",
      [DEAD_LETTER_ATTRIBUTES.deliveryCount]: "100",
    });
    expect((await app.request("/dead-letters", deadLetter)).status).toBe(204);
    const aboutB = texts().filter((t) => t.includes(b.incident));
    expect(aboutB).toHaveLength(2);
    // The incident the FAILED line names is announced first (priority, rule, output), then the line.
    expect(aboutB[0]).toContain("Critical Falco alert");
    expect(aboutB[1]).toContain("dead-lettered");
    // A redelivered dead letter sends nothing again, and the summary no longer counts B.
    expect((await app.request("/dead-letters", deadLetter)).status).toBe(204);
    await app.notifier.flush(2_000);
    expect(texts().filter((t) => t.includes(b.incident))).toHaveLength(2);
    expect(texts().some((t) => t.includes("more similar alerts"))).toBe(false);
  });

  it("hostile rule, action and reason in storm summaries and follow-ups become no mention, link or broadcast", async () => {
    const { app, notify, report } = setup({ stormWindowMs: 600_000 });
    const hostileRule = `${HOSTILE_TEXT} ${"&<>".repeat(3000)} \u0007\u0000`;
    const alert = (priority: string) =>
      notifyCommand(undefined, { top: { rule: hostileRule, priority }, destinations: ["slack"] });
    // Rising priorities are each announced (and their outcomes collapse); the Notices after them are held back.
    const announced = ["Notice", "Warning", "Error", "Critical"].map(alert);
    const heldBack = [alert("Notice"), alert("Notice")];
    for (const command of [...announced, ...heldBack]) await notify(command);
    const hostileAction = { service: "x <!channel>", action: "export-finding <!here> <http://evil|click>" };
    for (const command of [...announced, ...heldBack])
      await report(
        outcomeOf(command, { ...hostileAction, result: "failed", reason: HOSTILE_TEXT.repeat(50) }),
      );
    await app.notifier.flush(2_000);
    const all = receiver.delivered(SLACK);
    expect(all.some((r) => JSON.stringify(r.json).includes("more similar alerts"))).toBe(true);
    expect(all.some((r) => JSON.stringify(r.json).includes("Actions taken for them"))).toBe(true);
    expect(all.some((r) => JSON.stringify(r.json).includes("outcomes for similar alerts"))).toBe(true);
    for (const request of all) {
      expect(request.slack).toMatchObject({ ok: true });
      expect(findSlackInjections(request.json, { allowLink: () => false, bareUrls: true })).toEqual([]);
    }
  });
});
