// The end-to-end harness: real services as child processes (exactly as `riposte dev` runs them),
// behind real push subscriptions on the real emulator, in a project of their own so test files
// sharing the emulator never see each other's messages. A "tap" pull subscription on every topic
// lets a test read what flowed through it.
import type { PubSub } from "@google-cloud/pubsub";
import { applyTopology, deriveTopology, loadServices, type ServicePackage } from "@riposte/infra";
import { type RunningChild, spawnService, stopChild, waitUntilHealthy } from "@riposte/infra/dev";
import type { LocalEnvironment } from "@riposte/service-kit";
import {
  emulatorClient,
  freePort,
  type PulledMessage,
  pullMessages,
  uniqueName,
} from "@riposte/service-kit/testing";

export interface PipelineOptions {
  emulatorHost: string;
  /** Services to run (default: every service in services/). */
  services?: readonly string[];
  /** Extra environment per service name. */
  env?: Record<string, Record<string, string>>;
  /** Extra environment for every service. */
  commonEnv?: Record<string, string>;
  local?: Partial<LocalEnvironment>;
  /** Print the services' logs (debugging). */
  verbose?: boolean;
}

export interface Pipeline {
  projectId: string;
  pubsub: PubSub;
  ports: Record<string, number>;
  logs: Record<string, string[]>;
  /** Publishes a Falco alert to falco-events as falcosidekick does. */
  sendAlert(json: string): Promise<string>;
  /** Messages that went through `topic` (read from its tap subscription). */
  tap(topic: string, options?: { count?: number; timeoutMs?: number }): Promise<PulledMessage[]>;
  stop(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const projectId = uniqueName("e2e");
  const pubsub = emulatorClient(options.emulatorHost, projectId);
  const all = await loadServices();
  const selected: ServicePackage[] = options.services
    ? all.filter((s) => options.services?.includes(s.descriptor.name))
    : all;
  const ports: Record<string, number> = {};
  for (const service of selected) ports[service.descriptor.name] = await freePort();

  const topology = deriveTopology(
    all.map((service) => service.descriptor),
    {
      // Services not started here get an endpoint nobody listens on: their messages stay visible on the tap.
      endpointFor: (name, input) => `http://127.0.0.1:${ports[name] ?? 9}${input.path}`,
    },
  );
  await applyTopology(pubsub, topology);
  for (const topic of topology.topics) {
    await pubsub.topic(topic.name).createSubscription(`${topic.name}-tap`);
  }

  const logs: Record<string, string[]> = {};
  const children: RunningChild[] = [];
  for (const service of selected) {
    const name = service.descriptor.name;
    logs[name] = [];
    children.push(
      spawnService({
        service,
        port: ports[name] as number,
        prefix: `[${name}]`,
        useColor: false,
        raw: true,
        write: (line) => {
          logs[name]?.push(line);
          if (options.verbose) console.log(line);
        },
        env: {
          PATH: process.env.PATH ?? "",
          PUBSUB_EMULATOR_HOST: options.emulatorHost,
          GOOGLE_CLOUD_PROJECT: projectId,
          METADATA_SERVER_DETECTION: "none",
          OTEL_METRICS_EXPORTER: "none",
          OTEL_LOGS_EXPORTER: "none",
          ...(service.descriptor.localEnv && options.local
            ? service.descriptor.localEnv(options.local as LocalEnvironment)
            : {}),
          ...options.commonEnv,
          ...options.env?.[name],
        },
      }),
    );
  }
  await Promise.all(children.map((child) => waitUntilHealthy(child, 30_000)));

  return {
    projectId,
    pubsub,
    ports,
    logs,
    sendAlert: (json) => pubsub.topic("falco-events").publishMessage({ data: Buffer.from(json) }),
    tap: (topic, tapOptions) => pullMessages(pubsub, `${topic}-tap`, tapOptions),
    async stop() {
      await Promise.all(children.map((child) => stopChild(child)));
      await pubsub.close();
    },
  };
}
