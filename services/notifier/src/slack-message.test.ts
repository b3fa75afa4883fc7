import { checkSlackPayload, findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { isNotifierLink } from "./links.js";
import {
  buildAlertMessage,
  buildFollowUpMessage,
  buildStormSummaryMessage,
  formatDuration,
  SLACK_LIMITS,
} from "./slack-message.js";
import { HOSTILE_TEXT, notifyCommand, outcomeOf } from "./test-commands.js";

const links = {
  trace: "https://console.cloud.google.com/traces/list?project=p-123456&tid=4bf92f3577b34da6a3ce929d0e0e4736",
  sccFinding:
    "https://console.cloud.google.com/security/command-center/findings?organizationId=1&resourceId=organizations%2F1%2Fsources%2F2%2Ffindings%2Fabc",
};

const noInjections = (payload: unknown) =>
  findSlackInjections(payload, { allowLink: isNotifierLink, bareUrls: true });

describe("Slack messages", () => {
  it("announces an alert: priority, rule, target, output, incident and links", () => {
    const command = notifyCommand();
    const message = buildAlertMessage({ ...command, outcomes: [], links });
    expect(checkSlackPayload(message)).toEqual({ ok: true, textTruncated: false });
    const json = JSON.stringify(message);
    expect(message.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: ":red_circle: Critical Falco alert", emoji: true },
    });
    for (const expected of [
      "`Drop and execute new binary in container`",
      "`jobs`",
      "`batch-worker-6f7d8-zx9k2`",
      "`gke-prod-batch-pool-8d2e1f4a-w3rt`",
      "```12:44:18.900100200: Critical Executing binary",
      command.incident,
      "|Trace>",
      "|SCC finding>",
    ]) {
      expect(json).toContain(expected);
    }
    expect(message.text).toBe(
      `:red_circle: Critical: \`Drop and execute new binary in container\` on \`jobs/batch-worker-6f7d8-zx9k2\` (incident ${command.incident.slice(0, 12)})`,
    );
    expect(noInjections(message)).toEqual([]);
    // The only links are the notifier's own, with `&` escaped as Slack wants inside mrkdwn.
    expect(json).toContain("organizationId=1&amp;resourceId=");
  });

  it("lists outcomes already known, with their results", () => {
    const command = notifyCommand();
    const message = buildAlertMessage({
      ...command,
      outcomes: [
        outcomeOf(command),
        outcomeOf(command, {
          service: "isolator",
          action: "isolate-pod",
          result: "refused",
          reason: "namespace kube-system is protected",
        }),
      ],
      links: {},
    });
    const actions = JSON.stringify(message.blocks.find((b) => JSON.stringify(b).includes("*Actions*")));
    expect(actions).toContain(":white_check_mark: `kill-pod` done by `pod-killer` — pod deleted");
    expect(actions).toContain(
      ":no_entry_sign: `isolate-pod` refused by `isolator` — namespace kube-system is protected",
    );
    expect(checkSlackPayload(message).ok).toBe(true);
  });

  it("lets no alert field produce a mention, a link, or markup, and keeps every limit", () => {
    const hostileLong = `${HOSTILE_TEXT} ${"<!channel> x".repeat(400)}`;
    const command = notifyCommand("sidekick-critical-drop-exec.json", {
      top: { rule: hostileLong, output: hostileLong, source: HOSTILE_TEXT, tags: [HOSTILE_TEXT] },
      fields: {
        "container.image.repository": HOSTILE_TEXT,
        "k8s.pod.name": HOSTILE_TEXT,
        "k8s.ns.name": "<!here>",
      },
    });
    expect(command.target.rejected.length).toBeGreaterThan(0);
    const outcome = outcomeOf(command, { reason: HOSTILE_TEXT, service: "<!channel>", action: "@here" });
    const messages = [
      buildAlertMessage({ ...command, playbooks: [HOSTILE_TEXT], outcomes: Array(30).fill(outcome), links }),
      buildFollowUpMessage({ outcome, rule: hostileLong, target: command.target, links }),
      buildStormSummaryMessage({
        about: "outcomes",
        count: 1000,
        windowMs: 300_000,
        rule: hostileLong,
        target: command.target,
        action: HOSTILE_TEXT,
        result: "done",
        firstIncident: command.incident,
        incidents: Array(100).fill(command.incident),
      }),
    ];
    for (const message of messages) {
      expect(noInjections(message)).toEqual([]);
      expect(checkSlackPayload(message)).toEqual({ ok: true, textTruncated: false });
      expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
      for (const block of message.blocks) {
        if (block.type === "context") {
          for (const element of block.elements) expect(element.text.length).toBeLessThanOrEqual(3000);
        }
      }
    }
  });

  it("cuts a huge output inside its code block and says so", () => {
    const command = notifyCommand("sidekick-critical-drop-exec.json", { top: { output: "A".repeat(4000) } });
    const message = buildAlertMessage({ ...command, outcomes: [], links: {} });
    const output = message.blocks.find((b) => b.type === "section" && b.text?.text.startsWith("*Output*"));
    const text = output?.type === "section" ? (output.text?.text ?? "") : "";
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(text.endsWith("…```")).toBe(true);
  });

  it("writes a short follow-up naming the incident and the rule", () => {
    const command = notifyCommand();
    const message = buildFollowUpMessage({
      outcome: outcomeOf(command),
      rule: command.alert.rule,
      target: command.target,
      links: { sccFinding: links.sccFinding },
    });
    expect(message.blocks).toHaveLength(2);
    expect(JSON.stringify(message)).toContain(`Follow-up to incident \`${command.incident}\``);
    expect(message.text).toBe(
      `:white_check_mark: \`kill-pod\` done for incident ${command.incident.slice(0, 12)} (\`Drop and execute new binary in container\`)`,
    );
    expect(checkSlackPayload(message).ok).toBe(true);
  });

  it("summarises a storm as 'N more similar alerts in 5 min'", () => {
    const command = notifyCommand();
    const message = buildStormSummaryMessage({
      about: "alerts",
      count: 49,
      windowMs: 300_000,
      rule: command.alert.rule,
      target: command.target,
      firstIncident: command.incident,
      incidents: [],
    });
    expect(message.text).toBe("49 more similar alerts in 5 min: `Drop and execute new binary in container`");
    expect(JSON.stringify(message.blocks[0])).toContain("*49 more similar alerts in 5 min*");
    expect(formatDuration(8_000)).toBe("8 s");
    expect(formatDuration(90_000)).toBe("90 s");
    expect(formatDuration(7_200_000)).toBe("2 h");
  });
});
