// The end-to-end harness: real services as child processes (exactly as `riposte dev` runs them),
// behind real push subscriptions on the real emulator, in a project of their own so test files
// sharing the emulator never see each other's messages. A "tap" pull subscription on every topic
// lets a test read what flowed through it.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { PubSub } from "@google-cloud/pubsub";
import {
  applyTopology,
  deriveTopology,
  loadServices,
  type ServicePackage,
  type SubscriptionSpec,
  type Topology,
} from "@riposte/infra";
import {
  localServiceEnv,
  type RunningChild,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "@riposte/infra/dev";
import { type LocalEnvironment, redeliverySpanSeconds } from "@riposte/service-kit";
import {
  emulatorClient,
  freePort,
  type PulledMessage,
  pullMessages,
  uniqueName,
} from "@riposte/service-kit/testing";
import { inject } from "vitest";

export interface PipelineOptions {
  emulatorHost: string;
  /** The Firestore emulator holding the incident ledger (default: this test run's). */
  firestoreEmulatorHost?: string;
  /** Services to run (default: every service in services/). */
  services?: readonly string[];
  /** Extra environment per service name. */
  env?: Record<string, Record<string, string>>;
  /** Extra environment for every service. */
  commonEnv?: Record<string, string>;
  local?: Partial<LocalEnvironment>;
  /** Print the services' logs (debugging). */
  verbose?: boolean;
  /** Changes the topology derived from the descriptors before it is applied (e.g. see emulatorRedelivery). */
  adjustTopology?: (topology: Topology) => Topology;
  /** Keep only the last this many (to twice as many) log lines per service in long runs; default all. */
  maxLogLines?: number;
}

export interface Pipeline {
  projectId: string;
  /** The Firestore emulator holding this pipeline's incident ledger (in project `projectId`). */
  firestoreEmulatorHost: string;
  pubsub: PubSub;
  ports: Record<string, number>;
  logs: Record<string, string[]>;
  /** Publishes a Falco alert to falco-events as falcosidekick does. */
  sendAlert(json: string): Promise<string>;
  /** Messages that went through `topic` (read from its tap subscription). */
  tap(topic: string, options?: { count?: number; timeoutMs?: number }): Promise<PulledMessage[]>;
  /**
   * Messages on `topic` for `incident` (attribute), waiting until `count` arrived or the time is up.
   * What it pulls for other incidents is kept for their own waits, never dropped.
   */
  tapped(
    topic: string,
    incident: string,
    options?: { count?: number; timeoutMs?: number },
  ): Promise<PulledMessage[]>;
  /**
   * Sends `signal` (default SIGKILL: no shutdown at all) to a service's process and resolves once it
   * has exited; with SIGTERM the service shuts down gracefully, as on Cloud Run. Its port is then held
   * (every connection cut, so pushes fail as against the dead process) until `restart`.
   */
  kill(service: string, signal?: NodeJS.Signals): Promise<ServiceExit>;
  /**
   * Starts a service whose process has exited again, with the same environment, on the same port (so
   * its push subscriptions reach it there); resolves once it answers there itself. Should another
   * process have taken the port, the service starts on a new one and its push subscriptions follow.
   */
  restart(service: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The topology for runs where many pushes fail at the same time (chaos, SIGKILLed services). The
 * emulator (0.8.20) stops redelivering on a subscription once two or more of its messages are in
 * retry-policy backoff: each gets 3 attempts, then nothing for minutes (measured). Without a retry
 * policy it redelivers every ~1 s instead; the attempts are raised to cover the real policy's span at
 * that pace, capped at Pub/Sub's 100. The real spans are 10 minutes and more (see
 * redeliverySpanSeconds), so here a message dead-letters after ~100 s of failures instead: every
 * fault a test injects must be over well within that.
 */
export function emulatorRedelivery(topology: Topology): Topology {
  const subscriptions = topology.subscriptions.map((spec): SubscriptionSpec => {
    const { retryPolicy, ...rest } = spec;
    if (!retryPolicy || !spec.deadLetter) return rest;
    const spanSeconds = redeliverySpanSeconds({
      ...retryPolicy,
      maxDeliveryAttempts: spec.deadLetter.maxDeliveryAttempts,
    });
    return {
      ...rest,
      deadLetter: {
        ...spec.deadLetter,
        maxDeliveryAttempts: Math.min(
          MAX_DELIVERY_ATTEMPTS,
          Math.max(spec.deadLetter.maxDeliveryAttempts, Math.ceil(spanSeconds) + 1),
        ),
      },
    };
  });
  return { ...topology, subscriptions };
}

/** Pub/Sub's most delivery attempts before dead-lettering. */
const MAX_DELIVERY_ATTEMPTS = 100;

/** Each service's time to answer /healthz: several test files start their services at once on 2 cores. */
const SERVICE_START_TIMEOUT_MS = 120_000;

/**
 * Holds a port while its service is down; every connection is cut at once, so a push fails just as
 * against the dead process. Undefined when the port could not be taken.
 */
function holdPort(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(undefined));
    server.listen({ port, host: "0.0.0.0" }, () => resolve(server));
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/**
 * Whether process `pid` owns the socket listening on `port` (Linux, from /proc); undefined where
 * /proc cannot tell. A health check alone could be answered by another process that took the port.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        // sl local_address rem_address st … inode: "0A" is LISTEN; the port is hex after the colon.
        const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
        if (state === "0A" && inode && Number.parseInt(local?.split(":")[1] ?? "", 16) === port)
          inodes.add(inode);
      }
    }
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1] ?? "");
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from sending the signal to the process having exited. */
  tookMs: number;
}

/** The vitest run's Firestore emulator (its global setup); a run outside vitest must name one. */
function runFirestoreEmulatorHost(): string {
  try {
    return inject("firestoreEmulatorHost");
  } catch {
    throw new Error(
      "startPipeline: pass firestoreEmulatorHost (the ledger's Firestore emulator) when not run by vitest",
    );
  }
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const projectId = uniqueName("e2e");
  const firestoreEmulatorHost = options.firestoreEmulatorHost ?? runFirestoreEmulatorHost();
  const pubsub = emulatorClient(options.emulatorHost, projectId);
  const all = await loadServices();
  const selected: ServicePackage[] = options.services
    ? all.filter((s) => options.services?.includes(s.descriptor.name))
    : all;
  const ports: Record<string, number> = {};
  for (const service of selected) ports[service.descriptor.name] = await freePort();

  const derived = deriveTopology(
    all.map((service) => service.descriptor),
    {
      // Services not started here get an endpoint nobody listens on: their messages stay visible on the tap.
      endpointFor: (name, input) => `http://127.0.0.1:${ports[name] ?? 9}${input.path}`,
    },
  );
  const topology = options.adjustTopology?.(derived) ?? derived;
  await applyTopology(pubsub, topology);
  for (const topic of topology.topics) {
    await pubsub.topic(topic.name).createSubscription(`${topic.name}-tap`);
  }

  const logs: Record<string, string[]> = {};
  const children = new Map<string, RunningChild>();
  const spawn = (service: ServicePackage): RunningChild => {
    const name = service.descriptor.name;
    const child = spawnService({
      service,
      port: ports[name] as number,
      prefix: `[${name}]`,
      useColor: false,
      raw: true,
      write: (line) => {
        const lines = logs[name];
        lines?.push(line);
        if (lines && options.maxLogLines !== undefined && lines.length > 2 * options.maxLogLines) {
          lines.splice(0, lines.length - options.maxLogLines);
        }
        if (options.verbose) console.log(line);
      },
      env: {
        PATH: process.env.PATH ?? "",
        ...localServiceEnv(service, {
          emulatorHost: options.emulatorHost,
          // The ledger's project is the pipeline's: test files never see each other's incidents.
          firestoreEmulatorHost,
          projectId,
          ...(options.local ? { local: options.local as LocalEnvironment } : {}),
        }),
        ...options.commonEnv,
        ...options.env?.[name],
      },
    });
    children.set(name, child);
    return child;
  };
  for (const service of selected) {
    logs[service.descriptor.name] = [];
    spawn(service);
  }
  await Promise.all([...children.values()].map((child) => waitUntilHealthy(child, SERVICE_START_TIMEOUT_MS)));

  /** Ports of killed services, held until their restart so that no other process takes them meanwhile. */
  const heldPorts = new Map<string, Server>();

  /** Starts the service on its port; resolves once it, and not some other process, answers there. */
  const startOwned = async (service: ServicePackage): Promise<boolean> => {
    const port = ports[service.descriptor.name] as number;
    const child = spawn(service);
    try {
      await waitUntilHealthy(child, SERVICE_START_TIMEOUT_MS);
    } catch {
      return false;
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.child.exitCode !== null || child.child.signalCode !== null) return false;
      if (listensOn(child.child.pid ?? -1, port) !== false) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };

  /** Moves a service to a new port: its push subscriptions are pointed there. */
  const movePort = async (service: string): Promise<void> => {
    const oldPrefix = `http://127.0.0.1:${ports[service]}/`;
    const port = await freePort();
    ports[service] = port;
    for (const spec of topology.subscriptions) {
      const endpoint = spec.push?.endpoint;
      if (!endpoint?.startsWith(oldPrefix)) continue;
      const moved = `http://127.0.0.1:${port}/${endpoint.slice(oldPrefix.length)}`;
      await pubsub.subscription(spec.name).modifyPushConfig({ pushEndpoint: moved });
      spec.push = { ...spec.push, endpoint: moved };
    }
  };

  const running = (service: string): RunningChild => {
    const child = children.get(service);
    if (!child) {
      throw new Error(
        `service ${JSON.stringify(service)} is not part of this pipeline (running: ${[...children.keys()].join(", ")})`,
      );
    }
    return child;
  };

  // Messages pulled from taps for an incident nobody was waiting for yet.
  const held = new Map<string, PulledMessage[]>();

  return {
    projectId,
    firestoreEmulatorHost,
    pubsub,
    ports,
    logs,
    sendAlert: (json) => pubsub.topic("falco-events").publishMessage({ data: Buffer.from(json) }),
    tap: (topic, tapOptions) => pullMessages(pubsub, `${topic}-tap`, tapOptions),
    async tapped(topic, incident, { count = 1, timeoutMs = 15_000 } = {}) {
      const pulled = held.get(topic) ?? [];
      held.set(topic, pulled);
      const mine = () => pulled.filter((message) => message.attributes.incident === incident);
      const deadline = Date.now() + timeoutMs;
      while (mine().length < count && Date.now() < deadline) {
        const batch = await pullMessages(pubsub, `${topic}-tap`, {
          count: 100,
          timeoutMs: Math.min(1_000, Math.max(1, deadline - Date.now())),
        });
        pulled.push(...batch);
      }
      const found = mine();
      // Handed out once: a later wait for the same incident sees only what came after.
      for (const message of found) pulled.splice(pulled.indexOf(message), 1);
      return found;
    },
    async kill(service, signal = "SIGKILL") {
      const { child, exited } = running(service);
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      const tookMs = Date.now() - started;
      const held = await holdPort(ports[service] as number);
      if (held) heldPorts.set(service, held);
      return { code: child.exitCode, signal: child.signalCode, tookMs };
    },
    async restart(service) {
      const previous = running(service);
      if (previous.child.exitCode === null && previous.child.signalCode === null) {
        throw new Error(`${service} is still running (pid ${previous.child.pid}): kill it before restarting`);
      }
      const found = selected.find((candidate) => candidate.descriptor.name === service) as ServicePackage;
      await closeServer(heldPorts.get(service));
      heldPorts.delete(service);
      if (await startOwned(found)) return;
      // Another process took the port while the service was down (or while it started): move it.
      const lost = ports[service];
      await stopChild(running(service));
      await movePort(service);
      if (!(await startOwned(found))) {
        throw new Error(
          `${service} did not come back on port ${lost} nor on ${ports[service]}:\n${running(service).stderrTail.join("\n")}`,
        );
      }
    },
    async stop() {
      await Promise.all([...children.values()].map((child) => stopChild(child)));
      await Promise.all([...heldPorts.values()].map(closeServer));
      await pubsub.close();
    },
  };
}
