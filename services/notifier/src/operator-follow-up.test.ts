// An operator's undo (`riposte release` / `riposte untaint`) reaches the notifier as an ordinary
// outcome without alert: followed up where the incident was announced, its text escaped.
import { operatorOutcome } from "@riposte/contracts";
import { checkSlackPayload, findSlackInjections } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { isNotifierLink } from "./links.js";
import { buildFollowUpMessage } from "./slack-message.js";
import { HOSTILE_TEXT, notifyCommand } from "./test-commands.js";
import { notifierApp, SLACK, SOAR, useWebhookReceiver } from "./testing/fixture.js";

const receiver = await useWebhookReceiver();
const setup = () => notifierApp(receiver);

const released = (incident: string, reason: string) =>
  operatorOutcome({
    action: "release-pod",
    incident,
    summary: "released pod jobs/batch-worker-6f7d8-zx9k2 from quarantine",
    by: "alice",
    reason,
    object: { kind: "Pod", namespace: "jobs", name: "batch-worker-6f7d8-zx9k2" },
    at: new Date(),
  });

describe("notifier: an operator's release or untaint", () => {
  it("is followed up to where the incident was announced, naming the action, who and why", async () => {
    const { notify, report } = setup();
    const command = notifyCommand(undefined, { destinations: ["slack"] });
    await notify(command);
    expect((await report(released(command.incident, "false positive: CI debug shell"))).status).toBe(204);
    expect(receiver.delivered(SLACK)).toHaveLength(2);
    expect(receiver.delivered(SOAR)).toHaveLength(0);
    const followUp = JSON.stringify(receiver.delivered(SLACK)[1]?.json);
    expect(followUp).toContain(`release-pod\` done for incident ${command.incident.slice(0, 12)}`);
    expect(followUp).toContain("by alice: false positive: CI debug shell");
    expect(followUp).toContain("`operator`");
  });

  it("never lets the reason become a mention or link", () => {
    const incident = "0123456789abcdef0123456789abcdef";
    const message = buildFollowUpMessage({
      outcome: released(incident, HOSTILE_TEXT),
      target: { namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2", rejected: [] },
      links: {},
    });
    expect(checkSlackPayload(message).ok).toBe(true);
    expect(findSlackInjections(message, { allowLink: isNotifierLink, bareUrls: true })).toEqual([]);
    expect(JSON.stringify(message)).toContain("`release-pod`");
  });
});
