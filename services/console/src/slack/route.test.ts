// POST /slack/interactions end to end: requests signed as Slack signs them, users.info and response_url
// on the Slack stand-in over HTTP, decide() a small exactly-once decider standing in for the console's.
// Every attack is answered before decide() is called, and nothing is posted anywhere.
import type { ApprovalRef } from "@riposte/contracts";
import { createLogger } from "@riposte/service-kit";
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseSlackApprovers } from "./config.js";
import { slackIdentity } from "./identity.js";
import {
  SLACK_INTERACTIONS_PATH,
  type SlackDecideRequest,
  type SlackDecideResult,
  type SlackIdentityRefusal,
  type SlackInteractionsOptions,
  slackInteractionsRoute,
} from "./route.js";
import { blockActions, formBody, slackRequestInit, TEST_INCIDENT } from "./test-support.js";

const APPROVERS = new Set(["user:alice@acme.com", "user:bob@acme.com"]);
let slack: WebhookReceiver;
let calls: SlackDecideRequest[];
let refusals: SlackIdentityRefusal[];
let decided: Map<string, { decision: string; identity: string }>;
let logs: Record<string, unknown>[];

/** Exactly one decision per held action; non-approvers refused (and recorded), as decide() does. */
async function decide(request: SlackDecideRequest): Promise<SlackDecideResult> {
  calls.push(request);
  const key = `${request.ref.incident}~${request.ref.action}`;
  const label = `${request.ref.action} of incident ${request.ref.incident.slice(0, 8)}`;
  if (!APPROVERS.has(request.identity)) {
    return {
      ok: false,
      refusal: "not-an-approver",
      message: `${request.identity} is not an approver of ${label}`,
    };
  }
  const earlier = decided.get(key);
  if (earlier) {
    return {
      ok: false,
      refusal: "already-decided",
      message: `${label} was already ${earlier.decision} by ${earlier.identity} via slack`,
    };
  }
  decided.set(key, { decision: request.decision, identity: request.identity });
  return { ok: true, approval: { decision: { at: new Date("2026-03-01T12:01:02Z") } } };
}

function route(overrides: Partial<SlackInteractionsOptions> = {}) {
  return slackInteractionsRoute({
    signingSecret: "test-signing-secret-0123456789",
    identity: slackIdentity({
      approvers: parseSlackApprovers("U0BOB=bob@acme.com"),
      botToken: slack.slackBotToken,
      apiUrl: slack.slackApiUrl,
    }),
    responseUrlBase: slack.baseUrl,
    decide,
    recordRefusal: async (refusal) => {
      refusals.push(refusal);
    },
    logger: createLogger({
      service: "console",
      level: "debug",
      destination: { write: (line: string) => logs.push(JSON.parse(line)) },
    }),
    ...overrides,
  });
}

const responseUrl = (id = "abc") => `${slack.baseUrl}/actions/T0STANDIN/1/${id}`;

function click(
  userId: string,
  action: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
) {
  return formBody(blockActions({ user: { id: userId }, response_url: responseUrl(), ...overrides }, action));
}

async function send(body: string, init: Parameters<typeof slackRequestInit>[1] = {}, app = route()) {
  return app.request(SLACK_INTERACTIONS_PATH, slackRequestInit(body, init));
}

const posted = () => slack.requests.filter((request) => request.path.startsWith("/actions/"));
const json = (request: ReceivedRequest | undefined) => request?.json as Record<string, unknown>;

beforeAll(async () => {
  slack = await startWebhookReceiver({
    slackUsers: [
      { id: "U0ALICE", email: "alice@acme.com" },
      { id: "U0MALLORY", email: "mallory@acme.com", displayName: "<@U0ALICE> @here" },
      { id: "U0HOSTILE", email: "<script>alert(1)</script>@acme.com" },
      // Slack Connect: a partner's member whose own admin set their profile email to ours.
      { id: "U0PARTNER", email: "alice@acme.com", teamId: "T0PARTNER", isStranger: true },
    ],
  });
});

afterAll(async () => {
  await slack.close();
});

beforeEach(() => {
  slack.reset();
  calls = [];
  refusals = [];
  decided = new Map();
  logs = [];
});

