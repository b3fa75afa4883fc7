// Slack interactivity's variables: the signing secret that proves a click came from Slack, and the two
// ways to know who clicked (an explicit map of Slack user ids to emails, or users.info with the bot
// token). Without SLACK_SIGNING_SECRET the console serves no Slack route at all. These variables join
// the console's environment (`...SlackEnv` in src/config.ts).
import { Email, SLACK_USER_ID } from "@riposte/contracts";
import { ConfigError, sensitive } from "@riposte/service-kit";
import { z } from "zod";

/** Slack's Web API and the host of every response_url Slack gives. */
export const SLACK_API_URL = "https://slack.com/api";
export const SLACK_RESPONSE_URL_BASE = "https://hooks.slack.com";

/** A Slack workspace's team id, as Slack shows it (T…). */
export const SLACK_TEAM_ID = /^T[A-Z0-9]{1,20}$/;

/**
 * `U123=alice@acme.com,W456=bob@acme.com` → Slack user id → email (a Map: no id can reach a
 * prototype). An id given twice is an error rather than a silent choice.
 */
export function parseSlackApprovers(text: string): Map<string, string> {
  const approvers = new Map<string, string>();
  const problems: string[] = [];
  for (const [index, item] of text.split(",").entries()) {
    const entry = item.trim();
    if (entry === "") continue;
    const [id = "", email = "", ...rest] = entry.split("=").map((part) => part.trim());
    const where = `entry ${index + 1}`;
    if (rest.length > 0 || !SLACK_USER_ID.test(id)) {
      problems.push(
        `${where}: expected SLACK_USER_ID=EMAIL (U… or W…, upper case), got ${JSON.stringify(entry.slice(0, 80))}`,
      );
      continue;
    }
    const parsed = Email.safeParse(email);
    if (!parsed.success) {
      problems.push(`${where}: ${parsed.error.issues[0]?.message ?? "not an email address"}`);
      continue;
    }
    if (approvers.has(id)) problems.push(`${where}: ${id} is given twice`);
    approvers.set(id, parsed.data);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  return approvers;
}

export const SlackEnv = {
  // Sensitive: whoever holds it can sign clicks as Slack.
  SLACK_SIGNING_SECRET: sensitive(
    z
      .string()
      .min(8)
      .optional()
      .describe(
        "The Slack app's signing secret (Basic Information → App Credentials); set, it serves POST /slack/interactions",
      ),
  ),
  SLACK_BOT_TOKEN: sensitive(
    z
      .string()
      .regex(/^xox[a-z]-[A-Za-z0-9-]{1,250}$/, { error: "expected a Slack token (xoxb-…)" })
      .optional()
      .describe(
        "Bot token with users:read and users:read.email: maps a clicking Slack user to an email (users.info) when SLACK_APPROVERS does not name them",
      ),
  ),
  SLACK_TEAM_ID: z
    .string()
    .regex(SLACK_TEAM_ID, {
      error: "expected the workspace's team id: T followed by upper-case letters and digits",
    })
    .optional()
    .describe(
      "Your Slack workspace's team id (T…): clicks and users.info answers of members of any other workspace (Slack Connect's shared channels) are refused; required on Cloud Run with SLACK_SIGNING_SECRET",
    ),
  SLACK_APPROVERS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseSlackApprovers(text ?? "");
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe(
      "Slack user id → approver email, checked before users.info: U123ABC=alice@acme.com,U456DEF=bob@acme.com",
    ),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/ })
    .default(SLACK_API_URL)
    .describe("Slack's Web API base; only `riposte dev` and tests point it at the stand-in"),
  SLACK_RESPONSE_URL_BASE: z
    .url({ protocol: /^https?$/ })
    .default(SLACK_RESPONSE_URL_BASE)
    .describe(
      "The only origin the console posts a click's response_url to (https://hooks.slack.com); only `riposte dev` and tests point it at the stand-in",
    ),
};

export type SlackConfig = z.output<z.ZodObject<typeof SlackEnv>>;

/** What is wrong with a combination the schema alone cannot see (K_SERVICE: set by Cloud Run). */
export function slackConfigProblems(config: SlackConfig & { K_SERVICE?: string | undefined }): string[] {
  const problems: string[] = [];
  if (config.SLACK_SIGNING_SECRET === undefined) return problems;
  if (config.SLACK_APPROVERS.size === 0 && config.SLACK_BOT_TOKEN === undefined) {
    problems.push(
      "SLACK_SIGNING_SECRET is set but neither SLACK_APPROVERS nor SLACK_BOT_TOKEN: no click could be mapped to an approver",
    );
  }
  if (config.K_SERVICE !== undefined) {
    if (config.SLACK_TEAM_ID === undefined) {
      problems.push(
        "SLACK_TEAM_ID: required on Cloud Run with SLACK_SIGNING_SECRET — without it a member of another organisation in a shared channel (Slack Connect) could click as the email their own admin gives their profile",
      );
    }
    if (new URL(config.SLACK_RESPONSE_URL_BASE).origin !== SLACK_RESPONSE_URL_BASE) {
      problems.push(
        `SLACK_RESPONSE_URL_BASE: must be ${SLACK_RESPONSE_URL_BASE} on Cloud Run (anything else lets a click make the console post elsewhere)`,
      );
    }
    if (!config.SLACK_API_URL.startsWith("https://")) {
      problems.push("SLACK_API_URL: must be https on Cloud Run (it carries the bot token)");
    }
  }
  return problems;
}

/** Throws the ConfigError that stops the console at start-up, naming every problem. */
export function assertSlackConfig(config: SlackConfig & { K_SERVICE?: string | undefined }): void {
  const problems = slackConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
}
