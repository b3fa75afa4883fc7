// The notifier: announces alerts (Notify commands) on Slack and signed SOAR webhooks, and follows up
// with the outcomes of the actions taken (action-outcomes).
import { ACTION_KINDS, Topics } from "@riposte/contracts";
import { LedgerEnv } from "@riposte/ledger";
import { DEFAULT_RUNTIME, envList, type ServiceDescriptor, sensitive } from "@riposte/service-kit";
import { z } from "zod";
import { FORMATS } from "./formats/index.js";
import { SCC_LOCATION, SCC_PARENT_SCOPE, SCC_SOURCE_NAME } from "./links.js";
import { CLOSE_WINDOWS_PATH, CLOSE_WINDOWS_SCHEDULE } from "./scheduled.js";

/** Signs the local SOAR stand-in's webhooks in `riposte dev`; never used outside it. */
export const DEV_WEBHOOK_SECRET = "riposte-dev-webhook-secret";

/** The registered destination types, as the config spells them, and those that take a secret. */
const DESTINATION_TYPES = FORMATS.types.map((type) => JSON.stringify(type)).join("|");
const TYPES_WITH_SECRET = FORMATS.types.filter((type) => FORMATS.get(type)?.secret.required).join(", ");

export const notifierEnv = z.object({
  // Checked at start-up by loadDestinations, not by zod here: zod errors quote the value, and URLs and
  // secrets are credentials.
  NOTIFY_DESTINATIONS: z
    .string()
    .optional()
    .describe(
      `JSON list of destinations: [{"name","type":${DESTINATION_TYPES},"url" or "url_env","secret" or "secret_env" (${TYPES_WITH_SECRET}),"min_priority","default","min_interval_ms","storm_control"}]; see services/notifier/README.md.`,
    ),
  // Sensitive: a Slack webhook URL is its own credential.
  SLACK_WEBHOOK_URL: sensitive(
    z
      .string()
      .optional()
      .describe(
        "Shorthand for a default Slack destination named slack (https://hooks.slack.com/services/…).",
      ),
  ),
  DESTINATION_MIN_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(1_000)
    .describe("Rate limit: at most one message per this many ms per destination (Slack allows about 1/s)."),
  DELIVERY_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(4)
    .describe("HTTP attempts per message within one push; then 503 and Pub/Sub redelivers."),
  DELIVERY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(30_000)
    .default(10_000)
    .describe("Longest one HTTP attempt may take."),
  STORM_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(300)
    .describe(
      "Similar alerts (same rule and target) within this window: one message, then one summary; 0 = off.",
    ),
  OUTCOME_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(20_000)
    .default(5_000)
    .describe("How long a follow-up waits for its incident's announcement when the ledger has none yet."),
  DELIVERY_MEMORY_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(86_400)
    .describe(
      "How long an instance keeps an incident's command and outcomes in memory (deliveries are in the ledger).",
    ),
  DELIVERY_MEMORY_MAX_INCIDENTS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe("Incidents kept in an instance's memory at most (oldest forgotten first)."),
  FOLLOW_UP_QUIET: envList
    .default(["export-finding:done", "export-finding:already-done"])
    .describe("action:result pairs that get no follow-up message (dry-run outcomes never do)."),
  SCC_SOURCE_NAME: z
    .string()
    .regex(SCC_SOURCE_NAME, { error: "expected organizations/<number>/sources/<number>" })
    .optional()
    .describe(
      "Riposte's SCC source (organizations/O/sources/S): adds the finding's console link to messages.",
    ),
  SCC_LOCATION: z
    .string()
    .regex(SCC_LOCATION, { error: "expected a location id such as global" })
    .optional()
    .describe("SCC v2 location of the findings, as the scc-exporter's SCC_LOCATION."),
  SCC_PARENT_SCOPE: z
    .string()
    .regex(SCC_PARENT_SCOPE, { error: "expected organizations/O, folders/F or projects/P" })
    .optional()
    .describe(
      "As the scc-exporter's: findings written under projects/P or folders/F instead of the organization.",
    ),
  // The ledger's variables, as the ledger declares them (the README says what they do here).
  ...LedgerEnv,
});

export const notifierDescriptor = {
  name: "notifier",
  description: "Announces alerts on Slack and signed SOAR webhooks, and follows up with action outcomes",
  localPortOffset: 2,
  inputs: [
    { topic: Topics.notifier, path: "/", accepts: ["Notify"] },
    { topic: Topics.actionOutcomes, path: "/outcomes", accepts: ["ActionOutcome"] },
  ],
  // Every command that dead-letters (whichever service gave up on it) is announced as a failed action.
  deadLetterInput: { path: "/dead-letters", of: Object.values(ACTION_KINDS).map((action) => action.kind) },
  // Cloud Scheduler (and `riposte dev`) closes the storm windows whose time is up, also those an
  // instance that is gone opened (scheduled.ts).
  scheduled: [{ path: CLOSE_WINDOWS_PATH, ...CLOSE_WINDOWS_SCHEDULE }],
  publishes: [Topics.actionOutcomes, Topics.quarantine],
  kubernetes: [],
  gcpRoles: [],
  env: notifierEnv,
  // Neither is required by the schema (either will do), yet without one the notifier refuses to start.
  requiredAtDeploy: [["NOTIFY_DESTINATIONS", "SLACK_WEBHOOK_URL"]],
  runtime: {
    ...DEFAULT_RUNTIME,
    // Delivery memory and storm windows are in the ledger, so any number of instances share them; one
    // warm instance keeps the first announcement fast. The rate limit per destination is per instance.
    minInstances: 1,
    // The instance that opened a storm window closes it on a timer (the scheduled call is the
    // backstop): with CPU throttled between requests that timer would wait for the next request.
    cpuAlwaysAllocated: true,
    // Slack answers 429 with Retry-After up to 60 s, and the destination's lane waits that long: retries
    // at +10, +30, +70 s are past it, then doubling to one per 5 min, 10 deliveries in all: ~25 min
    // (1510 s) before an announcement dead-letters, so a Slack outage of minutes is outlasted.
    redelivery: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 300, maxDeliveryAttempts: 10 },
  },
  // Only what `local` provides (tests may run a partial local environment): the Slack stand-in (or the
  // user's SLACK_WEBHOOK_URL), the SOAR stand-in signed with a dev secret, and the SCC source for links.
  localEnv: (local) => ({
    ...(local.slackWebhookUrl ? { SLACK_WEBHOOK_URL: local.slackWebhookUrl } : {}),
    ...(local.webhookUrl
      ? {
          NOTIFY_DESTINATIONS: JSON.stringify([
            {
              name: "soar",
              type: "webhook",
              url: local.webhookUrl,
              secret: DEV_WEBHOOK_SECRET,
              default: true,
            },
          ]),
        }
      : {}),
    ...(local.sccSourceName ? { SCC_SOURCE_NAME: local.sccSourceName } : {}),
  }),
} satisfies ServiceDescriptor<typeof notifierEnv>;
export default notifierDescriptor;
