// The alert policies of the deploy plan: one per dead-letter subscription and one on quarantine,
// derived from the topology of the real services, created by a command the installed gcloud has.
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { createAlertingCommand } from "../cli/alerting.js";
import { UsageError } from "../cli/command.js";
import { createDeployCommand } from "../cli/deploy.js";
import { loadServices } from "../services.js";
import { deriveTopology } from "../topology/derive.js";
import { AlertChannelError, alertingStep, alertPolicy, watchedBacklogs } from "./alerting.js";
import { argvOf, planCalls } from "./commands.js";
import { flagsInHelp, gcloudHelp } from "./gcloud-help.js";
import { deployPlan } from "./plan.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

const CHANNEL = "projects/acme-prod/notificationChannels/1234567890";
const subscriptionsOf = () =>
  deriveTopology(descriptors, { endpointFor: (name, input) => `https://${name}.run.app${input.path}` })
    .subscriptions;

describe("alert policies on dead letters and quarantine", () => {
  it("watches every dead-letter subscription of every push subscription, and quarantine — nothing else", () => {
    const subscriptions = subscriptionsOf();
    const watched = watchedBacklogs(subscriptions);
    const deadLetterTopics = subscriptions.flatMap((sub) => (sub.deadLetter ? [sub.deadLetter.topic] : []));
    expect(deadLetterTopics.length).toBeGreaterThan(5);
    expect(watched.filter((w) => w.kind === "dead letters").map((w) => w.subscription)).toEqual(
      expect.arrayContaining(deadLetterTopics),
    );
    expect(watched).toHaveLength(deadLetterTopics.length + 1);
    expect(watched).toContainEqual({ subscription: "quarantine", kind: "quarantine" });
    // The notifier's push subscriptions on dead-letter topics ack what they announce: not a backlog.
    expect(watched.map((w) => w.subscription)).not.toContain("notifier-pod-killer-dead-letter");
  });

  it("fires on undelivered messages > 0 for a minute on that subscription", () => {
    const policy = alertPolicy({ subscription: "pod-killer-dead-letter", kind: "dead letters" });
    expect(policy).toMatchObject({
      displayName: "Riposte: dead letters in pod-killer-dead-letter",
      combiner: "OR",
      severity: "CRITICAL",
      conditions: [
        {
          conditionThreshold: {
            filter:
              'resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "pod-killer-dead-letter" AND metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"',
            comparison: "COMPARISON_GT",
            thresholdValue: 0,
            duration: "60s",
          },
        },
      ],
    });
    expect(JSON.stringify(policy)).toContain("riposte dlq list SERVICE");
  });

  it("creates each policy unless one of that name exists, with the channel given", () => {
    const step = alertingStep({
      project: "acme-prod",
      subscriptions: subscriptionsOf(),
      alertChannel: CHANNEL,
    });
    const first = step.commands.find((command) => command.call.flags.join().includes("router-dead-letter"));
    expect(step.commands[0]?.unless?.flags).toContainEqual([
      "display-name",
      "Riposte: quarantined messages in quarantine",
    ]);
    expect(argvOf(first?.unless ?? { program: "npx", path: [], positionals: [], flags: [] })).toEqual([
      "npx",
      "riposte",
      "alerting",
      "exists",
      "--project=acme-prod",
      "--display-name=Riposte: dead letters in router-dead-letter",
    ]);
    expect(first?.call.path).toEqual(["alpha", "monitoring", "policies", "create"]);
    expect(first?.call.flags).toContainEqual(["notification-channels", CHANNEL]);
    const policy = JSON.parse(first?.call.flags.find(([name]) => name === "policy")?.[1] ?? "{}");
    expect(policy.displayName).toBe("Riposte: dead letters in router-dead-letter");
  });

  it("refuses a channel that is not a notification channel's resource name", () => {
    expect(() => alertingStep({ project: "p", subscriptions: [], alertChannel: "my-pager" })).toThrow(
      new AlertChannelError(
        '--alert-channel "my-pager": expected projects/PROJECT/notificationChannels/ID (gcloud alpha monitoring channels list)',
      ),
    );
  });

  it("is part of the deploy plan, and `riposte deploy plan --alert-channel` passes the channel", async () => {
    const plan = deployPlan(descriptors, {
      project: "acme-prod",
      region: "europe-west1",
      alertChannel: CHANNEL,
    });
    const creates = planCalls(plan).filter(
      (call) => call.path.join(" ") === "alpha monitoring policies create",
    );
    expect(creates).toHaveLength(watchedBacklogs(subscriptionsOf()).length);
    let printed = "";
    const command = createDeployCommand({
      loadDescriptors: async () => descriptors,
      runner: { run: async () => ({ code: 0, stdout: "" }) },
      isInteractive: () => false,
      confirm: async () => false,
      out: (text) => {
        printed += text;
      },
    });
    await command.run([
      "plan",
      "--project",
      "acme-prod",
      "--region",
      "europe-west1",
      "--alert-channel",
      CHANNEL,
    ]);
    expect(printed).toContain(`--notification-channels=${CHANNEL}`);
    await expect(
      command.run(["plan", "--project", "acme-prod", "--region", "europe-west1", "--alert-channel", "x"]),
    ).rejects.toThrow(/--alert-channel "x": expected projects\/PROJECT\/notificationChannels\/ID/);
  });

  it("the installed gcloud has the create command and its flags", async () => {
    const flags = flagsInHelp(await gcloudHelp(["alpha", "monitoring", "policies", "create"]));
    for (const name of ["policy", "notification-channels", "project"]) expect(flags).toContain(name);
    const list = flagsInHelp(await gcloudHelp(["alpha", "monitoring", "policies", "list"]));
    for (const name of ["filter", "format", "project"]) expect(list).toContain(name);
  }, 60_000);
});

describe("riposte alerting exists", () => {
  it("exits 0 when a policy of that name exists, 1 when none or gcloud fails", async () => {
    const asked: string[][] = [];
    const found = createAlertingCommand(async (project, name) => {
      asked.push([project, name]);
      return ["projects/acme-prod/alertPolicies/42"];
    });
    expect(await found.run(["exists", "--project", "acme-prod", "--display-name", "Riposte: x"])).toBe(0);
    expect(asked).toEqual([["acme-prod", "Riposte: x"]]);
    const none = createAlertingCommand(async () => []);
    expect(await none.run(["exists", "--project", "p", "--display-name", "n"])).toBe(1);
    const failing = createAlertingCommand(async () => {
      throw new Error("gcloud: not logged in");
    });
    expect(await failing.run(["exists", "--project", "p", "--display-name", "n"])).toBe(1);
    await expect(none.run(["exists", "--project", "p"])).rejects.toBeInstanceOf(UsageError);
  });
});
