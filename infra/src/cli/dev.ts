// `riposte dev` (= `npm start`): the whole pipeline on this machine. The Pub/Sub and Firestore
// emulators, the topology, the simulated cluster, the Slack and SCC stand-ins, and every service found in services/
// as a child process. Ctrl-C stops all of it.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { PubSub } from "@google-cloud/pubsub";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import type { LocalEnvironment } from "@riposte/service-kit";
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
import { loadServices, repoRoot } from "../services.js";
import { deriveTopology } from "../topology/derive.js";
import { applyTopology } from "../topology/provision.js";
import { type Command, parseCommandArgs } from "./command.js";
import { inheritedEnv, readCliEnv } from "./config.js";
import {
  DEFAULT_EMULATOR_HOST,
  DEFAULT_LOCAL_PROJECT,
  type DevState,
  devStatePath,
  readDevState,
} from "./pubsub-target.js";
import { assignLocalPorts, endpointResolver, reservedLocalPorts } from "./topology.js";

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

async function runDev(): Promise<number> {
  const env = readCliEnv();
  const useColor = Boolean(process.stdout.isTTY);
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const say = (line: string) => write(`${useColor ? "\u001b[1m[riposte]\u001b[0m" : "[riposte]"} ${line}`);
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? DEFAULT_LOCAL_PROJECT;
  const statePath = devStatePath(env);
  const running = readDevState(env);
  if (running) {
    // Its ports and emulator are taken, and stopping would remove its state file: refuse before anything.
    throw new Error(
      `already running (pid ${running.pid}, emulator ${running.emulatorHost}, project ${running.projectId}; state ${statePath}): stop it first (Ctrl-C), or start this one with another PUBSUB_EMULATOR_HOST or GOOGLE_CLOUD_PROJECT`,
    );
  }
  let wroteState = false;

  let emulator: PubSubEmulator | undefined;
  let firestore: FirestoreEmulator | undefined;
  let scheduled: ScheduledCaller | undefined;
  let sim: SimCluster | undefined;
  let slack: WebhookReceiver | undefined;
  let scc: SccStandin | undefined;
  let otlp: OtlpReceiver | undefined;
  const children: RunningChild[] = [];
  let stopping = false;

  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say("stopping…");
    scheduled?.stop();
    await Promise.all(children.map((child) => stopChild(child)));
    await Promise.allSettled([sim?.stop(), slack?.close(), scc?.close(), otlp?.close()]);
    await Promise.allSettled([emulator?.stop(), firestore?.stop()]);
    // Only the file this run wrote: a failed start must not remove another run's.
    if (wroteState) rmSync(statePath, { force: true });
  };
  // Last resort if we die abruptly: no child may outlive us.
  process.on("exit", () => {
    for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const pid of [emulator?.pid, firestore?.pid]) {
      if (!pid) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  try {
    let emulatorHost = env.PUBSUB_EMULATOR_HOST;
    if (!emulatorHost) {
      const [, port] = DEFAULT_EMULATOR_HOST.split(":");
      say(`starting the Pub/Sub emulator on ${DEFAULT_EMULATOR_HOST}…`);
      emulator = await startPubSubEmulator({ port: Number(port), projectId });
      emulatorHost = emulator.host;
    } else {
      say(`using the Pub/Sub emulator at ${emulatorHost} (PUBSUB_EMULATOR_HOST)`);
    }
    firestore = await startDevFirestore(readDevFirestoreEnv(), say);
    const firestoreEmulatorHost = firestore.host;

    sim = await startSim({ port: env.RIPOSTE_SIM_PORT, host: "127.0.0.1", seed: demoSeed() });
    slack = await startWebhookReceiver({ host: "127.0.0.1" });
    scc = await startSccStandin({ host: "127.0.0.1", port: env.RIPOSTE_SCC_PORT });
    otlp = await startOtlpReceiver({ host: "127.0.0.1" });
    // The demo organization's "Riposte" source, as `riposte scc setup` would create it on a real one.
    const sccSource = scc.seedSource({ organization: "123456789", displayName: "Riposte" });
    const local: LocalEnvironment = {
      kubernetesUrl: sim.url,
      slackWebhookUrl: env.SLACK_WEBHOOK_URL ?? slack.url("/services/T0000/B0000/local"),
      webhookUrl: slack.url("/soar"),
      sccEndpoint: `127.0.0.1:${scc.port}`,
      sccSourceName: sccSource.name,
      otlpEndpoint: otlp.endpoint,
    };

    const services = await loadServices();
    const descriptors = services.map((service) => service.descriptor);
    const names = descriptors.map((descriptor) => descriptor.name);
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

    const width = Math.max(...names.map((name) => name.length));
    const ports = assignLocalPorts(descriptors, env.RIPOSTE_PORT_BASE, reservedLocalPorts(env));
    services.forEach((service, index) => {
      const name = service.descriptor.name;
      children.push(
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
            ...localServiceEnv(service, {
              emulatorHost,
              firestoreEmulatorHost,
              projectId,
              local,
            }),
          },
        }),
      );
    });
    // Six services compile their TypeScript at once: a busy 2-core laptop or CI runner needs more than
    // 30 s. A service that crashes is reported at once anyway (waitUntilHealthy watches its exit).
    await Promise.all(children.map((child) => waitUntilHealthy(child, SERVICE_START_TIMEOUT_MS)));
    // What Cloud Scheduler calls in production, on the same schedule.
    scheduled = startScheduledCalls({
      ports: new Map(children.map(({ name, port }) => [name, port])),
      report: say,
      calls: scheduledCallsOf(descriptors),
    });

    const state: DevState = {
      emulatorHost,
      projectId,
      services: children.map(({ name, port }) => ({ name, port })),
      simUrl: sim.url,
      sccEndpoint: local.sccEndpoint,
      sccSourceName: local.sccSourceName,
      otlpReceiverUrl: otlp.url,
      firestoreEmulatorHost,
      pid: process.pid,
    };
    mkdirSync(dirname(statePath), { recursive: true });
    // `wx`: if another run wrote it while we started, keep theirs and stop.
    writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`, { flag: readDevState(env) ? "wx" : "w" });
    wroteState = true;
    printBanner(say, {
      projectId,
      emulatorHost,
      firestoreHost: firestoreEmulatorHost,
      children,
      inputs: services,
      local,
      slackIsStandin: !env.SLACK_WEBHOOK_URL,
      // What the Slack/webhook stand-in received: its admin route lists every request it answered.
      standinRequestsUrl: slack.url(`${adminPathPrefix}requests`),
    });
  } catch (error) {
    say(`cannot start: ${(error as Error).message}`);
    await stopAll();
    return 1;
  }

  return new Promise<number>((resolve) => {
    const onSignal = () => void stopAll().then(() => resolve(0));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    for (const running of children) {
      void running.exited.then((code) => {
        if (!stopping)
          say(`${running.name} exited with code ${code}; the others keep running (Ctrl-C to stop)`);
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
    inputs: Awaited<ReturnType<typeof loadServices>>;
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
      return `  ${child.name.padEnd(14)} http://127.0.0.1:${child.port}   ← ${topics}`;
    }),
    `  cluster (sim)  ${info.local.kubernetesUrl}   kubectl --server ${info.local.kubernetesUrl} get pods -A`,
    `  Slack          ${info.local.slackWebhookUrl}${info.slackIsStandin ? " (stand-in)" : ""}`,
    `  SOAR webhook   ${info.local.webhookUrl} (stand-in)`,
    `  received       curl -s '${info.standinRequestsUrl}?path=/soar'   (every request the stand-in answered; without ?path= all of them)`,
    `  SCC (stand-in) ${info.local.sccEndpoint}   npx riposte scc findings`,
    `  traces         ${info.local.otlpEndpoint}   npx riposte trace <incident>`,
    "",
    `Send an example alert:  npx riposte send ${example}`,
    "Ctrl-C stops everything.",
    "",
  ];
  for (const line of lines) say(line);
}
