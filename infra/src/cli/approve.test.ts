// `riposte approve|deny KEY ACTION` through the whole command, against the run's real Firestore and
// Pub/Sub emulators: held actions written as the router writes them, decided by the CLI as the local
// operator, what it publishes read back from the topics.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActionOutcome, KillPodCommand } from "@riposte/contracts";
import { shortKey } from "@riposte/ledger";
import { describe, expect, inject, it, vi } from "vitest";
import { incidentKey, MINUTE, useApprovalsFixture } from "./approvals-fixture.js";
import { localIdentity } from "./decider-identity.js";

const fixture = useApprovalsFixture("approve-cli");
const ME = localIdentity();
const KILLS = "pod-killer";
const OUTCOMES = "action-outcomes";
const AT = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z";

describe("riposte approve / deny", { timeout: 90_000 }, () => {
  it("approve by short key: the held command is published once to its action's topic, carrying who approved it", async () => {
    const command = await fixture.hold();
    const { code, out, err } = await fixture.run(
      "approve",
      shortKey(command.incident),
      "kill-pod",
      "--reason",
      "confirmed with the app team",
    );
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(
      new RegExp(`^kill-pod of incident ${shortKey(command.incident)} approved by ${ME} via cli at ${AT}$`),
    );
    const [published, ...more] = await fixture.settle(KILLS, command.incident, 1);
    expect(more).toEqual([]);
    const released = KillPodCommand.parse(published?.json);
    expect(released.approval).toMatchObject({ by: ME, via: "cli", reason: "confirmed with the app team" });
    expect(released.target).toEqual(command.target);
    const stored = await fixture.router.readApproval(command.incident, "kill-pod");
    expect(stored).toMatchObject({
      state: "approved",
      decision: { by: ME, via: "cli" },
      publish: { done: true },
    });
    expect(fixture.arrived(OUTCOMES, command.incident)).toEqual([]);
  });

  it("two approve at the same moment: one publish; the other exits 1 saying who already approved it and when", async () => {
    const command = await fixture.hold();
    const approve = ["approve", command.incident, "kill-pod"];
    const { codes, err } = await fixture.runAll(approve, approve, approve);
    expect([...codes].sort()).toEqual([0, 1, 1]);
    const refusals = err.split("\n");
    expect(refusals).toHaveLength(2);
    for (const line of refusals)
      expect(line).toMatch(
        new RegExp(
          `^riposte approve: kill-pod of incident ${shortKey(command.incident)} was already approved by ${ME} via cli at ${AT}$`,
        ),
      );
    expect(await fixture.settle(KILLS, command.incident, 1)).toHaveLength(1);
  });

  it("deny records denied and reports a refused outcome; approve after it exits 1 naming the denial", async () => {
    const command = await fixture.hold();
    const denied = await fixture.run("deny", command.incident, "kill-pod", "--reason", "the CI debug shell");
    expect(denied.code).toBe(0);
    expect(denied.out).toMatch(new RegExp(`denied by ${ME} via cli at ${AT}$`));
    expect(await fixture.router.readApproval(command.incident, "kill-pod")).toMatchObject({
      state: "denied",
      decision: { by: ME, via: "cli", reason: "the CI debug shell" },
    });
    const [outcome] = await fixture.settle(OUTCOMES, command.incident, 1, 0);
    expect(ActionOutcome.parse(outcome?.json)).toMatchObject({
      service: "console",
      action: "kill-pod",
      result: "refused",
      reason: `denied by ${ME} via cli: the CI debug shell`,
    });

    const late = await fixture.run("approve", command.incident, "kill-pod");
    expect(late.code).toBe(1);
    expect(late.err).toMatch(
      new RegExp(
        `^riposte approve: kill-pod of incident \\w{12} was already denied by ${ME} via cli at ${AT}$`,
      ),
    );
    expect(await fixture.settle(KILLS, command.incident, 0, 1_000)).toEqual([]);
  });

  it("an unknown key, an ambiguous short key, an action not held, a passed deadline: exit 1, nothing decided", async () => {
    const twin = incidentKey();
    const first = await fixture.hold({ incident: twin });
    const second = await fixture.hold({ incident: incidentKey(twin.slice(0, 12)) });
    const past = await fixture.hold({ deadline: new Date(Date.now() - MINUTE) });
    const cases: [string[], RegExp][] = [
      [["approve", incidentKey(), "kill-pod"], /no such action is held for approval/],
      [
        ["approve", "0123456789ab", "kill-pod"],
        /^no known incident starts with 0123456789ab .*nothing was decided$/,
      ],
      [
        ["approve", twin.slice(0, 12), "kill-pod"],
        new RegExp(`^${twin.slice(0, 12)} is ambiguous: 2 incidents start with it .*give the full key`),
      ],
      [["deny", first.incident, "isolate-pod"], /isolate-pod of incident \w{12}: no such action is held/],
      [
        ["approve", past.incident, "kill-pod"],
        /can no longer be decided: its deadline passed at .*on_timeout \(proceed\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await fixture.run(...args);
      expect({ args, code }).toEqual({ args, code: 1 });
      expect(err).toMatch(message);
    }
    for (const held of [first, second, past])
      expect(await fixture.router.readApproval(held.incident, "kill-pod")).toMatchObject({
        state: "awaiting-approval",
      });
    expect(await fixture.settle(KILLS, first.incident, 0, 500)).toEqual([]);
    expect(fixture.arrived(KILLS, second.incident)).toEqual([]);
  });

  it("a hostile --reason, key or action is refused before anything is read or written (exit 2)", async () => {
    const command = await fixture.hold();
    for (const reason of [
      "line\nbreak",
      "x".repeat(10_240),
      "approved \u202e\u2066deny\u2069",
      "\u001b]8;;https://evil\u0007click",
      "",
    ]) {
      const { code, err } = await fixture.run("approve", command.incident, "kill-pod", "--reason", reason);
      expect({ reason: reason.slice(0, 20), code }).toEqual({ reason: reason.slice(0, 20), code: 2 });
      expect(err).toMatch(/^riposte approve: --reason /);
    }
    for (const args of [
      ["approve", `${command.incident}\n`, "kill-pod"],
      ["approve", command.incident.toUpperCase(), "kill-pod"],
      ["approve", "__proto__", "kill-pod"],
      ["approve", command.incident, "notify"],
      ["approve", command.incident, "kill-pod\u202e"],
      ["approve", command.incident],
      ["approve", command.incident, "kill-pod", "extra"],
    ]) {
      const { code, err } = await fixture.run(...args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(err).not.toMatch(/[\u202e\u2066]/);
    }
    expect(await fixture.router.readApproval(command.incident, "kill-pod")).toMatchObject({
      state: "awaiting-approval",
      refusals: [],
    });
    expect(await fixture.settle(KILLS, command.incident, 0, 500)).toEqual([]);
  });

  it("refuses a ledger on the emulator with a real Pub/Sub (a decision published where nobody reads it)", async () => {
    const command = await fixture.hold();
    vi.stubEnv("PUBSUB_EMULATOR_HOST", undefined);
    try {
      const { code, err } = await fixture.run("approve", command.incident, "kill-pod");
      expect(code).toBe(2);
      expect(err).toMatch(/the ledger is Firestore emulator .* but Pub\/Sub is project /);
    } finally {
      vi.stubEnv("PUBSUB_EMULATOR_HOST", inject("pubsubEmulatorHost"));
    }
    expect(await fixture.router.readApproval(command.incident, "kill-pod")).toMatchObject({
      state: "awaiting-approval",
    });
  });

  it("against a project, credentials that name no email decide nothing (exit 1, before any call)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "riposte-adc-")), "key.json");
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    writeFileSync(
      file,
      JSON.stringify({ type: "service_account", client_email: "not-an-email", private_key: privateKey }),
    );
    vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", file);
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", undefined);
    vi.stubEnv("PUBSUB_EMULATOR_HOST", undefined);
    try {
      const { code, err } = await fixture.run("approve", incidentKey(), "kill-pod");
      expect(code).toBe(1);
      expect(err).toMatch(
        /^riposte approve: error: your Google credentials name no email address \("not-an-email" is not one\), so nothing can be decided in your name/,
      );
    } finally {
      vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", undefined);
      vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
      vi.stubEnv("PUBSUB_EMULATOR_HOST", inject("pubsubEmulatorHost"));
    }
  });
});
