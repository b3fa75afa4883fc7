// `riposte release POD -n NS`: lift a quarantine the isolator put on a pod.

import { releaseQuarantine } from "@riposte/isolator";
import { createClusterRegistry } from "@riposte/k8s-response";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readDevState } from "./pubsub-target.js";

const usage = `Usage: riposte release POD -n NAMESPACE [--server URL [--token T] | --context NAME]

Removes the quarantine label and annotations from the pod and deletes this incident's allowance
policies. Cluster: --server/--token, a kubeconfig --context, or the simulated cluster of a running
\`riposte dev\`.`;

export const releaseCommand: Command = {
  name: "release",
  summary: "lift the isolator's quarantine from a pod",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      namespace: { type: "string", short: "n" },
      server: { type: "string" },
      token: { type: "string" },
      context: { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [pod] = positionals;
    if (!pod || !values.namespace) throw new UsageError(`name the pod and its namespace\n\n${usage}`);
    const server = values.server ?? (values.context ? undefined : readDevState()?.simUrl);
    if (!server && !values.context)
      throw new UsageError(`no cluster: pass --server or --context (or run \`riposte dev\`)`);
    const registry = createClusterRegistry({
      target: server
        ? { kind: "server", server, ...(values.token ? { token: values.token } : {}) }
        : { kind: "context", context: values.context as string },
    });
    const result = await releaseQuarantine(await registry.clientsFor("target"), values.namespace, pod);
    console.log(result.message);
    return result.released ? 0 : 1;
  },
};
