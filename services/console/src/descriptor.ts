// console: where held actions are decided (Slack, the CLI, the web console) and published exactly once,
// and where the deadline rule releases or abandons those nobody decided. It reads no topic: people and
// Cloud Scheduler call it. Topology, RBAC, the deploy plan and `npm start` are derived from this descriptor.
import { ACTIONS, APPROVABLE_ACTIONS, Topics } from "@riposte/contracts";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { consoleEnv } from "./config.js";
import { APPROVALS_PATH, APPROVALS_SCHEDULE } from "./scheduled.js";

/** The held actions' topics (an approved command goes where the router would have sent it). */
const HELD_TOPICS = [...new Set(APPROVABLE_ACTIONS.map((action) => ACTIONS[action].topic))];

export const consoleDescriptor = {
  name: "console",
  description:
    "Decides held actions (Slack, the CLI, the web console) and publishes each exactly once; applies their deadlines",
  // `npm start` serves it on RIPOSTE_PORT_BASE + this; chosen by the generator, never reused.
  localPortOffset: 9,
  // No Pub/Sub input: approvals are asked for in the ledger (by the router), not on a topic.
  inputs: [],
  // Deadlines are enforced, and publishes a decider could not finish are retried, every minute.
  scheduled: [{ path: APPROVALS_PATH, ...APPROVALS_SCHEDULE }],
  // An approved command to its action's topic; a denied or abandoned one as a refused outcome.
  publishes: [...HELD_TOPICS, Topics.actionOutcomes],
  kubernetes: [],
  gcpRoles: [],
  env: consoleEnv,
  // On this machine: no IAP in front, so who asks is the OS user (a banner says so), and Slack's clicks
  // come from the stand-in, signed with this run's secret, its members known to its users.info.
  localEnv: (local) => ({
    CONSOLE_AUTHENTICATION: "none-local",
    ...(local.slackInteractivity
      ? {
          SLACK_SIGNING_SECRET: local.slackInteractivity.signingSecret,
          SLACK_BOT_TOKEN: local.slackInteractivity.botToken,
          SLACK_API_URL: local.slackInteractivity.apiUrl,
          SLACK_RESPONSE_URL_BASE: local.slackInteractivity.responseUrlBase,
        }
      : {}),
  }),
  runtime: {
    ...DEFAULT_RUNTIME,
    // Slack's click is answered within ~2.5 s and its work (decide, publish, the in-place update) goes
    // on after the answer: with CPU throttled between requests it would stall until the next request.
    cpuAlwaysAllocated: true,
  },
  // People open it through Identity-Aware Proxy on a load balancer (the deploy plan builds it and sets
  // IAP_AUDIENCE); Slack's clicks cannot pass IAP, so their path goes around it and is checked here.
  web: {
    iapAudienceEnv: "IAP_AUDIENCE",
    originEnv: "CONSOLE_ORIGINS",
    pinnedEnv: { CONSOLE_AUTHENTICATION: "iap" },
    publicPaths: [
      {
        path: "/slack/*",
        reason:
          "Slack's Approve/Deny clicks (the Slack app's Interactivity Request URL is /slack/interactions), each checked by its v0 signature",
      },
    ],
  },
  secretEnv: [
    {
      env: "SLACK_SIGNING_SECRET",
      secret: "riposte-slack-signing-secret",
      reason: "the Slack app's signing secret (Basic Information → App Credentials)",
    },
    {
      env: "SLACK_BOT_TOKEN",
      secret: "riposte-slack-bot-token",
      reason:
        "the Slack app's Bot User OAuth Token, xoxb-… (OAuth & Permissions; scopes chat:write, users:read, users:read.email)",
    },
    {
      env: "CONSOLE_FORM_SECRET",
      secret: "riposte-console-form-secret",
      reason: "the key every instance signs forms with: 32 random bytes, base64 (openssl rand -base64 32)",
    },
  ],
  // The plan always mounts SLACK_SIGNING_SECRET, and on Cloud Run the console refuses to start with it but
  // without its workspace's team id (a partner in a shared channel could click): the preflight asks first.
  requiredAtDeploy: [["SLACK_TEAM_ID"]],
  // Group approvers (group:EMAIL) are checked with groups.memberships.checkTransitiveMembership.
  apis: [{ api: "cloudidentity.googleapis.com", reason: "group approvers' membership" }],
  workspaceAdminRoles: [
    { role: "Groups Reader", reason: "it checks the membership of group approvers (group:EMAIL)" },
  ],
} satisfies ServiceDescriptor<typeof consoleEnv>;

export default consoleDescriptor;
