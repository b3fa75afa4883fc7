// `riposte dlq list|show|replay SERVICE` and `riposte quarantine list|show`: what Riposte set aside,
// inspected without losing it; dead letters replayed to the service's topic once the cause is fixed.
import type { PubSub } from "@google-cloud/pubsub";
import { makeVisible } from "../dev/log-format.js";
import { type DeadLetter, replay, withDeadLetters } from "../ops/dead-letters.js";
import { type HeldMessage, holdMessages } from "../ops/inspect.js";
import { loadServices } from "../services.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { openPubsubTarget } from "./pubsub-target.js";
import { quarantineExtendCommand } from "./quarantine-lease.js";

const dlqUsage = `Usage: riposte dlq list|show|replay SERVICE [--limit N] [--project P]

list     one line per dead-lettered message of SERVICE (left in place)
show     the messages in full: attributes and data (left in place)
replay   republish them to SERVICE's input topic with their attributes and riposte_replay_count + 1,
         then remove them from the dead-letter queue`;

const quarantineUsage = `Usage: riposte quarantine list|show [--limit N] [--project P]
       riposte quarantine extend POD -n NAMESPACE --ttl DURATION (see riposte quarantine extend --help)

Messages no service could accept, with the reason, the service and the original bytes (left in place).
\`show\` prints the bytes exactly as received (not re-encoded), control characters as \\uXXXX.
\`extend\` renews a quarantined pod's lease (isolate-pod with a ttl) in the incident ledger.`;

/**
 * Attacker-controlled bytes, shown exactly as received: no re-encoding (JSON.parse rounded a 19-digit
 * evt.time), line breaks kept, other control characters shown as \uXXXX so they cannot drive the
 * terminal. Bytes that are not UTF-8 are shown as base64, said so.
 */
export function displayData(data: Buffer): string {
  const text = data.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(data))
    return `(not UTF-8: ${data.length} bytes, base64) ${data.toString("base64")}`;
  return text.split("\n").map(makeVisible).join("\n");
}

function showMessage(message: HeldMessage, heading: string): string[] {
  return [
    `── ${heading}`,
    ...Object.entries(message.attributes).map(
      ([key, value]) => `   ${makeVisible(key)}: ${makeVisible(value)}`,
    ),
    ...displayData(message.data)
      .split("\n")
      .map((line) => `   ${line}`),
  ];
}

function limitOf(value: string | undefined): number {
  const limit = value === undefined ? 20 : Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError("--limit expects 1..1000");
  return limit;
}

async function withTarget<T>(
  project: string | undefined,
  use: (pubsub: PubSub, describe: string) => Promise<T>,
): Promise<T> {
  const target = await openPubsubTarget(readCliEnv(), project);
  try {
    return await use(target.pubsub, target.describe);
  } finally {
    await target.pubsub.close();
  }
}

export const dlqCommand: Command = {
  name: "dlq",
  summary: "list, show or replay a service's dead-lettered messages",
  usage: dlqUsage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage: dlqUsage }, args, {
      limit: { type: "string" },
      project: { type: "string" },
    });
    if (values.help) {
      console.log(dlqUsage);
      return 0;
    }
    const [action, serviceName] = positionals;
    if (action !== "list" && action !== "show" && action !== "replay")
      throw new UsageError(`expected list, show or replay\n\n${dlqUsage}`);
    const services = await loadServices();
    const service = services.find((s) => s.descriptor.name === serviceName);
    if (!service)
      throw new UsageError(
        `unknown service ${JSON.stringify(serviceName ?? "")}; one of ${services.map((s) => s.descriptor.name).join(", ")}`,
      );
    const limit = limitOf(values.limit);

    return withTarget(values.project, (pubsub, describe) =>
      withDeadLetters(pubsub, service.descriptor, limit, async (letters: DeadLetter[]) => {
        console.log(`${letters.length} dead-lettered message(s) of ${service.descriptor.name} (${describe})`);
        if (action === "replay") {
          const result = await replay(pubsub, letters);
          for (const r of result.replayed)
            console.log(`  replayed ${r.id} → ${r.topic} as ${r.newId} (replay ${r.replayCount})`);
          for (const f of result.failed)
            console.log(`  NOT replayed ${f.id}: ${f.error} (left in the queue)`);
          return result.failed.length > 0 ? 1 : 0;
        }
        for (const letter of letters) {
          const a = letter.message.attributes;
          if (action === "list") {
            console.log(
              `  ${letter.message.id.padEnd(10)} ${letter.message.publishTime}  ${letter.subscription}  attempts=${a.CloudPubSubDeadLetterSourceDeliveryCount ?? "?"}` +
                `  kind=${makeVisible(a.kind ?? "?")}  incident=${makeVisible(a.incident ?? "-")}  replays=${a.riposte_replay_count ?? 0}`,
            );
          } else {
            for (const line of showMessage(
              letter.message,
              `${letter.message.id} from ${letter.subscription}`,
            ))
              console.log(line);
          }
          letter.message.release();
        }
        return 0;
      }),
    );
  },
};

export const quarantineCommand: Command = {
  name: "quarantine",
  summary: "list or show messages no service could accept, with the reason",
  usage: quarantineUsage,
  async run(args) {
    if (args[0] === "extend") return quarantineExtendCommand.run(args.slice(1));
    const { values, positionals } = parseCommandArgs({ usage: quarantineUsage }, args, {
      limit: { type: "string" },
      project: { type: "string" },
    });
    if (values.help) {
      console.log(quarantineUsage);
      return 0;
    }
    const [action] = positionals;
    if (action !== "list" && action !== "show")
      throw new UsageError(`expected list or show\n\n${quarantineUsage}`);
    const limit = limitOf(values.limit);
    return withTarget(values.project, async (pubsub, describe) => {
      const holding = await holdMessages(pubsub, "quarantine", { limit });
      try {
        console.log(`${holding.messages.length} quarantined message(s) (${describe})`);
        for (const message of holding.messages) {
          let record: {
            service?: string;
            reason?: { path?: string; message?: string };
            messageId?: string;
            receivedAt?: string;
            data?: string;
          } = {};
          try {
            record = JSON.parse(message.data.toString("utf8"));
          } catch {
            // a record we did not write: shown raw below
          }
          const reason = `${record.reason?.path ?? "?"}: ${record.reason?.message ?? "?"}`;
          if (action === "list") {
            console.log(
              `  ${message.id.padEnd(10)} ${record.receivedAt ?? message.publishTime}  ${makeVisible(record.service ?? "?").padEnd(13)} ${makeVisible(reason)}`,
            );
          } else {
            console.log(
              `── ${message.id}: ${makeVisible(record.service ?? "?")} rejected message ${makeVisible(record.messageId ?? "?")} at ${record.receivedAt ?? "?"}`,
            );
            console.log(`   reason: ${makeVisible(reason)}`);
            console.log("   original bytes (exact; control characters shown as \\uXXXX):");
            for (const line of displayData(Buffer.from(record.data ?? "", "base64")).split("\n"))
              console.log(`   ${line}`);
          }
          message.release();
        }
        return 0;
      } finally {
        await holding.close();
      }
    });
  },
};