describe("a click from an approver", () => {
  it("decides via slack as the users.info email and replaces the buttons in place", async () => {
    const response = await send(click("U0ALICE"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    const ref: ApprovalRef = { incident: TEST_INCIDENT, action: "kill-pod" };
    expect(calls).toEqual([{ ref, decision: "approved", identity: "user:alice@acme.com", via: "slack" }]);
    const [update] = posted();
    expect(update?.path).toBe("/actions/T0STANDIN/1/abc");
    expect(update?.response.status).toBe(200);
    expect(update?.slack?.ok).toBe(true);
    expect(json(update)).toMatchObject({ replace_original: true, text: "Critical alert" });
    expect(JSON.stringify(json(update).blocks)).toContain(
      "*Approved* `kill-pod` by `alice@acme.com` via Slack",
    );
    expect(JSON.stringify(json(update).blocks)).not.toContain("riposte-approve");
  });

  it("maps SLACK_APPROVERS without users.info, and a deny says denied", async () => {
    expect((await send(click("U0BOB", { action_id: "riposte-deny" }))).status).toBe(200);
    expect(calls[0]).toMatchObject({ decision: "denied", identity: "user:bob@acme.com" });
    expect(slack.requests.map((request) => request.path)).toEqual(["/actions/T0STANDIN/1/abc"]);
    expect(JSON.stringify(json(posted()[0]).blocks)).toContain("*Denied* `kill-pod` by `bob@acme.com`");
  });

  it("two clicks at once: one decision updates the message, the other is told it came second", async () => {
    const [first, second] = await Promise.all([
      send(click("U0ALICE")),
      send(click("U0BOB", { action_id: "riposte-deny" })),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const bodies = posted().map(json);
    expect(bodies.filter((body) => body.replace_original === true)).toHaveLength(1);
    const late = bodies.find((body) => body.response_type === "ephemeral");
    expect(late?.text).toMatch(/^kill-pod of incident 01234567 was already (approved|denied) by user:/);
  });
});

describe("refused clicks", () => {
  it("a non-approver: decide refuses (and records), the clicker alone is told, the message stays", async () => {
    expect((await send(click("U0MALLORY"))).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(posted().map(json)).toEqual([
      {
        response_type: "ephemeral",
        replace_original: false,
        text: "user:mallory@acme.com is not an approver of kill-pod of incident 01234567",
      },
    ]);
  });

  it("an unknown Slack user is refused before decide, the refusal recorded", async () => {
    expect((await send(click("U0STRANGER"))).status).toBe(200);
    expect(calls).toEqual([]);
    expect(refusals).toEqual([
      {
        ref: { incident: TEST_INCIDENT, action: "kill-pod" },
        slackUserId: "U0STRANGER",
        reason: "slack user U0STRANGER: unknown-user",
      },
    ]);
    expect(json(posted()[0])).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(String(json(posted()[0]).text)).toMatch(/^Riposte does not know you as an approver/);
  });

  it("a hostile profile email is refused before decide and never echoed", async () => {
    expect((await send(click("U0HOSTILE"))).status).toBe(200);
    expect(calls).toEqual([]);
    expect(JSON.stringify(posted().map(json))).not.toMatch(/<script>|alert\(1\)/);
    expect(refusals[0]?.reason).toBe("slack user U0HOSTILE: no-email");
  });
});

describe("Slack Connect: with SLACK_TEAM_ID, only our workspace's members decide", () => {
  const ours = () => route({ teamId: "T0STANDIN" });
  const expectRefused = (slackUserId: string) => {
    expect(calls).toEqual([]);
    expect(refusals).toEqual([
      {
        ref: { incident: TEST_INCIDENT, action: "kill-pod" },
        slackUserId,
        reason: `slack user ${slackUserId}: other-workspace`,
      },
    ]);
    expect(posted().map(json)).toEqual([
      expect.objectContaining({ response_type: "ephemeral", replace_original: false }),
    ]);
    expect(String(json(posted()[0]).text)).toMatch(/members of its own Slack workspace only/);
  };

  it("our member's click decides (user.team_id, or team.id when the user's is absent)", async () => {
    const body = formBody(
      blockActions({ user: { id: "U0ALICE", team_id: "T0STANDIN" }, response_url: responseUrl() }),
    );
    expect((await send(body, {}, ours())).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect((await send(click("U0BOB", { action_id: "riposte-deny" }), {}, ours())).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it("attack: a partner's click is refused before any lookup, even one SLACK_APPROVERS maps", async () => {
    const partner = formBody(
      blockActions({ user: { id: "U0BOB", team_id: "T0PARTNER" }, response_url: responseUrl() }),
    );
    expect((await send(partner, {}, ours())).status).toBe(200);
    expectRefused("U0BOB");
  });

  it("attack: the user's team absent, the payload's team another one, or neither given", async () => {
    expect((await send(click("U0ALICE", {}, { team: { id: "T0PARTNER" } }), {}, ours())).status).toBe(200);
    expectRefused("U0ALICE");
    refusals = [];
    slack.reset();
    expect((await send(click("U0ALICE", {}, { team: undefined }), {}, ours())).status).toBe(200);
    expectRefused("U0ALICE");
    expect(slack.requests.filter((request) => request.path.startsWith("/api/"))).toEqual([]);
  });

  it("attack: users.info says the clicker is a stranger from another team, our email or not", async () => {
    expect((await send(click("U0PARTNER"), {}, ours())).status).toBe(200);
    expectRefused("U0PARTNER");
  });

  it("a team id that is not one is refused as a payload (400)", async () => {
    for (const team_id of ["<script>", "t0lower", "T0\nX", "__proto__"]) {
      const body = formBody(blockActions({ user: { id: "U0ALICE", team_id }, response_url: responseUrl() }));
      expect((await send(body, {}, ours())).status, team_id).toBe(400);
    }
    expect(calls).toEqual([]);
  });
});

describe("requests that are not Slack's: 401, decide never called, nothing posted", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const attacks: [string, () => Response | Promise<Response>][] = [
    ["a wrong secret", () => send(click("U0ALICE"), { secret: "another-secret-0123456789" })],
    [
      "a signature over a different body",
      () => send(click("U0ALICE", { action_id: "riposte-deny" }), { signedBody: click("U0ALICE") }),
    ],
    ["a timestamp 301 s old", () => send(click("U0ALICE"), { timestamp: now() - 301 })],
    ["a timestamp 301 s in the future", () => send(click("U0ALICE"), { timestamp: now() + 301 })],
    ["no signature header", () => route().request(SLACK_INTERACTIONS_PATH, stripped("x-slack-signature"))],
    [
      "no timestamp header",
      () => route().request(SLACK_INTERACTIONS_PATH, stripped("x-slack-request-timestamp")),
    ],
    ["an upper-case signature", () => send(click("U0ALICE"), { signature: "V0=00" })],
  ];

  function stripped(header: string): RequestInit {
    const init = slackRequestInit(click("U0ALICE"));
    const headers = { ...(init.headers as Record<string, string>) };
    delete headers[header];
    return { ...init, headers };
  }

  it.each(attacks)("%s", async (_, attack) => {
    const response = await attack();
    expect(response.status).toBe(401);
    expect(await response.text()).toBe("invalid or expired Slack signature");
    expect(calls).toEqual([]);
    expect(slack.requests).toEqual([]);
  });

  it("a body over the limit is 413 unread", async () => {
    const response = await send(
      click("U0ALICE", { value: "x".repeat(2000) }),
      {},
      route({ maxBodyBytes: 1000 }),
    );
    expect(response.status).toBe(413);
    expect(calls).toEqual([]);
  });
});

describe("signed requests that are still refused: 400 with the reason, decide never called", () => {
  it.each([
    ["__proto__", "actions.0.action_id: expected action_id riposte-approve or riposte-deny"],
    ["constructor", "actions.0.action_id: expected action_id riposte-approve or riposte-deny"],
  ])("action_id %s", async (actionId, reason) => {
    const response = await send(click("U0ALICE", { action_id: actionId }));
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(reason);
    expect(calls).toEqual([]);
  });

  it.each([
    "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token",
    "https://hooks.slack.com.evil.com/actions/T0STANDIN/1/abc",
    "https://hooks.slack.com@evil.com/actions/T0STANDIN/1/abc",
  ])("response_url %s", async (url) => {
    const response = await send(
      click("U0ALICE", {}, { response_url: url }),
      {},
      route({ responseUrlBase: "https://hooks.slack.com" }),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(
      "response_url: not a Slack response URL (https://hooks.slack.com/actions/…)",
    );
    expect(calls).toEqual([]);
  });

  it("response_url on Slack's host while configured for the stand-in (one origin only)", async () => {
    const response = await send(
      click("U0ALICE", {}, { response_url: "https://hooks.slack.com/actions/T0/1/abc" }),
    );
    expect(response.status).toBe(400);
    expect(calls).toEqual([]);
  });

  it("a view_submission", async () => {
    const response = await send(click("U0ALICE", {}, { type: "view_submission" }));
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("payload.type: expected a block_actions payload");
  });
});

describe("answering within Slack's 3 s, never losing the decision", () => {
  it("a slow decide: Slack gets its 200 at the ack budget, the update follows when decided", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = route({
      ackWithinMs: 200,
      decide: async (request) => {
        await gate;
        return decide(request);
      },
    });
    const started = Date.now();
    const response = await send(click("U0ALICE"), {}, slow);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(posted()).toEqual([]);
    release();
    const update = await slack.waitFor((request) => request.path.startsWith("/actions/"), 3000);
    expect(json(update).replace_original).toBe(true);
  });

  it("decide throws: logged, and the clicker is told it could not be confirmed", async () => {
    const failing = route({
      decide: async () => {
        throw new Error("ledger: deadline exceeded");
      },
    });
    expect((await send(click("U0ALICE"), {}, failing)).status).toBe(200);
    expect(String(json(posted()[0]).text)).toMatch(/^Riposte could not confirm your decision on kill-pod/);
    expect(logs.some((line) => line.message === "slack: decide failed" && line.severity === "ERROR")).toBe(
      true,
    );
  });

  it("a response_url failing once is tried again; failing twice is logged, the decision stands", async () => {
    slack.script({ path: "/actions/T0STANDIN/1/abc", responses: [{ status: 500 }] });
    await send(click("U0ALICE"));
    expect(posted().map((request) => request.response.status)).toEqual([500, 200]);

    decided.clear();
    slack.reset();
    slack.script({ path: "/actions/T0STANDIN/1/abc", responses: [{ status: 503 }, { status: 503 }] });
    await send(click("U0ALICE"));
    expect(posted()).toHaveLength(2);
    expect(decided.size).toBe(1);
    expect(
      logs.some((line) => line.message === "slack: the clicker was not told (response_url failed twice)"),
    ).toBe(true);
  });
});
