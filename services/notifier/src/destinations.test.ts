import { ConfigError } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { checkUrl, loadDestinations } from "./destinations.js";

const SECRET = "s3cret-s3cret-s3cret";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETPATH";

function load(destinations: unknown, extra: { slack?: string; env?: Record<string, string> } = {}) {
  return loadDestinations({
    destinationsJson: destinations === undefined ? undefined : JSON.stringify(destinations),
    slackWebhookUrl: extra.slack,
    minIntervalMs: 1000,
    env: extra.env ?? {},
  });
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadDestinations", () => {
  it("reads destinations, resolving url_env and secret_env from the environment", () => {
    const set = load(
      [
        { name: "slack-sec", type: "slack", url_env: "SEC_URL", min_priority: "warning", default: true },
        { name: "soar", type: "webhook", url: "https://soar.example/hook", secret_env: "SOAR_SECRET" },
      ],
      { env: { SEC_URL: SLACK_URL, SOAR_SECRET: SECRET } },
    );
    expect(set.all.map((d) => d.name)).toEqual(["slack-sec", "soar"]);
    expect(set.byName("slack-sec")).toMatchObject({ type: "slack", url: SLACK_URL, minPriority: "Warning" });
    expect(set.byName("soar")).toMatchObject({ type: "webhook", secret: SECRET, minPriority: "Debug" });
    expect(set.defaults.map((d) => d.name)).toEqual(["slack-sec"]);
    expect(set.byName("nope")).toBeUndefined();
  });

  it("makes every destination a default when none is flagged", () => {
    const set = load([
      { name: "a", type: "slack", url: SLACK_URL },
      { name: "b", type: "slack", url: SLACK_URL, min_interval_ms: 250, storm_control: false },
    ]);
    expect(set.defaults.map((d) => d.name)).toEqual(["a", "b"]);
    expect(set.byName("b")).toMatchObject({ minIntervalMs: 250, stormControl: false });
    expect(set.byName("a")).toMatchObject({ minIntervalMs: 1000, stormControl: true });
  });

  it("adds SLACK_WEBHOOK_URL as a default destination named slack", () => {
    const set = load([{ name: "soar", type: "webhook", url: "https://soar.example", secret: SECRET }], {
      slack: SLACK_URL,
    });
    expect(set.byName("slack")).toMatchObject({ type: "slack", url: SLACK_URL, isDefault: true });
    expect(set.defaults.map((d) => d.name)).toEqual(["slack"]);
  });

  it("lists every problem at once, naming the field and what was expected", () => {
    const problems = problemsOf(() =>
      load([
        { name: "Bad Name", type: "slack", url: SLACK_URL },
        { name: "x", type: "teams", url: SLACK_URL },
        { name: "y", type: "webhook", url: "https://soar.example" },
        { name: "z", type: "webhook", url_env: "MISSING_URL", secret: "short" },
        { name: "w", type: "slack", url: SLACK_URL, url_env: "ALSO" },
        { name: "v", type: "slack", url: SLACK_URL, colour: "red" },
        { name: "u", type: "slack", url: SLACK_URL, secret: SECRET },
        { name: "t", type: "slack", url: SLACK_URL, min_priority: "catastrophic" },
      ]),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^NOTIFY_DESTINATIONS\[0\]\.name: expected 1–63 lowercase letters/),
        expect.stringMatching(/^NOTIFY_DESTINATIONS\[1\]\.type: /),
        expect.stringMatching(/^NOTIFY_DESTINATIONS\[2\]\.secret: required \(or secret_env/),
        "NOTIFY_DESTINATIONS[3].url_env: environment variable MISSING_URL is not set",
        "NOTIFY_DESTINATIONS[3].secret: the HMAC secret must be at least 16 characters, got 5",
        "NOTIFY_DESTINATIONS[4].url: give either url or url_env, not both",
        'NOTIFY_DESTINATIONS[5]: Unrecognized key: "colour"',
        "NOTIFY_DESTINATIONS[6]: a Slack destination takes no secret (the webhook URL is the credential)",
        expect.stringMatching(
          /^NOTIFY_DESTINATIONS\[7\]\.min_priority: unknown priority "catastrophic"; expected one of/,
        ),
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it("refuses plain http except on loopback, and never repeats a URL's path or a secret", () => {
    const problems = problemsOf(() =>
      load(
        [
          { name: "a", type: "slack", url: "http://hooks.slack.com/services/T/B/TOPSECRET" },
          { name: "b", type: "webhook", url_env: "SOAR_URL", secret: SECRET },
          { name: "c", type: "slack", url: "ftp://x/TOPSECRET" },
        ],
        { env: { SOAR_URL: "http://soar.internal:8080/TOPSECRET?token=TOPSECRET" } },
      ),
    );
    expect(problems).toEqual([
      "NOTIFY_DESTINATIONS[0].url: expected an https:// URL (plain http only for 127.0.0.1/localhost), got http://hooks.slack.com",
      "NOTIFY_DESTINATIONS[1].url (from SOAR_URL): expected an https:// URL (plain http only for 127.0.0.1/localhost), got http://soar.internal:8080",
      "NOTIFY_DESTINATIONS[2].url: expected an https:// URL, got a ftp: URL",
    ]);
    expect(problems.join("\n")).not.toContain("TOPSECRET");
    expect(
      load([{ name: "local", type: "slack", url: "http://127.0.0.1:4000/services/x" }]).all,
    ).toHaveLength(1);
  });

  it("does not quote invalid JSON (it may hold a secret)", () => {
    const problems = problemsOf(() =>
      loadDestinations({ destinationsJson: '[{"secret":"TOPSECRET"', minIntervalMs: 1000, env: {} }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^NOTIFY_DESTINATIONS: not valid JSON/);
    expect(problems[0]).not.toContain("TOPSECRET");
    expect(
      problemsOf(() => loadDestinations({ destinationsJson: '{"a":1}', minIntervalMs: 1, env: {} })),
    ).toEqual(["NOTIFY_DESTINATIONS: expected a JSON list of destination objects, got an object"]);
  });

  it("refuses duplicate names, a clash with SLACK_WEBHOOK_URL, and no destinations at all", () => {
    expect(
      problemsOf(() =>
        load([
          { name: "a", type: "slack", url: SLACK_URL },
          { name: "a", type: "slack", url: SLACK_URL },
        ]),
      ),
    ).toEqual(['NOTIFY_DESTINATIONS: the name "a" is used twice; names must be unique']);
    expect(
      problemsOf(() => load([{ name: "slack", type: "slack", url: SLACK_URL }], { slack: SLACK_URL })),
    ).toEqual([
      'SLACK_WEBHOOK_URL: NOTIFY_DESTINATIONS already has a destination named "slack"; use one or the other',
    ]);
    expect(problemsOf(() => load(undefined))[0]).toMatch(/^no destinations: set SLACK_WEBHOOK_URL/);
    expect(problemsOf(() => load(undefined, { slack: "not a url" }))).toEqual([
      "SLACK_WEBHOOK_URL: not a valid absolute URL",
    ]);
  });

  it("checkUrl refuses credentials in URLs", () => {
    expect(checkUrl("https://user:pw@soar.example/")).toBe("credentials in the URL are not allowed");
    expect(checkUrl("https://soar.example/")).toBeUndefined();
    expect(checkUrl("http://localhost:1/")).toBeUndefined();
  });
});
