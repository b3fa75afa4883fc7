// `riposte topology plan|apply`: the Pub/Sub topology derived from the service descriptors, compared
// with (and applied to) the emulator or a real project.
import type { PushInput } from "@riposte/service-kit";
import { loadServices } from "../services.js";
import { deriveTopology, type Topology } from "../topology/derive.js";
import { applyTopology, describeChange, planTopology } from "../topology/provision.js";
import { applyServiceAgentGrants, serviceAgentGrants } from "../topology/service-agent.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./env.js";
import { pubsubTarget } from "./pubsub-target.js";

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
}

/** Local endpoints follow `riposte dev`'s port assignment: the i-th service listens on portBase + i. */
export function endpointResolver(serviceNames: readonly string[], options: EndpointOptions) {
  return (service: string, input: PushInput): string => {
    const base =
      options.urls[service] ?? `http://127.0.0.1:${options.portBase + serviceNames.indexOf(service)}`;
    return new URL(input.path, base.endsWith("/") ? base : `${base}/`).toString();
  };
}

export async function localTopology(portBase: number): Promise<Topology> {
  const services = (await loadServices()).map((service) => service.descriptor);
  const names = services.map((service) => service.name);
  return deriveTopology(services, { endpointFor: endpointResolver(names, { urls: {}, portBase }) });
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
        { urls, portBase },
      ),
      ...(values["push-service-account"] ? { pushServiceAccount: values["push-service-account"] } : {}),
    });
    const target = pubsubTarget(env, values.project);
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
