// What `riposte release` and `riposte untaint` share: the cluster and Pub/Sub options, the required
// --reason (an operator's audit trail), who asks, and the follow-up outcome they publish so that the
// notifier and the scc-exporter hear of the undo under the incident that did it.
import { userInfo } from "node:os";
import { type ClusterClients, createClusterRegistry } from "@riposte/actioner-kit";
import {
  type ActionOutcome,
  messageAttributes,
  type OperatorOutcomeInput,
  operatorOutcome,
  parseOperatorReason,
  Topics,
} from "@riposte/contracts";
import { UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { openPubsubTarget, type PubSubTarget, readDevState } from "./pubsub-target.js";

export const UNDO_OPTIONS = {
  reason: { type: "string" },
  project: { type: "string" },
  server: { type: "string" },
  token: { type: "string" },
  context: { type: "string" },
} as const;

export const UNDO_USAGE = `  --reason TEXT   required: why, for the audit trail (one line of plain text, at most 500 characters)
  --project P     publish the follow-up to action-outcomes in project P (default: the Pub/Sub of a
                  running \`riposte dev\`, or PUBSUB_EMULATOR_HOST)
  --server URL [--token T] | --context NAME
                  the cluster (default: the simulated cluster of a running \`riposte dev\`)`;

interface UndoValues {
  reason?: string | undefined;
  project?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
  context?: string | undefined;
}

/** The checked --reason; a UsageError (nothing done) when it is missing or not one line of text. */
export function reasonOf(values: UndoValues): string {
  if (values.reason === undefined) throw new UsageError("--reason is required: say why, for the audit trail");
  const parsed = parseOperatorReason(values.reason);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return parsed.reason;
}

/** The operator's login name, when it is a plain one (it lands in Events, Slack and SCC). */
export function operatorName(): string {
  try {
    const { username } = userInfo();
    return /^[A-Za-z0-9._@+-]{1,64}$/.test(username) ? username : "unknown";
  } catch {
    return "unknown";
  }
}

/** The cluster the options name, or the simulated cluster of a running `riposte dev`. */
export async function clusterClientsOf(values: UndoValues): Promise<ClusterClients> {
  const server = values.server ?? (values.context ? undefined : readDevState()?.simUrl);
  if (!server && !values.context)
    throw new UsageError("no cluster: pass --server or --context (or run `riposte dev`)");
  const registry = createClusterRegistry({
    target: server
      ? { kind: "server", server, ...(values.token ? { token: values.token } : {}) }
      : { kind: "context", context: values.context as string },
  });
  return registry.clientsFor("target");
}

/** Publishes the undo's outcome to action-outcomes; a line saying where, or throws saying it did not. */
export async function publishFollowUp(target: PubSubTarget, input: OperatorOutcomeInput): Promise<string> {
  const outcome: ActionOutcome = operatorOutcome(input);
  try {
    await target.pubsub
      .topic(Topics.actionOutcomes)
      .publishMessage({ data: Buffer.from(JSON.stringify(outcome)), attributes: messageAttributes(outcome) });
  } catch (error) {
    throw new Error(
      `the cluster is changed, but the follow-up could not be published to ${Topics.actionOutcomes} (${target.describe}): ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return `follow-up published to ${Topics.actionOutcomes} (${target.describe}) for incident ${input.incident}`;
}

/** Runs `work` with the follow-up's Pub/Sub, opened (and checked) before and closed after. */
export async function withFollowUpTarget<T>(
  values: UndoValues,
  work: (target: PubSubTarget) => Promise<T>,
): Promise<T> {
  const target = await openPubsubTarget(readCliEnv(), values.project);
  try {
    return await work(target);
  } finally {
    await target.pubsub.close();
  }
}
