// The notifier app through its push endpoints (app.request), delivering to the real webhook stand-in.
import type { ActionOutcome } from "@riposte/contracts";
import { type MemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { findSlackInjections, type ReceivedRequest } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { isNotifierLink } from "./links.js";
import { HOSTILE_TEXT, notifyCommand, outcomeOf } from "./test-commands.js";
import {
  type NotifierAppOptions,
  notifierApp,
  SECRET,
  SLACK,
  SOAR,
  useWebhookReceiver,
} from "./testing/fixture.js";
import { verifyWebhookSignature } from "./webhook.js";

const receiver = await useWebhookReceiver();

function setup(options: NotifierAppOptions = {}) {
  return notifierApp(receiver, {
    links: { traceProjectId: "riposte-test", scc: { sourceName: "organizations/123/sources/456" } },
    ...options,
  });
}

function outcomes(publisher: MemoryPublisher): ActionOutcome[] {
  return publisher.on("action-outcomes").map((p) => p.message as ActionOutcome);
}

const texts = (path: string) => receiver.delivered(path).map((r) => JSON.stringify(r.json));
/** The parsed body of the `index`th delivered request to `path` (fails the test when absent). */
function bodyOf<T>(path: string, index = 0): T {
  const request = receiver.delivered(path)[index];
  if (!request)
    throw new Error(`no request #${index} delivered to ${path} (${receiver.requests.length} seen)`);
  return request.json as T;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("notifier app: announcements", () => {
  it("announces a Notify command once per destination and reports one `done` outcome", async () => {
    const { notify, publisher } = setup();
    const command = notifyCommand();
    // One incident, one trace: the router's span uses the incident key as trace id.
    const traceparent = `00-${command.incident}-00f067aa0ba902b7-01`;
    expect((await notify(command, { googclient_traceparent: traceparent })).status).toBe(204);

    const [slack] = receiver.delivered(SLACK);
    expect(JSON.stringify(slack?.json)).toContain(
      `<https://console.cloud.google.com/traces/list?project=riposte-test&amp;tid=${command.incident}|Trace>`,
    );
    expect(slack?.slack).toMatchObject({ ok: true });
    expect(JSON.stringify(slack?.json)).toContain("`batch-worker-6f7d8-zx9k2`");
    expect(JSON.stringify(slack?.json)).toContain(encodeURIComponent(`findings/${command.incident}`));

    const [soar] = receiver.delivered(SOAR);
    expect(soar?.json).toMatchObject({
      version: 1,
      type: "alert",
      incident: command.incident,
      alert: { rule: command.alert.rule, priority: "Critical", time_ns: command.alert.timeNs },
      target: { namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2" },
      playbooks: ["notify-and-record"],
      outcomes: [],
      links: {
        scc_finding: expect.stringContaining("organizationId=123"),
        trace: `https://console.cloud.google.com/traces/list?project=riposte-test&tid=${command.incident}`,
      },
    });
    expect(
      verifyWebhookSignature({
        rawBody: soar?.rawBody ?? "",
        timestamp: soar?.headers["x-riposte-timestamp"],
        signature: soar?.headers["x-riposte-signature"],
        secret: SECRET,
      }),
    ).toEqual({ ok: true });
    expect(soar?.headers["x-riposte-event-id"]).toMatch(/^[0-9a-f]{32}$/);

    const [outcome] = outcomes(publisher);
    expect(outcomes(publisher)).toHaveLength(1);
    expect(outcome).toMatchObject({
      kind: "ActionOutcome",
      service: "notifier",
      action: "notify",
      incident: command.incident,
      result: "done",
      reason: "announced to slack, soar",
      details: { destinations: { slack: "delivered", soar: "delivered" } },
      alert: { rule: command.alert.rule },
      target: { pod: "batch-worker-6f7d8-zx9k2" },
    });
    expect(publisher.on("action-outcomes")[0]?.attributes).toMatchObject({
      kind: "ActionOutcome",
      action: "notify",
      incident: command.incident,
    });
  });

  it("sends nothing new on redelivery, also for concurrent duplicates", async () => {
    const { notify, publisher } = setup();
    const command = notifyCommand();
    const answers = await Promise.all([notify(command), notify(command)]);
    expect(answers.map((a) => a.status)).toEqual([204, 204]);
    expect((await notify(command)).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(receiver.delivered(SOAR)).toHaveLength(1);
    const results = outcomes(publisher).map((o) => o.result);
    expect(results.sort()).toEqual(["already-done", "already-done", "done"]);
    expect(outcomes(publisher).find((o) => o.result === "already-done")).toMatchObject({
      reason: "already announced",
      details: { destinations: { slack: "already-delivered", soar: "already-delivered" } },
    });
  });

  it("picks destinations by name; unknown names are refused in the outcome, not a crash", async () => {
    const { notify, publisher } = setup();
    await notify(notifyCommand(undefined, { destinations: ["soar", "pager"] }));
    expect(receiver.delivered(SLACK)).toHaveLength(0);
    expect(receiver.delivered(SOAR)).toHaveLength(1);
    expect(outcomes(publisher)[0]).toMatchObject({
      result: "done",
      reason: "announced to soar; unknown destination(s) ignored: pager",
      details: { destinations: { soar: "delivered", pager: "unknown destination" } },
    });
    await notify(notifyCommand(undefined, { destinations: ["pager"] }));
    expect(outcomes(publisher)[1]).toMatchObject({
      result: "refused",
      reason: "unknown destination(s): pager",
    });
  });

  it("skips destinations whose min_priority the alert does not reach", async () => {
    const { notify, publisher } = setup({
      destinations: [
        { name: "slack", type: "slack", url: receiver.url(SLACK), min_priority: "Critical" },
        { name: "soar", type: "webhook", url: receiver.url(SOAR), secret: SECRET, min_priority: "Emergency" },
      ],
    });
    await notify(notifyCommand(undefined, { top: { priority: "Warning" } }));
    expect(receiver.requests).toHaveLength(0);
    expect(outcomes(publisher)[0]).toMatchObject({
      result: "refused",
      reason: "no destination takes Warning alerts (min_priority)",
      details: {
        destinations: { slack: "below min_priority Critical", soar: "below min_priority Emergency" },
      },
    });
    await notify(notifyCommand());
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(outcomes(publisher)[1]?.details).toEqual({
      destinations: { slack: "delivered", soar: "below min_priority Emergency" },
    });
  });

  it("sends nothing for a dry-run command and reports what it would have done", async () => {
    const { notify, publisher } = setup();
    await notify(notifyCommand(undefined, { dryRun: true }));
    expect(receiver.requests).toHaveLength(0);
    expect(outcomes(publisher)[0]).toMatchObject({
      result: "dry-run",
      reason: "would notify slack, soar",
      details: { destinations: { slack: "would send", soar: "would send" } },
    });
  });

  it("acks with a `failed` outcome when a destination refuses for good (4xx)", async () => {
    const { notify, publisher } = setup();
    receiver.script({ path: SLACK, responses: [{ status: 404 }] });
    expect((await notify(notifyCommand())).status).toBe(204);
    expect(outcomes(publisher)[0]).toMatchObject({
      result: "failed",
      reason: "refused by slack",
      details: { destinations: { slack: "failed: HTTP 404 no_service", soar: "delivered" } },
    });
  });

  it("answers 503 (no outcome) while Slack fails, then on redelivery sends only what is missing", async () => {
    const { notify, publisher } = setup();
    receiver.script({ path: SLACK, responses: [{ status: 500 }, { status: 502 }, { status: 503 }] });
    const command = notifyCommand();
    const first = await notify(command);
    expect(first.status).toBe(503);
    expect(await first.text()).toMatch(/destination slack: not delivered after 3 attempts/);
    expect(outcomes(publisher)).toHaveLength(0);
    expect(receiver.delivered(SOAR)).toHaveLength(1);

    expect((await notify(command)).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(receiver.delivered(SOAR)).toHaveLength(1);
    expect(outcomes(publisher)).toEqual([
      expect.objectContaining({
        result: "done",
        details: { destinations: { slack: "delivered", soar: "already-delivered" } },
      }),
    ]);
  });

  it("honours Slack's 429 Retry-After within the request and delivers once", async () => {
    const { notify } = setup();
    receiver.script({ path: SLACK, responses: [{ status: 429, retryAfterSeconds: 1 }] });
    expect((await notify(notifyCommand())).status).toBe(204);
    const attempts = receiver.requests.filter((r) => r.path === SLACK);
    expect(attempts.map((r) => r.response.status)).toEqual([429, 200]);
    expect((attempts[1]?.receivedAt ?? 0) - (attempts[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("never lets hostile alert text become a mention or link in what Slack receives", async () => {
    const { notify } = setup();
    const command = notifyCommand(undefined, {
      top: { rule: HOSTILE_TEXT, output: HOSTILE_TEXT },
      fields: { "k8s.pod.name": "<!channel>", "container.image.repository": HOSTILE_TEXT },
    });
    expect((await notify(command)).status).toBe(204);
    const [slack] = receiver.delivered(SLACK);
    expect(slack?.slack?.ok).toBe(true);
    expect(findSlackInjections(slack?.json, { allowLink: isNotifierLink, bareUrls: true })).toEqual([]);
    // SOAR gets the alert as data, unchanged: escaping is Slack's concern only.
    expect(bodyOf<{ alert: { output: string } }>(SOAR).alert.output).toBe(HOSTILE_TEXT);
  });

  it("quarantines what is not a Notify command or an outcome", async () => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest({ kind: "Notify" }))).status).toBe(204);
    expect((await app.request("/outcomes", pushRequest("not json"))).status).toBe(204);
    expect(publisher.on("quarantine")).toHaveLength(2);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("notifier app: storm control", () => {
  it("collapses similar alerts into one message, then one summary when the window closes", async () => {
    const { notify, publisher } = setup({ settings: { stormWindowMs: 1_000 } });
    const commands = Array.from({ length: 20 }, () => notifyCommand());
    const answers = await Promise.all(commands.map((command) => notify(command)));
    expect(answers.every((a) => a.status === 204)).toBe(true);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(receiver.delivered(SOAR)).toHaveLength(1);
    const results = outcomes(publisher).map((o) => o.result);
    expect(results.filter((r) => r === "done")).toHaveLength(1);
    expect(results.filter((r) => r === "already-done")).toHaveLength(19);
    expect(outcomes(publisher).find((o) => o.result === "already-done")?.details).toEqual({
      destinations: { slack: "held back (storm control)", soar: "held back (storm control)" },
    });

    // A different pod is not part of the storm.
    await notify(notifyCommand(undefined, { fields: { "k8s.pod.name": "other-pod-1" } }));
    expect(receiver.delivered(SLACK)).toHaveLength(2);

    const summary = await receiver.waitFor(
      (r) => r.path === SLACK && r.rawBody.includes("more similar"),
      3_000,
    );
    expect((summary.json as { text: string }).text).toBe(
      "19 more similar alerts in 1 s: `Drop and execute new binary in container`",
    );
    const soarSummary = await receiver.waitFor(
      (r) => r.path === SOAR && r.rawBody.includes("storm-summary"),
      3_000,
    );
    expect(soarSummary.json).toMatchObject({
      type: "storm-summary",
      about: "alerts",
      count: 19,
      first_incident: commands.find((c) => texts(SLACK)[0]?.includes(c.incident))?.incident,
    });
    expect((soarSummary.json as { incidents: string[] }).incidents).toHaveLength(19);
    await sleep(200);
    expect(receiver.delivered(SLACK)).toHaveLength(3);
  });

  it("flushes open storm windows on shutdown", async () => {
    const { app, notify } = setup({ settings: { stormWindowMs: 600_000 } });
    await notify(notifyCommand());
    await notify(notifyCommand());
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    await app.notifier.flush(2_000);
    expect(texts(SLACK)[1]).toContain("1 more similar alert in 10 min");
  });
});

describe("notifier app: follow-ups", () => {
  it("follows up an announced incident with a short message to the same destinations, once", async () => {
    const { notify, report, publisher } = setup();
    const command = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(command);
    const outcome = outcomeOf(command);
    expect((await report(outcome)).status).toBe(204);
    expect((await report(outcome)).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(2);
    expect(receiver.delivered(SOAR)).toHaveLength(0);
    const followUp = bodyOf<{ text: string }>(SLACK, 1);
    expect(followUp.text).toContain(`kill-pod\` done for incident ${command.incident.slice(0, 12)}`);
    expect(JSON.stringify(followUp)).toContain(`Follow-up to incident \`${command.incident}\``);
    // Outcomes never produce outcomes.
    expect(outcomes(publisher)).toHaveLength(1);
  });

  it("lists an outcome that arrives before its command in the announcement, without a separate follow-up", async () => {
    const { notify, report } = setup({ settings: { outcomeGraceMs: 3_000 } });
    const command = notifyCommand();
    const early = report(outcomeOf(command));
    await sleep(100);
    await notify(command);
    expect((await early).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(texts(SLACK)[0]).toContain("`kill-pod` done by `pod-killer`");
    expect(bodyOf<{ outcomes: unknown[] }>(SOAR).outcomes).toEqual([
      expect.objectContaining({ service: "pod-killer", action: "kill-pod", result: "done" }),
    ]);
  });

  it("tells the default destinations when the announcement is not known here after the grace period", async () => {
    const { report } = setup({
      destinations: [
        { name: "slack", type: "slack", url: receiver.url(SLACK), default: true },
        { name: "soar", type: "webhook", url: receiver.url(SOAR), secret: SECRET },
      ],
    });
    const started = Date.now();
    expect((await report(outcomeOf(notifyCommand()))).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    expect(receiver.delivered(SOAR)).toHaveLength(0);
  });

  it("stays quiet for its own outcomes, dry-run outcomes and configured quiet ones", async () => {
    const { notify, report } = setup();
    const command = notifyCommand();
    await notify(command);
    receiver.clear();
    await report(outcomeOf(command, { service: "notifier", action: "notify" }));
    await report(outcomeOf(command, { result: "dry-run" }));
    await report(outcomeOf(command, { service: "scc-exporter", action: "export-finding" }));
    expect(receiver.requests).toHaveLength(0);
    await report(outcomeOf(command, { service: "scc-exporter", action: "export-finding", result: "failed" }));
    expect(receiver.delivered(SLACK)).toHaveLength(1);
  });

  it("sends a signed outcome event to SOAR webhooks", async () => {
    const { notify, report } = setup();
    const command = notifyCommand();
    await notify(command);
    await report(outcomeOf(command, { result: "stale", reason: "a different pod has that name now" }));
    const event = receiver.delivered(SOAR)[1] as ReceivedRequest;
    expect(event.json).toMatchObject({
      version: 1,
      type: "outcome",
      incident: command.incident,
      outcome: { service: "pod-killer", action: "kill-pod", result: "stale" },
      alert: { rule: command.alert.rule },
    });
    expect(event.headers["x-riposte-event-id"]).not.toBe(
      receiver.delivered(SOAR)[0]?.headers["x-riposte-event-id"],
    );
  });

  it("collapses the same outcome for a storm of similar alerts announced elsewhere into one follow-up and a summary", async () => {
    const { report } = setup({ settings: { stormWindowMs: 800 } });
    // Announced by another instance (unknown here): the outcomes go to the default destinations.
    const commands = Array.from({ length: 5 }, () => notifyCommand());
    // Not a destructive action: those are always followed up (see the escalation tests).
    const failedExport = { service: "scc-exporter", action: "export-finding", result: "failed" } as const;
    await Promise.all(commands.map((command) => report(outcomeOf(command, failedExport))));
    const followUps = texts(SLACK).filter((t) => t.includes("Follow-up"));
    expect(followUps).toHaveLength(1);
    const summary = await receiver.waitFor((r) => r.rawBody.includes("outcomes for similar alerts"), 3_000);
    expect(JSON.stringify(summary.json)).toContain(
      "4 more `export-finding` failed outcomes for similar alerts in 1 s",
    );
  });

  it("answers 503 when a follow-up cannot be delivered yet", async () => {
    const { notify, report } = setup();
    const command = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(command);
    receiver.script({ path: SLACK, responses: [{ status: 503 }, { status: 503 }, { status: 503 }] });
    expect((await report(outcomeOf(command))).status).toBe(503);
    expect((await report(outcomeOf(command))).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(2);
  });
});

describe("notifier app: storm control never hides an escalation", () => {
  it("announces a Critical alert after a Notice of the same rule and target, and its kill-pod follows an announced incident", async () => {
    const { notify, report } = setup({ settings: { stormWindowMs: 60_000 } });
    const notice = notifyCommand(undefined, { top: { priority: "Notice" }, destinations: ["slack"] });
    const critical = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(notice);
    expect((await notify(critical)).status).toBe(204);
    const announced = texts(SLACK);
    expect(announced).toHaveLength(2);
    expect(announced[1]).toContain(critical.incident);
    expect(announced[1]).toContain("Critical");
    await report(outcomeOf(critical));
    const followUp = bodyOf<{ text: string }>(SLACK, 2);
    expect(followUp.text).toContain(`kill-pod\` done for incident ${critical.incident.slice(0, 12)}`);
  });

  it("announces an alert held back by storm control as soon as a destructive action is taken for it", async () => {
    const { notify, report } = setup({ settings: { stormWindowMs: 60_000 } });
    const first = notifyCommand(undefined, { destinations: ["slack"] });
    const second = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(first);
    await notify(second);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    await report(outcomeOf(second));
    const after = texts(SLACK);
    expect(after).toHaveLength(2);
    // The full announcement of the held-back incident, listing what was done, not a bare follow-up.
    expect(after[1]).toContain(second.incident);
    expect(after[1]).not.toContain("Follow-up to incident");
    expect(after[1]).toContain("`kill-pod` done by `pod-killer`");
    // Other outcomes of the same incident are follow-ups to that announcement.
    await report(outcomeOf(second, { service: "scc-exporter", action: "export-finding", result: "failed" }));
    expect(texts(SLACK)[2]).toContain(`Follow-up to incident \`${second.incident}\``);
  });

  it("keeps holding back a lower or equal priority, and the summary names the highest priority held back and the actions taken", async () => {
    const { notify, report, app } = setup({ settings: { stormWindowMs: 600_000 } });
    const critical = notifyCommand(undefined, { destinations: ["slack"] });
    const warning = notifyCommand(undefined, { top: { priority: "Warning" }, destinations: ["slack"] });
    const another = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(critical);
    await notify(warning);
    await notify(another);
    expect(receiver.delivered(SLACK)).toHaveLength(1);
    await report(outcomeOf(another, { service: "scc-exporter", action: "export-finding", result: "failed" }));
    await app.notifier.flush(2_000);
    const summary = texts(SLACK).find((t) => t.includes("more similar alerts"));
    expect(summary).toContain("Highest priority held back: Critical");
    expect(summary).toContain("`export-finding` failed ×1");
  });

  it("keeps a held-back alert's other outcomes (failed ones too) in its summary, never a follow-up about an incident not shown", async () => {
    const { notify, report, app } = setup({ settings: { stormWindowMs: 600_000 } });
    const first = notifyCommand();
    const heldBack = notifyCommand();
    await notify(first);
    await notify(heldBack);
    const failedExport = outcomeOf(heldBack, {
      service: "scc-exporter",
      action: "export-finding",
      result: "failed",
    });
    expect((await report(failedExport)).status).toBe(204);
    expect((await report(failedExport)).status).toBe(204); // a redelivery counts once
    expect(texts(SLACK).filter((t) => t.includes(heldBack.incident))).toHaveLength(0);
    expect(texts(SOAR).filter((t) => t.includes(heldBack.incident))).toHaveLength(0);
    await app.notifier.flush(2_000);
    const summary = texts(SLACK).find((t) => t.includes("more similar alerts"));
    expect(summary).toContain("`export-finding` failed ×1");
    expect(summary).toContain(heldBack.incident);
    expect(bodyOf<{ actions: unknown }>(SOAR, 1).actions).toEqual({ "export-finding failed": 1 });
    // Counted in the alert summary only, not again as an outcome summary.
    expect(texts(SLACK).some((t) => t.includes("outcomes for similar alerts"))).toBe(false);
  });
});
