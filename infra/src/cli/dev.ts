// `riposte dev` (= `npm start`): the whole pipeline on this machine. The Pub/Sub and Firestore
// emulators, the topology, the simulated cluster, the Slack and SCC stand-ins, and every service found in services/
// as a child process. Ctrl-C stops all of it.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { PubSub } from "@google-cloud/pubsub";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import type { LocalEnvironment, ServiceDescriptor } from "@riposte/service-kit";
import { type PubSubEmulator, startPubSubEmulator } from "@riposte/service-kit/testing";
import type { FirestoreEmulator } from "@riposte/service-kit/testing/firestore-emulator";
import {
  adminPathPrefix,
  type OtlpReceiver,
  type SccStandin,
  startOtlpReceiver,
  startSccStandin,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { readDevFirestoreEnv } from "../dev/config.js";
import { startDevFirestore } from "../dev/firestore.js";
import { colorFor } from "../dev/log-format.js";
import { type ScheduledCaller, scheduledCallsOf, startScheduledCalls } from "../dev/scheduled-calls.js";
import {
  localServiceEnv,
  type RunningChild,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "../dev/service-process.js";
import { type DevStorage, startDevStorage } from "../dev/storage.js";
import { loadServices, repoRoot, type ServicePackage } from "../services.js";
import { deriveTopology } from "../topology/derive.js";
import { applyTopology } from "../topology/provision.js";
import { type Command, parseCommandArgs } from "./command.js";
import { type CliEnv, inheritedEnv, readCliEnv } from "./config.js";
import {
  DEFAULT_EMULATOR_HOST,
  DEFAULT_LOCAL_PROJECT,
  type DevState,
  devStatePath,
  readDevState,
} from "./pubsub-target.js";
import { assignLocalPorts, endpointResolver, reservedLocalPorts } from "./topology.js";

/** The stand-in Slack's on-call member (`riposte dev`): approvers: ["oncall@example.com"] lets them decide. */
const DEV_SLACK_APPROVER = { id: "U0RIPOSTE", email: "oncall@example.com", realName: "On-call (stand-in)" };

/** How long each service may take to answer /healthz after it was spawned. */
const SERVICE_START_TIMEOUT_MS = 120_000;

const usage = `Usage: riposte dev   (npm start)

Runs the whole pipeline locally:
  - the Pub/Sub emulator on ${DEFAULT_EMULATOR_HOST} (or the one PUBSUB_EMULATOR_HOST names),
  - the Firestore emulator (the incident ledger) on a free port (or the one FIRESTORE_EMULATOR_HOST
    names), and every minute the scheduled calls Cloud Scheduler makes (notifier: close storm windows; isolator: lift expired quarantine leases),
  - the topology, with push endpoints on localhost,
  - the simulated cluster on 127.0.0.1:RIPOSTE_SIM_PORT (6443), seeded to match examples/,
  - the Slack/webhook and SCC stand-ins (SCC on 127.0.0.1:RIPOSTE_SCC_PORT, 50551),
  - the Cloud Storage stand-in on a free port, with the evidence bucket (\`riposte evidence\` reads it),
  - every service under services/ on RIPOSTE_PORT_BASE (8080) + its descriptor's localPortOffset.
Project: GOOGLE_CLOUD_PROJECT (default ${DEFAULT_LOCAL_PROJECT}). SLACK_WEBHOOK_URL sends to real Slack.`;

export const devCommand: Command = {
  name: "dev",
  summary: "run the whole pipeline locally (npm start)",
  usage,
  async run(args) {
    const { values } = parseCommandArgs({ usage }, args, {});
    if (values.help) {
      console.log(usage);
      return 0;
    }
    return runDev();
  },
};

/** Where `riposte dev` writes: lines as they are, and its own lines marked [riposte]. */
interface DevOutput {
  useColor: boolean;
  write: (line: string) => void;
  say: (line: string) => void;
}

/**
 * What this run has started so far, filled in step by step: stopping stops whatever is there, so a
 * start that fails halfway leaves nothing behind.
 */
interface DevRun {
  readonly statePath: string;
  readonly say: (line: string) => void;
  emulator?: PubSubEmulator;
  firestore?: FirestoreEmulator;
  sim?: SimCluster;
  slack?: WebhookReceiver;
  scc?: SccStandin;
  otlp?: OtlpReceiver;
  storage?: DevStorage;
  readonly children: RunningChild[];
  scheduled?: ScheduledCaller;
  /** The state file is this run's: only then does stopping remove it. */
  wroteState: boolean;
  stopping: boolean;
}

/** The stand-ins' addresses: for the services (`local`), the state file and the banner. */
interface Standins {
  local: LocalEnvironment;
  otlpReceiverUrl: string;
  /** The Slack/webhook stand-in's admin route listing every request it answered. */
  standinRequestsUrl: string;
}

/** Where the services find the emulators and the stand-ins. */
interface LocalTargets {
  projectId: string;
  emulatorHost: string;
  firestoreEmulatorHost: string;
  local: LocalEnvironment;
}

async function runDev(): Promise<number> {
  const env = readCliEnv();
  const output = devOutput();
  const statePath = devStatePath(env);
  refuseIfAlreadyRunning(env, statePath);
  const run: DevRun = { statePath, say: output.say, children: [], wroteState: false, stopping: false };
  killChildrenOnExit(run);
  try {
    await startEverything(run, env, output);
  } catch (error) {
    run.say(`cannot start: ${(error as Error).message}`);
    await stopEverything(run);
    return 1;
  }
  return runUntilSignalled(run);
}

function devOutput(): DevOutput {
  const useColor = Boolean(process.stdout.isTTY);
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const say = (line: string) => write(`${useColor ? "\u001b[1m[riposte]\u001b[0m" : "[riposte]"} ${line}`);
  return { useColor, write, say };
}

function refuseIfAlreadyRunning(env: CliEnv, statePath: string): void {
  const running = readDevState(env);
  if (!running) return;
  // Its ports and emulator are taken, and stopping would remove its state file: refuse before anything.
  throw new Error(
    `already running (pid ${running.pid}, emulator ${running.emulatorHost}, project ${running.projectId}; state ${statePath}): stop it first (Ctrl-C), or start this one with another PUBSUB_EMULATOR_HOST or GOOGLE_CLOUD_PROJECT`,
  );
}

/** Last resort if we die abruptly: no child may outlive us. */
function killChildrenOnExit(run: DevRun): void {
  process.on("exit", () => {
    for (const { child } of run.children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const pid of [run.emulator?.pid, run.firestore?.pid]) {
      if (!pid) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** Every step of the start, in order; each records what it started in `run`. */
async function startEverything(run: DevRun, env: CliEnv, output: DevOutput): Promise<void> {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? DEFAULT_LOCAL_PROJECT;
  const emulatorHost = await startPubSub(run, env, projectId);
  run.firestore = await startDevFirestore(readDevFirestoreEnv(), run.say);
  const standins = await startStandins(run, env);
  const { local } = standins;
  const targets: LocalTargets = { projectId, emulatorHost, firestoreEmulatorHost: run.firestore.host, local };
  const services = await loadServices();
  const descriptors = services.map((service) => service.descriptor);
  await applyLocalTopology(descriptors, env, targets, run.say);
  await startServices(run, services, env, targets, output);
  // What Cloud Scheduler calls in production, on the same schedule.
  run.scheduled = startScheduledCalls({
    ports: new Map(run.children.map(({ name, port }) => [name, port])),
    report: run.say,
    calls: scheduledCallsOf(descriptors),
  });
  writeDevStateFile(run, env, targets, standins.otlpReceiverUrl);
  printBanner(run.say, {
    projectId,
    emulatorHost,
    firestoreHost: targets.firestoreEmulatorHost,
    children: run.children,
    inputs: services,
    local,
    slackIsStandin: !env.SLACK_WEBHOOK_URL,
    standinRequestsUrl: standins.standinRequestsUrl,
  });
}

/** The Pub/Sub emulator PUBSUB_EMULATOR_HOST names, else one started on the default port; its host. */
async function startPubSub(run: DevRun, env: CliEnv, projectId: string): Promise<string> {
  if (env.PUBSUB_EMULATOR_HOST) {
    run.say(`using the Pub/Sub emulator at ${env.PUBSUB_EMULATOR_HOST} (PUBSUB_EMULATOR_HOST)`);
    return env.PUBSUB_EMULATOR_HOST;
  }
  const [, port] = DEFAULT_EMULATOR_HOST.split(":");
  run.say(`starting the Pub/Sub emulator on ${DEFAULT_EMULATOR_HOST}…`);
  run.emulator = await startPubSubEmulator({ port: Number(port), projectId });
  return run.emulator.host;
}

/** The simulated cluster and the Slack/webhook, SCC and trace stand-ins: what the services call instead of the real ones. */
async function startStandins(run: DevRun, env: CliEnv): Promise<Standins> {
  run.sim = await startSim({ port: env.RIPOSTE_SIM_PORT, host: "127.0.0.1", seed: demoSeed() });
  // One member, the demo's on-call person: a playbook naming oncall@example.com as an approver lets
  // them decide from the stand-in's Slack (users.info answers their email).
  run.slack = await startWebhookReceiver({ host: "127.0.0.1", slackUsers: [DEV_SLACK_APPROVER] });
  run.scc = await startSccStandin({ host: "127.0.0.1", port: env.RIPOSTE_SCC_PORT });
  run.otlp = await startOtlpReceiver({ host: "127.0.0.1" });
  run.storage = await startDevStorage(run.say);
  // The demo organization's "Riposte" source, as `riposte scc setup` would create it on a real one.
  const sccSource = run.scc.seedSource({ organization: "123456789", displayName: "Riposte" });
  const local: LocalEnvironment = {
    kubernetesUrl: run.sim.url,
    slackWebhookUrl: env.SLACK_WEBHOOK_URL ?? run.slack.url("/services/T0000/B0000/local"),
    webhookUrl: run.slack.url("/soar"),
    sccEndpoint: `127.0.0.1:${run.scc.port}`,
    sccSourceName: sccSource.name,
    otlpEndpoint: run.otlp.endpoint,
    storageEndpoint: run.storage.url,
    evidenceBucket: run.storage.bucket,
    slackInteractivity: {
      apiUrl: run.slack.slackApiUrl,
      responseUrlBase: run.slack.baseUrl,
      botToken: run.slack.slackBotToken,
      // A new one each run: it signs clicks to this run's console only.
      signingSecret: randomBytes(32).toString("hex"),
    },
  };
  return {
    local,
    otlpReceiverUrl: run.otlp.url,
    // What the Slack/webhook stand-in received: its admin route lists every request it answered.
    standinRequestsUrl: run.slack.url(`${adminPathPrefix}requests`),
  };
}

/** The topics and subscriptions the descriptors call for, pushing to the services on localhost. */
async function applyLocalTopology(
  descriptors: readonly ServiceDescriptor[],
  env: CliEnv,
  { projectId, emulatorHost }: LocalTargets,
  say: (line: string) => void,
): Promise<void> {
  const topology = deriveTopology(descriptors, {
    endpointFor: endpointResolver(descriptors, {
      urls: {},
      portBase: env.RIPOSTE_PORT_BASE,
      reserved: reservedLocalPorts(env),
    }),
  });
  const pubsub = new PubSub({ projectId, apiEndpoint: emulatorHost, emulatorMode: true });
  const changes = await applyTopology(pubsub, topology);
  await pubsub.close();
  say(
    `topology applied: ${topology.topics.length} topics, ${topology.subscriptions.length} subscriptions (${changes.length} changes)`,
  );
}

/** Every service as a child process on its local port, its log lines prefixed with its name; resolves when all are healthy. */
async function startServices(
  run: DevRun,
  services: readonly ServicePackage[],
  env: CliEnv,
  { projectId, emulatorHost, firestoreEmulatorHost, local }: LocalTargets,
  { useColor, write }: DevOutput,
): Promise<void> {
  const width = Math.max(...services.map((service) => service.descriptor.name.length));
  const descriptors = services.map((service) => service.descriptor);
  const ports = assignLocalPorts(descriptors, env.RIPOSTE_PORT_BASE, reservedLocalPorts(env));
  services.forEach((service, index) => {
    const name = service.descriptor.name;
    run.children.push(
      spawnService({
        service,
        port: ports.get(name) as number,
        prefix: colorFor(index, useColor)(`${name.padEnd(width)} |`),
        useColor,
        write,
        env: {
          ...inheritedEnv(),
          // Relative paths the user gives (PLAYBOOKS_FILE) mean their directory, not the service's:
          // npm sets INIT_CWD; `node infra/bin/riposte.js dev` does not, so say it here.
          INIT_CWD: env.INIT_CWD ?? process.cwd(),
          // Spans go to the local receiver (`riposte trace <incident>`).
          ...localServiceEnv(service, { emulatorHost, firestoreEmulatorHost, projectId, local }),
        },
      }),
    );
  });
  // Six services compile their TypeScript at once: a busy 2-core laptop or CI runner needs more than
  // 30 s. A service that crashes is reported at once anyway (waitUntilHealthy watches its exit).
  await Promise.all(run.children.map((child) => waitUntilHealthy(child, SERVICE_START_TIMEOUT_MS)));
}

/** The state file the other commands read to find this run (`riposte send`, `riposte trace`, …). */
function writeDevStateFile(run: DevRun, env: CliEnv, targets: LocalTargets, otlpReceiverUrl: string): void {
  const state: DevState = {
    emulatorHost: targets.emulatorHost,
    projectId: targets.projectId,
    services: run.children.map(({ name, port }) => ({ name, port })),
    simUrl: targets.local.kubernetesUrl,
    sccEndpoint: targets.local.sccEndpoint,
    sccSourceName: targets.local.sccSourceName,
    otlpReceiverUrl,
    firestoreEmulatorHost: targets.firestoreEmulatorHost,
    ...(targets.local.storageEndpoint ? { storageEndpoint: targets.local.storageEndpoint } : {}),
    ...(targets.local.evidenceBucket ? { evidenceBucket: targets.local.evidenceBucket } : {}),
    ...(run.slack ? { slackStandinUrl: run.slack.baseUrl } : {}),
    ...(targets.local.slackInteractivity
      ? { slackSigningSecret: targets.local.slackInteractivity.signingSecret }
      : {}),
    pid: process.pid,
  };
  mkdirSync(dirname(run.statePath), { recursive: true });
  // `wx`: if another run wrote it while we started, keep theirs and stop.
  writeFileSync(run.statePath, `${JSON.stringify(state, null, 2)}\n`, {
    flag: readDevState(env) ? "wx" : "w",
  });
  run.wroteState = true;
}

/** Stops what this run started, the services first and the emulators last; once, however often it is asked. */
async function stopEverything(run: DevRun): Promise<void> {
  if (run.stopping) return;
  run.stopping = true;
  run.say("stopping…");
  run.scheduled?.stop();
  await Promise.all(run.children.map((child) => stopChild(child)));
  await Promise.allSettled([
    run.sim?.stop(),
    run.slack?.close(),
    run.scc?.close(),
    run.otlp?.close(),
    run.storage?.close(),
  ]);
  await Promise.allSettled([run.emulator?.stop(), run.firestore?.stop()]);
  // Only the file this run wrote: a failed start must not remove another run's.
  if (run.wroteState) rmSync(run.statePath, { force: true });
}

/** Runs until Ctrl-C (or SIGTERM), then stops everything; a service that exits on its own is reported, the others keep running. */
function runUntilSignalled(run: DevRun): Promise<number> {
  return new Promise<number>((resolve) => {
    const onSignal = () => void stopEverything(run).then(() => resolve(0));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    for (const running of run.children) {
      void running.exited.then((code) => {
        if (!run.stopping)
          run.say(`${running.name} exited with code ${code}; the others keep running (Ctrl-C to stop)`);
      });
    }
  });
}

function printBanner(
  say: (line: string) => void,
  info: {
    projectId: string;
    emulatorHost: string;
    firestoreHost: string;
    children: RunningChild[];
    inputs: readonly ServicePackage[];
    local: LocalEnvironment;
    slackIsStandin: boolean;
    standinRequestsUrl: string;
  },
) {
  const example = relative(process.cwd(), `${repoRoot()}/examples/sidekick-critical-drop-exec.json`);
  const lines = [
    "",
    `Riposte is running — project ${info.projectId}, Pub/Sub emulator ${info.emulatorHost}, Firestore emulator ${info.firestoreHost} (the ledger)`,
    ...info.children.map((child) => {
      const service = info.inputs.find((s) => s.descriptor.name === child.name);
      const topics = service?.descriptor.inputs.map((input) => input.topic).join(", ") ?? "";
      // A service no topic feeds (the console) is opened by people and called on a schedule.
      const feeds = topics === "" ? "(no topic: people and the scheduled calls)" : `← ${topics}`;
      return `  ${child.name.padEnd(14)} http://127.0.0.1:${child.port}   ${feeds}`;
    }),
    `  cluster (sim)  ${info.local.kubernetesUrl}   kubectl --server ${info.local.kubernetesUrl} get pods -A`,
    `  Slack          ${info.local.slackWebhookUrl}${info.slackIsStandin ? " (stand-in)" : ""}`,
    `  approvals      Slack's Approve/Deny as ${DEV_SLACK_APPROVER.email} (${DEV_SLACK_APPROVER.id}, stand-in), the console, or npx riposte approvals list | approve | deny`,
    `  SOAR webhook   ${info.local.webhookUrl} (stand-in)`,
    `  received       curl -s '${info.standinRequestsUrl}?path=/soar'   (every request the stand-in answered; without ?path= all of them)`,
    `  SCC (stand-in) ${info.local.sccEndpoint}   npx riposte scc findings`,
    `  traces         ${info.local.otlpEndpoint}   npx riposte trace <incident>`,
    `  evidence       ${info.local.storageEndpoint} bucket ${info.local.evidenceBucket} (stand-in)   npx riposte evidence list <incident>`,
    "",
    `Send an example alert:  npx riposte send ${example}`,
    "Ctrl-C stops everything.",
    "",
  ];
  for (const line of lines) say(line);
}
