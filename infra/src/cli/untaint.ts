// `riposte untaint NODE --reason TEXT`: lift the tainter's riposte.dev/compromised taint (and its own
// cordon, never an admin's), leave an Event on the node, and publish the follow-up.
import { liftTaint } from "@riposte/tainter";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import {
  clusterClientsOf,
  operatorName,
  publishFollowUp,
  reasonOf,
  UNDO_OPTIONS,
  UNDO_USAGE,
  withFollowUpTarget,
} from "./operator-undo.js";

const usage = `Usage: riposte untaint NODE --reason TEXT [--project P] [--server URL [--token T] | --context NAME]

Removes Riposte's riposte.dev/compromised taint from the node (its other taints stay) and uncordons it
only if the tainter cordoned it (annotation riposte.dev/cordoned-by; a node an admin cordoned stays
cordoned). The patch is guarded by the node's resourceVersion and read again after a conflict. Leaves
a RiposteUntainted Event on the node (who, why) and publishes a follow-up outcome (untaint-node by
operator) to action-outcomes for the incident the taint names. Exit 1 when the node has no Riposte
taint (nothing changed) or the follow-up could not be published.

${UNDO_USAGE}`;

export const untaintCommand: Command = {
  name: "untaint",
  summary: "lift the tainter's taint (and its own cordon) from a node (--reason required)",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, UNDO_OPTIONS);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [node, ...extra] = positionals;
    if (!node || extra.length > 0) throw new UsageError(`name one node\n\n${usage}`);
    const reason = reasonOf(values);
    const by = operatorName();
    return withFollowUpTarget(values, async (pubsub) => {
      const now = new Date();
      const result = await liftTaint(await clusterClientsOf(values), node, { by, reason, now });
      console.log(result.message);
      if (!result.lifted || !result.incident) return 1;
      if (result.eventError) console.error(`riposte untaint: warning: ${result.eventError}`);
      console.log(
        await publishFollowUp(pubsub, {
          action: "untaint-node",
          incident: result.incident,
          summary: `lifted taint riposte.dev/compromised${result.uncordoned ? " and cordon" : ""} from node ${node}`,
          by,
          reason,
          object: { kind: "Node", name: node },
          at: now,
        }),
      );
      return 0;
    });
  },
};
