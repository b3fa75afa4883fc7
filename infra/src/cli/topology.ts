// `riposte topology plan|apply`: the Pub/Sub topology derived from the service descriptors, compared
// with (and applied to) the emulator or a real project.
import type { PushInput } from "@riposte/service-kit";
import { loadServices } from "../services.js";
import { deriveTopology } from "../topology/derive.js";
import { describeTopology } from "../topology/describe.js";
import { applyTopology, describeChange, planTopology } from "../topology/provision.js";
import { applyServiceAgentGrants, serviceAgentGrants } from "../topology/service-agent.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { type CliEnv, readCliEnv } from "./config.js";
import { DEFAULT_EMULATOR_HOST, openPubsubTarget } from "./pubsub-target.js";

const usage = `Usage: riposte topology plan|apply [options]

Topics and subscriptions derived from the service descriptors: one push subscription per service
input (retry policy, dead-letter topic <subscription>-dead-letter with a pull subscription),
quarantine, and a parking pull subscription for topics no service reads yet. \`plan\` prints the
whole topology (each topic, its subscriptions, endpoints and dead-letter queues), then what would
change in the target; \`apply\` makes those changes.

Options:
  --project P                 a real project (default: the local emulator)
  --url SERVICE=URL           push endpoint base URL of a service (repeatable; e.g. its Cloud Run URL)
  --port-base N               local endpoints http://127.0.0.1:<N + the service's localPortOffset>
                              (default RIPOSTE_PORT_BASE or 8080)
  --push-service-account SA   sign pushes with OIDC tokens of this service account (real projects)
  --project-number N          grant the Pub/Sub service agent its dead-letter roles (real projects)`;

export interface EndpointOptions {
  urls: Record<string, string>;
  portBase: number;
  /** Ports local services must not take, and whose they are. */
  reserved: readonly { port: number; what: string }[];
}

/** A service as `riposte dev` places it: its name and its descriptor's port offset. */
export interface LocalPortOwner {
  name: string;
  localPortOffset: number;
}

/**
 * `riposte dev`'s ports: each service at the base plus its descriptor's offset, so a new service moves
 * no other one's port. A port that one of `riposte dev`'s own servers (the emulator, the simulated
 * cluster, the SCC stand-in) takes is refused with what to change, never silently shifted.
 */
export function assignLocalPorts(
  services: readonly LocalPortOwner[],
  portBase: number,
  reserved: readonly { port: number; what: string }[],
): Map<string, number> {
  const ports = new Map<string, number>();
  for (const service of services) {
    const port = portBase + service.localPortOffset;
    const taken = reserved.find((entry) => entry.port === port);
    if (taken) {
      throw new UsageError(
        `${service.name}'s local port ${port} (RIPOSTE_PORT_BASE ${portBase} + offset ${service.localPortOffset}) is the ${taken.what}'s; choose another RIPOSTE_PORT_BASE or move the ${taken.what}`,
      );
    }
    if (port > 65_535)
      throw new UsageError(`${service.name}'s local port ${port} is above 65535; lower RIPOSTE_PORT_BASE`);
    ports.set(service.name, port);
  }
  return ports;
}

/** Push endpoints: an explicit URL per service, else the local port `riposte dev` gives it. */
export function endpointResolver(services: readonly LocalPortOwner[], options: EndpointOptions) {
  const ports = assignLocalPorts(services, options.portBase, options.reserved);
  return (service: string, input: PushInput): string => {
    const base = options.urls[service] ?? `http://127.0.0.1:${ports.get(service)}`;
    return new URL(input.path, base.endsWith("/") ? base : `${base}/`).toString();
  };
}

/** Ports `riposte dev` keeps for its own servers: the emulator, the simulated cluster, the SCC stand-in. */
export function reservedLocalPorts(env: CliEnv): { port: number; what: string }[] {
  const emulatorPort = Number((env.PUBSUB_EMULATOR_HOST ?? DEFAULT_EMULATOR_HOST).split(":").at(-1));
  return [
    { port: emulatorPort, what: "Pub/Sub emulator (PUBSUB_EMULATOR_HOST)" },
    { port: env.RIPOSTE_SIM_PORT, what: "simulated cluster (RIPOSTE_SIM_PORT)" },
    { port: env.RIPOSTE_SCC_PORT, what: "SCC stand-in (RIPOSTE_SCC_PORT)" },
  ];
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
      endpointFor: endpointResolver(services, { urls, portBase, reserved: reservedLocalPorts(env) }),
      ...(values["push-service-account"] ? { pushServiceAccount: values["push-service-account"] } : {}),
    });
    const target = await openPubsubTarget(env, values.project);
    if (action === "plan") {
      console.log(
        `topology: ${topology.topics.length} topics, ${topology.subscriptions.length} subscriptions`,
      );
      for (const line of describeTopology(topology)) console.log(`  ${line}`);
    }
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
