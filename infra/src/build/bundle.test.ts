// Each service's bundle, copied alone into an empty folder (no node_modules anywhere above it), runs
// with plain `node`, starts with the environment its descriptor asks for locally, answers one push
// message with 204 (a service no topic feeds, its scheduled call with 200), and publishes through the Pub/Sub client inside it (quarantine). The Google
// clients must load from the bundle: Pub/Sub for everyone, SCC's gRPC client for scc-exporter's
// start-up check, @kubernetes/client-node for the actioners, Cloud Storage's for capture.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PubSub } from "@google-cloud/pubsub";
import { commandFromExample } from "@riposte/actioner-kit/testing";
import { ACTION_KINDS, type ActionName } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import type { LocalEnvironment, ServiceDescriptor } from "@riposte/service-kit";
import {
  emulatorClient,
  freePort,
  pullMessages,
  pushEnvelope,
  uniqueName,
} from "@riposte/service-kit/testing";
import {
  type SccStandin,
  type StorageStandin,
  startSccStandin,
  startStorageStandin,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadServices, repoRoot } from "../services.js";
import { deriveTopology } from "../topology/derive.js";
import {
  BUNDLE_ENTRY,
  BUNDLE_MODULE,
  BUNDLE_TARGET,
  type BundleResult,
  bundleService,
  COMPILE_CACHE_DIR,
  IMAGE_USER_ID,
} from "./bundle.js";

const services = await loadServices();
const EXAMPLE_ALERT = "sidekick-critical-drop-exec.json";
const workDir = mkdtempSync(join(tmpdir(), "riposte-bundles-"));
const bundles = new Map<string, BundleResult>();

let pubsub: PubSub;
let projectId: string;
let sim: SimCluster;
let receiver: WebhookReceiver;
let scc: SccStandin;
let storage: StorageStandin;
let local: LocalEnvironment;
/** A stand-in OTLP/HTTP collector: the bundles export their traces here. */
let collector: Server;
const exportedTraces: string[] = [];

beforeAll(async () => {
  projectId = uniqueName("bundles");
  pubsub = emulatorClient(inject("pubsubEmulatorHost"), projectId);
  // Topics only (and a tap on each): the services publish, nothing pushes to them here.
  const topology = deriveTopology(
    services.map((service) => service.descriptor),
    { endpointFor: () => "http://127.0.0.1:9/" },
  );
  for (const topic of topology.topics) {
    await pubsub.createTopic(topic.name);
    await pubsub.topic(topic.name).createSubscription(`${topic.name}-tap`);
  }
  collector = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      exportedTraces.push(body);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((listening) => collector.listen(0, "127.0.0.1", listening));
  sim = await startSim({ seed: demoSeed() });
  receiver = await startWebhookReceiver({ host: "127.0.0.1" });
  scc = await startSccStandin({ host: "127.0.0.1" });
  storage = await startStorageStandin();
  storage.seedBucket("riposte-evidence-bundles");
  const source = scc.seedSource({ organization: "123456789", displayName: "Riposte" });
  local = {
    kubernetesUrl: sim.url,
    slackWebhookUrl: receiver.url("/services/T0000/B0000/bundle"),
    webhookUrl: receiver.url("/soar"),
    sccEndpoint: `127.0.0.1:${scc.port}`,
    sccSourceName: source.name,
    storageEndpoint: storage.url,
    evidenceBucket: "riposte-evidence-bundles",
  };
  await Promise.all(
    services.map(async (service) => {
      const result = await bundleService(
        { name: service.descriptor.name, dir: service.dir, main: service.main },
        { outDir: join(workDir, "build", service.descriptor.name), repoRoot: repoRoot() },
      );
      bundles.set(service.descriptor.name, result);
    }),
  );
}, 180_000);

afterAll(async () => {
  await pubsub?.close();
  await sim?.stop();
  await receiver?.close();
  await scc?.close();
  await storage?.close();
  await new Promise((closed) => collector?.close(closed));
  rmSync(workDir, { recursive: true, force: true });
});

/**
 * A valid message of the first kind the input accepts, from the shipped example alert: the alert's
 * own text (its nanosecond times would not survive JSON.parse) or the command the router would send.
 */
function sampleMessage(accepts: readonly string[]): unknown {
  for (const kind of accepts) {
    if (kind === "FalcoAlert") return readFileSync(join(repoRoot(), "examples", EXAMPLE_ALERT), "utf8");
    const action = (Object.keys(ACTION_KINDS) as ActionName[]).find(
      (name) => ACTION_KINDS[name].kind === kind,
    );
    if (action) return commandFromExample(action, EXAMPLE_ALERT);
  }
  return undefined;
}

interface Started {
  child: ChildProcess;
  port: number;
  output: string[];
}

