// `riposte send FILE…|-`: publish Falco alerts to falco-events exactly as falcosidekick does
// (data = the alert JSON, no attributes). A file holds one document, a JSON array, or NDJSON.
import { readFileSync } from "node:fs";
import { parseFalcoAlert, parseJsonLossless, stringifyJsonLossless, Topics } from "@riposte/contracts";
import { makeVisible } from "../dev/log-format.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { shortKey } from "./incident.js";
import { openPubsubTarget } from "./pubsub-target.js";

const usage = `Usage: riposte send [--project P] [--topic T] FILE… | -

Publishes Falco alerts to ${Topics.falcoEvents} as falcosidekick does. Each FILE (or - for stdin)
holds one JSON alert, a JSON array of alerts, or one alert per line (NDJSON).
Without --project it targets the local emulator (PUBSUB_EMULATOR_HOST, or the one \`riposte dev\` runs).`;

/** Splits a file's text into alert documents, each kept byte-for-byte where possible. */
export function splitAlerts(text: string, source: string): string[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new UsageError(`${source}: empty`);
  const whole = parseJsonLossless(trimmed);
  if (whole.ok) {
    if (Array.isArray(whole.value)) return whole.value.map((item) => stringifyJsonLossless(item));
    return [trimmed];
  }
  const lines = trimmed.split(/\r?\n/).filter((line) => line.trim() !== "");
  return lines.map((line, index) => {
    const parsed = parseJsonLossless(line);
    if (!parsed.ok) {
      throw new UsageError(
        `${source}:${index + 1}: not JSON (${parsed.error.path}: ${parsed.error.message})`,
      );
    }
    return line.trim();
  });
}

/**
 * What the router will make of an alert: its incident key (parsed with contracts as the router
 * parses it, so the key is the one in Slack, traces and SCC), or why it will be quarantined.
 */
export function describeAlert(alert: string): string {
  const parsed = parseFalcoAlert(alert);
  if (!parsed.ok)
    return `not a Falco alert the router accepts (${parsed.error.path}: ${parsed.error.message}): it will be quarantined`;
  const { incidentKey, priority, rule } = parsed.alert;
  return `incident ${incidentKey} (Slack: ${shortKey(incidentKey)}) ${priority} ${JSON.stringify(rule)}`;
}

export const sendCommand: Command = {
  name: "send",
  summary: "publish Falco alerts to falco-events as falcosidekick does",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      project: { type: "string" },
      topic: { type: "string", default: Topics.falcoEvents },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError(`no file given\n\n${usage}`);
    const alerts = positionals.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (error) {
        throw new UsageError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      return splitAlerts(text, file === "-" ? "stdin" : file);
    });
    const target = await openPubsubTarget(readCliEnv(), values.project);
    const topic = target.pubsub.topic(values.topic as string);
    try {
      const ids = await Promise.all(
        alerts.map((alert) => topic.publishMessage({ data: Buffer.from(alert) })),
      );
      console.log(
        `published ${ids.length} alert(s) to ${values.topic} (${target.describe}): ${ids.join(", ")}`,
      );
      alerts.forEach((alert, index) => {
        console.log(`  ${ids[index]}  ${makeVisible(describeAlert(alert))}`);
      });
    } catch (error) {
      throw new Error(
        `could not publish to ${values.topic} on ${target.describe}: ${(error as Error).message}`,
      );
    } finally {
      await target.pubsub.close();
    }
    return 0;
  },
};
