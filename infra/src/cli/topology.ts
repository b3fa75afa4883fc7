// `riposte topology plan|apply`: the Pub/Sub topology derived from the service descriptors, compared
// with (and applied to) the emulator or a real project.
import type { PushInput } from "@riposte/service-kit";
import { loadServices } from "../services.js";
import { deriveTopology } from "../topology/derive.js";
import { applyTopology, describeChange, planTopology } from "../topology/provision.js";
import { applyServiceAgentGrants, serviceAgentGrants } from "../topology/service-agent.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { type CliEnv, readCliEnv } from "./env.js";
import { DEFAULT_EMULATOR_HOST, openPubsubTarget } from "./pubsub-target.js";

const usage = `Usage: riposte topology plan|apply [options]

Topics and subscriptions derived from the service descriptors: one push subscription per service
input (retry policy, dead-letter topic <subscription>-dead-letter with a pull subscription),
quarantine, and a parking pull subscription for topics no service reads yet.

Options:
  --project P                 a real project (default: the local emulator)
  --url SERVICE=URL           push endpoint base URL of a service (repeatable; e.g. its Cloud Run URL)
  --port-base N               local endpoints http://127.0.0.1:<N+i> (default RIPOSTE_PORT_BASE or 8080)
  --push-service-account SA   sign pushes with OIDC tokens of this service account (real projects)
  --project-number N          grant the Pub/Sub service agent its dead-letter roles (real projects)`;

export interface EndpointOptions {
  urls: Record<string, string>;
  portBase: number;
  /** Ports local services must not take. */
  reserved: readonly number[];
}

/**
 * `riposte dev`'s ports: consecutive from the base, skipping the ones taken by the local emulator,
 * the simulated cluster and the SCC stand-in.
 */
export function assignLocalPorts(
  serviceNames: readonly string[],
  portBase: number,
  reserved: readonly number[],
): Map<string, number> {
  const ports = new Map<string, number>();
  let next = portBase;
  for (const name of serviceNames) {
    while (reserved.includes(next)) next += 1;
    ports.set(name, next);
    next += 1;
  }
  return ports;
}

/** Push endpoints: an explicit URL per service, else the local port `riposte dev` gives it. */
export function endpointResolver(serviceNames: readonly string[], options: EndpointOptions) {
  const ports = assignLocalPorts(serviceNames, options.portBase, options.reserved);
  return (service: string, input: PushInput): string => {
    const base = options.urls[service] ?? `http://127.0.0.1:${ports.get(service)}`;
    return new URL(input.path, base.endsWith("/") ? base : `${base}/`).toString();
  };
}

/** Ports `riposte dev` keeps for its own servers: the emulator, the simulated cluster, the SCC stand-in. */
export function reservedLocalPorts(env: CliEnv): number[] {
  const emulatorPort = Number((env.PUBSUB_EMULATOR_HOST ?? DEFAULT_EMULATOR_HOST).split(":").at(-1));
  return [emulatorPort, env.RIPOSTE_SIM_PORT, env.RIPOSTE_SCC_PORT];
}

export const topologyCommand: Command = {
  name: "topology",
  summary: "plan or apply the Pub/Sub topics and subscriptions",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      project: { type: "string" },
      url: { type: "string", multiple: true },
      "port-base": { type: "string" },
      "push-service-account": { type: "string" },
      "project-number": { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [action] = positionals;
    if (action !== "plan" && action !== "apply") throw new UsageError(`expected plan or apply\n\n${usage}`);
    const env = readCliEnv();
    const urls: Record<string, string> = {};
    for (const entry of values.url ?? []) {
      const [service, url] = [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
      if (!service || !URL.canParse(url))
        throw new UsageError(`--url expects SERVICE=URL, got ${JSON.stringify(entry)}`);
      urls[service] = url;
    }
    const portBase = values["port-base"] === undefined ? env.RIPOSTE_PORT_BASE : Number(values["port-base"]);
    if (!Number.isInteger(portBase)) throw new UsageError(`--port-base expects a port number`);

    const services = (await loadServices()).map((service) => service.descriptor);
    const topology = deriveTopology(services, {
      endpointFor: endpointResolver(
        services.map((service) => service.name),
        { urls, portBase, reserved: reservedLocalPorts(env) },
      ),
      ...(values["push-service-account"] ? { pushServiceAccount: values["push-service-account"] } : {}),
    });
    const target = await openPubsubTarget(env, values.project);
    try {
      const changes =
        action === "plan"
          ? await planTopology(target.pubsub, topology)
          : await applyTopology(target.pubsub, topology);
      const verb = action === "plan" ? "would change" : "changed";
      console.log(`${target.describe}: ${changes.length === 0 ? "no changes" : `${verb} ${changes.length}`}`);
      for (const change of changes) console.log(`  ${describeChange(change)}`);
      if (values["project-number"] && !target.emulatorHost) {
        const grants = await applyServiceAgentGrants(
          target.pubsub,
          serviceAgentGrants(topology, values["project-number"]),
          {
            dryRun: action === "plan",
          },
        );
        for (const grant of grants)
          console.log(`  + ${grant.role} for ${grant.member} on ${grant.resource} ${grant.name}`);
      }
      return changes.some((change) => change.kind === "conflict") ? 1 : 0;
    } finally {
      await target.pubsub.close();
    }
  },
};
