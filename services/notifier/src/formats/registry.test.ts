// A destination type is one format registered in the registry: the destinations config accepts its
// `type` through the registry, and the notifier renders every message for it with that format alone.
import type { ActionOutcome } from "@riposte/contracts";
import { ConfigError } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { loadDestinations } from "../destinations.js";
import { notifyCommand, outcomeOf } from "../test-commands.js";
import { notifierApp, useWebhookReceiver } from "../testing/fixture.js";
import type { DestinationFormat } from "./format.js";
import { BUILT_IN_FORMATS, FORMATS, formatRegistry } from "./index.js";

const receiver = await useWebhookReceiver();
const CHAT = "/test-chat";

/** A test-only destination type: one plain-text line per message. */
const testChatFormat: DestinationFormat = {
  type: "test-chat",
  secret: { required: false, refusal: "a test-chat destination takes no secret" },
  alert: (notice) => plain(`alert ${notice.alert.rule} (${notice.incident})`),
  followUp: (notice) => plain(`${notice.outcome.action} ${notice.outcome.result} (${notice.incident})`),
  stormSummary: (notice) => plain(`${notice.count} more (${notice.firstIncident})`),
  deadLetter: (notice) => plain(`FAILED ${notice.action} (${notice.incident})`),
};

function plain(text: string) {
  return { body: JSON.stringify({ text }) };
}

const withTestChat = formatRegistry([...BUILT_IN_FORMATS, testChatFormat]);
const chatDestination = { name: "chat", type: "test-chat", url: receiver.url(CHAT) };

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("destination format registry", () => {
  it("knows the built-in types, and no other", () => {
    expect(FORMATS.types).toEqual(["slack", "webhook"]);
    expect(FORMATS.get("test-chat")).toBeUndefined();
  });

  it("the destinations config accepts a type only through the registry", () => {
    const json = JSON.stringify([chatDestination]);
    expect(problemsOf(() => loadDestinations({ destinationsJson: json, minIntervalMs: 1, env: {} }))).toEqual(
      [expect.stringMatching(/^NOTIFY_DESTINATIONS\[0\]\.type: /)],
    );
    const set = loadDestinations({
      destinationsJson: json,
      minIntervalMs: 1,
      env: {},
      formats: withTestChat,
    });
    expect(set.byName("chat")).toMatchObject({ type: "test-chat", url: receiver.url(CHAT) });
    const withSecret = JSON.stringify([{ ...chatDestination, secret: "s3cret-s3cret-s3cret" }]);
    expect(
      problemsOf(() =>
        loadDestinations({ destinationsJson: withSecret, minIntervalMs: 1, env: {}, formats: withTestChat }),
      ),
    ).toEqual(["NOTIFY_DESTINATIONS[0]: a test-chat destination takes no secret"]);
  });

  it("delivers an announcement and a follow-up rendered by a registered test-only format", async () => {
    const { notify, report, publisher } = notifierApp(receiver, {
      destinations: [chatDestination],
      formats: withTestChat,
    });
    const command = notifyCommand();
    expect((await notify(command)).status).toBe(204);
    expect(receiver.delivered(CHAT).map((r) => r.json)).toEqual([
      { text: `alert ${command.alert.rule} (${command.incident})` },
    ]);
    const [outcome] = publisher.on("action-outcomes").map((p) => p.message as ActionOutcome);
    expect(outcome).toMatchObject({ result: "done", reason: "announced to chat" });

    expect((await report(outcomeOf(command, { action: "kill-pod", result: "done" }))).status).toBe(204);
    expect(receiver.delivered(CHAT).map((r) => r.json)).toEqual([
      { text: `alert ${command.alert.rule} (${command.incident})` },
      { text: `kill-pod done (${command.incident})` },
    ]);
  });
});