async function startBundle(
  descriptor: ServiceDescriptor,
  dir: string,
  extraEnv: Record<string, string> = {},
): Promise<Started> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [BUNDLE_ENTRY], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"),
      // The incident ledger: the router, actioners and notifier answer 503 without it.
      FIRESTORE_EMULATOR_HOST: inject("firestoreEmulatorHost"),
      GOOGLE_CLOUD_PROJECT: projectId,
      METADATA_SERVER_DETECTION: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      RIPOSTE_TRACE_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      ...descriptor.localEnv?.(local),
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, port, output };
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${descriptor.name} bundle did not become healthy:\n${output.join("")}`);
}

async function stop(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolveExit) => started.child.once("exit", resolveExit));
  started.child.kill("SIGTERM");
  const timer = setTimeout(() => started.child.kill("SIGKILL"), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

const push = (port: number, path: string, message: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(pushEnvelope(message)),
  });

/** A valid push is acked, and a malformed one too once the Pub/Sub client inside the bundle recorded it. */
async function answersPushes(descriptor: ServiceDescriptor, started: Started): Promise<void> {
  const input = descriptor.inputs[0] as ServiceDescriptor["inputs"][number];
  const message = sampleMessage(input.accepts);
  if (message !== undefined) {
    const response = await push(started.port, input.path, message);
    expect(response.status, started.output.join("")).toBe(204);
  }
  const malformed = await push(started.port, input.path, "not json at all");
  expect(malformed.status, started.output.join("")).toBe(204);
  const quarantined = await pullMessages(pubsub, "quarantine-tap", { count: 1, timeoutMs: 10_000 });
  expect(quarantined.map((record) => record.json<{ service: string }>().service)).toContain(descriptor.name);
}

/** A service no topic feeds (the console): its first scheduled call does its work (the ledger inside) and answers 200. */
async function answersScheduledCall(descriptor: ServiceDescriptor, started: Started): Promise<void> {
  const call = descriptor.scheduled?.[0];
  if (!call) throw new Error(`${descriptor.name} has neither an input nor a scheduled call`);
  const response = await fetch(`http://127.0.0.1:${started.port}${call.path}`, { method: "POST" });
  expect(response.status, started.output.join("")).toBe(200);
}

describe("standalone bundles", () => {
  it.each(services.map((service) => service.descriptor.name))(
    "%s runs from an empty folder on the image's Node and answers a push with 204 (reading no topic: its scheduled call)",
    async (name) => {
      const descriptor = services.find((service) => service.descriptor.name === name)?.descriptor;
      const bundle = bundles.get(name);
      if (!descriptor || !bundle) throw new Error(`${name} was not built`);
      const dir = mkdtempSync(join(tmpdir(), `riposte-${name}-`));
      try {
        cpSync(bundle.outDir, dir, { recursive: true });
        // The Node that starts it is the one the image has (and the bundle was compiled for).
        const version = execFileSync(process.execPath, ["-p", "process.versions.node"], { cwd: dir });
        expect(`node${String(version).split(".")[0]}`).toBe(BUNDLE_TARGET);
        // Nothing but the bundle can be found from there.
        expect(() => createRequire(join(dir, BUNDLE_ENTRY)).resolve("zod")).toThrow();
        expect(() => createRequire(join(dir, BUNDLE_ENTRY)).resolve("@grpc/grpc-js")).not.toThrow();

        // The compile cache came with the bundle, readable by the image's non-root user, made by this Node.
        const cacheDir = join(dir, COMPILE_CACHE_DIR);
        const cacheFiles = readdirSync(cacheDir, { recursive: true, encoding: "utf8" }).map((file) =>
          join(cacheDir, file),
        );
        const forImage = readdirSync(cacheDir).filter((name) => name.endsWith(`-${IMAGE_USER_ID}`));
        expect(forImage).toEqual([
          expect.stringMatching(`^${process.version}-${process.arch}-[0-9a-f]+-${IMAGE_USER_ID}$`),
        ]);
        expect(lstatSync(join(cacheDir, forImage[0] as string)).isDirectory()).toBe(true);
        for (const file of cacheFiles) expect(statSync(file).mode & 0o444, file).toBe(0o444);

        // Node's own compile-cache log says the bundle was compiled from the cache, not from source.
        const started = await startBundle(descriptor, dir, { NODE_DEBUG_NATIVE: "COMPILE_CACHE" });
        await expect
          .poll(() => started.output.join(""))
          .toContain(`V8 code cache for ESM ${pathToFileURL(join(dir, BUNDLE_MODULE)).href} was accepted`);
        try {
          if (descriptor.inputs.length > 0) await answersPushes(descriptor, started);
          else await answersScheduledCall(descriptor, started);
        } finally {
          expect(await stop(started)).toBe(0);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it("reached the stand-ins the services were pointed at, from inside the bundles", () => {
    // A stand-in named in some service's local environment must have been called by that bundle:
    // only a client that loaded and worked produces the call.
    const pointedAt = (needle: string) =>
      services.some((service) =>
        Object.values(service.descriptor.localEnv?.(local) ?? {})
          .join(" ")
          .includes(needle),
      );
    if (pointedAt(sim.url)) expect(sim.requests.length).toBeGreaterThan(0);
    if (pointedAt(`127.0.0.1:${scc.port}`)) {
      expect(scc.calls.map((call) => call.method)).toContain("GetSource");
    }
    if (pointedAt(receiver.url("/"))) expect(receiver.requests.length).toBeGreaterThan(0);
    if (pointedAt(storage.url)) expect(storage.requests.length).toBeGreaterThan(0);
  });

  it("traces Pub/Sub's gRPC calls from inside the bundles (grpc-js shipped beside them, not inlined)", () => {
    // OpenTelemetry's grpc instrumentation only patches a grpc-js that is require()d by name: inlined
    // into the bundle it would never be, and these spans would be missing.
    expect(exportedTraces.join("\n")).toContain("grpc.google.pubsub.v1.Publisher/Publish");
  });
});
