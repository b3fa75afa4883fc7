// Everything the services talk to during a run, started once: the real Pub/Sub emulator, the simulated
// cluster, the Slack/SOAR and SCC stand-ins, and an OTLP sink (the services run with OpenTelemetry on,
// as deployed, exporting here). Each suite provisions its own emulator project so suites never see
// each other's messages.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PubSub } from "@google-cloud/pubsub";
import { applyTopology, deriveTopology, type ServicePackage } from "@riposte/infra";
import { localServiceEnv } from "@riposte/infra/dev";
import { type SimCluster, startSim } from "@riposte/k8s-sim";
import type { LocalEnvironment } from "@riposte/service-kit";
import { freePort, type PubSubEmulator, startPubSubEmulator } from "@riposte/service-kit/testing";
import {
  type FirestoreEmulator,
  startFirestoreEmulator,
} from "@riposte/service-kit/testing/firestore-emulator";
import {
  type SccStandin,
  startSccStandin,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { benchConfig, disableMetadataServerDetection } from "./config.js";

export interface OtlpSink {
  endpoint: string;
  /** Export requests received and their bytes: proof that tracing was on. */
  stats(): { requests: number; bytes: number };
  close(): Promise<void>;
}

/** Accepts OTLP/HTTP exports and throws them away (a collector that costs the services nothing extra). */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on("end", () => {
      requests += 1;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ requests, bytes }),
    close: () => closeServer(server),
  };
}

export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface BenchEnvironment {
  emulator: PubSubEmulator;
  /** The incident ledger's Firestore: the actioners and the notifier answer 503 without it. */
  firestore: FirestoreEmulator;
  sim: SimCluster;
  webhooks: WebhookReceiver;
  scc: SccStandin;
  otlp: OtlpSink;
  local: LocalEnvironment;
  close(): Promise<void>;
}

export async function startEnvironment(): Promise<BenchEnvironment> {
  disableMetadataServerDetection();
  const [emulator, firestore, sim, webhooks, scc, otlp] = await Promise.all([
    startPubSubEmulator({ projectId: "riposte-bench" }),
    startFirestoreEmulator(),
    startSim({ host: "127.0.0.1", requestLogSize: 50_000 }),
    startWebhookReceiver({ host: "127.0.0.1" }),
    startSccStandin({ host: "127.0.0.1" }),
    startOtlpSink(),
  ]);
  const source = scc.seedSource({ organization: "123456789", displayName: "Riposte" });
  const local: LocalEnvironment = {
    kubernetesUrl: sim.url,
    slackWebhookUrl: webhooks.url("/services/T0000/B0000/bench"),
    webhookUrl: webhooks.url("/soar"),
    sccEndpoint: `127.0.0.1:${scc.port}`,
    sccSourceName: source.name,
    otlpEndpoint: otlp.endpoint,
  };
  return {
    emulator,
    firestore,
    sim,
    webhooks,
    scc,
    otlp,
    local,
    async close() {
      await Promise.allSettled([sim.stop(), webhooks.close(), scc.close(), otlp.close()]);
      await Promise.allSettled([emulator.stop(), firestore.stop()]);
    },
  };
}

/** The environment a service gets, as `riposte dev` gives it, with tracing on. */
export function serviceEnv(
  environment: BenchEnvironment,
  service: ServicePackage,
  projectId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: benchConfig().path,
    NODE_ENV: "production",
    ...localServiceEnv(service, {
      emulatorHost: environment.emulator.host,
      // The suite's project holds its ledger too: suites never see each other's incidents or slots.
      firestoreEmulatorHost: environment.firestore.host,
      projectId,
      local: environment.local,
    }),
    // Tracing on, as in production.
    OTEL_EXPORTER_OTLP_ENDPOINT: environment.otlp.endpoint,
    ...extra,
  };
}

/** The environment a floor gets: where Pub/Sub is, and nothing of Riposte's configuration. */
export function floorEnv(
  environment: BenchEnvironment,
  projectId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: benchConfig().path,
    NODE_ENV: "production",
    PUBSUB_EMULATOR_HOST: environment.emulator.host,
    GOOGLE_CLOUD_PROJECT: projectId,
    METADATA_SERVER_DETECTION: "none",
    KUBERNETES_URL: environment.sim.url,
    SCC_ENDPOINT: environment.local.sccEndpoint,
    ...extra,
  };
}

export function emulatorClient(environment: BenchEnvironment, projectId: string): PubSub {
  return new PubSub({ projectId, apiEndpoint: environment.emulator.host, emulatorMode: true });
}

/**
 * Creates the real topology (derived from the descriptors: every topic, dead-letter topics, retry
 * policies, ack deadlines) but push subscriptions only for the services given, pointed at their ports.
 * Topics nobody reads simply drop what is published to them, as they would in an unfinished project.
 */
export async function provisionServices(
  pubsub: PubSub,
  services: readonly ServicePackage[],
  running: Readonly<Record<string, number>>,
): Promise<void> {
  const endpoints = new Set<string>();
  const topology = deriveTopology(
    services.map((service) => service.descriptor),
    {
      endpointFor: (name, input) => {
        const endpoint = `http://127.0.0.1:${running[name] ?? 9}${input.path}`;
        if (running[name] !== undefined) endpoints.add(endpoint);
        return endpoint;
      },
    },
  );
  await applyTopology(pubsub, {
    topics: topology.topics,
    subscriptions: topology.subscriptions.filter(
      (subscription) => subscription.push !== undefined && endpoints.has(subscription.push.endpoint),
    ),
  });
}

/**
 * Deletes every subscription and topic of the client's project, so that what a suite left stored in
 * the emulator (thousands of messages after a storm) does not slow the suites after it.
 */
export async function deleteProjectContents(pubsub: PubSub): Promise<void> {
  const [subscriptions] = await pubsub.getSubscriptions();
  await Promise.allSettled(subscriptions.map((subscription) => subscription.delete()));
  const [topics] = await pubsub.getTopics();
  await Promise.allSettled(topics.map((topic) => topic.delete()));
}

/** A floor's push subscription: same ack deadline and retry policy as the services'. */
export async function createFloorSubscription(
  pubsub: PubSub,
  topic: string,
  subscription: string,
  endpoint: string,
): Promise<void> {
  const [exists] = await pubsub.topic(topic).exists();
  if (!exists) await pubsub.topic(topic).create();
  await pubsub.topic(topic).createSubscription(subscription, {
    pushConfig: { pushEndpoint: endpoint },
    ackDeadlineSeconds: 30,
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 30 } },
  });
}

export { freePort };
