// `riposte release POD -n NS --reason TEXT`: lift a quarantine the isolator put on a pod, leave an
// Event on it, and publish the follow-up (the incident's Slack/webhook thread, its SCC finding).
import { releaseQuarantine } from "@riposte/isolator";
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
import { LEASE_OPTIONS, LEASE_USAGE, recordRelease } from "./quarantine-lease.js";

const usage = `Usage: riposte release POD -n NAMESPACE --reason TEXT [--cluster NAME] [--project P] [--server URL [--token T] | --context NAME]

Removes the quarantine label and annotations from the pod and deletes this incident's allowance
policies, leaves a RiposteReleased Event on the pod (who, why), records the release in the incident
ledger (the pod's quarantine lease ends with who and why; the incident's timeline gets release-pod),
and publishes a follow-up outcome (release-pod by operator) to action-outcomes: the notifier posts it
where the incident was announced and the scc-exporter records it on the finding (riposte_operator*).
--reason is required: a release without a why is no audit trail. Exit 1 when the pod is not
quarantined by Riposte (nothing changed), or the ledger or the follow-up could not be written.

${UNDO_USAGE}
${LEASE_USAGE}`;

export const releaseCommand: Command = {
  name: "release",
  summary: "lift the isolator's quarantine from a pod (--reason required)",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      namespace: { type: "string", short: "n" },
      ...UNDO_OPTIONS,
      ...LEASE_OPTIONS,
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [pod] = positionals;
    const { namespace } = values;
    if (!pod || !namespace) throw new UsageError(`name the pod and its namespace\n\n${usage}`);
    const reason = reasonOf(values);
    const by = operatorName();
    return withFollowUpTarget(values, async (pubsub) => {
      const now = new Date();
      const result = await releaseQuarantine(await clusterClientsOf(values), namespace, pod, {
        by,
        reason,
        now,
      });
      console.log(result.message);
      if (!result.released || !result.incident) return 1;
      if (result.eventError) console.error(`riposte release: warning: ${result.eventError}`);
      // The follow-up is published even when the ledger cannot be written: the exit code says it failed.
      const recorded = await recordRelease(values.project, {
        podUid: result.uid ?? "",
        cluster: values.cluster,
        incident: result.incident,
        summary: `released pod ${namespace}/${pod} from quarantine`,
        by,
        reason,
      }).then(
        (line) => ({ ok: true, line }),
        (error: unknown) => ({ ok: false, line: (error as Error).message }),
      );
      if (recorded.ok) console.log(recorded.line);
      else console.error(`riposte release: ${recorded.line}`);
      console.log(
        await publishFollowUp(pubsub, {
          action: "release-pod",
          incident: result.incident,
          summary: `released pod ${namespace}/${pod} from quarantine`,
          by,
          reason,
          object: { kind: "Pod", namespace, name: pod },
          at: now,
        }),
      );
      return recorded.ok ? 0 : 1;
    });
  },
};
