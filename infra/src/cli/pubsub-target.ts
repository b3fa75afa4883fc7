// Which Pub/Sub the CLI talks to: a real project (--project), an emulator named by
// PUBSUB_EMULATOR_HOST, the one a running `riposte dev` recorded, or the default local emulator.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PubSub } from "@google-cloud/pubsub";
import { repoRoot } from "../services.js";
import { type CliEnv, readCliEnv } from "./config.js";
import { requireRunning } from "./reachable.js";

export const DEFAULT_LOCAL_PROJECT = "riposte-local";
export const DEFAULT_EMULATOR_HOST = "127.0.0.1:8085";

export interface DevState {
  emulatorHost: string;
  projectId: string;
  services: { name: string; port: number }[];
  simUrl?: string;
  /** host:port of the SCC stand-in (insecure gRPC), for `riposte scc`. */
  sccEndpoint?: string;
  /** The stand-in's Riposte source, `organizations/O/sources/S`. */
  sccSourceName?: string;
  /** The local OTLP receiver, for `riposte trace`. */
  otlpReceiverUrl?: string;
  /** host:port of the Firestore emulator holding the ledger, for `riposte incidents`. */
  firestoreEmulatorHost?: string;
  /** The Cloud Storage stand-in's URL, for `riposte evidence`. */
  storageEndpoint?: string;
  /** The evidence bucket created on it. */
  evidenceBucket?: string;
  /** The Slack/webhook stand-in (its admin API under /__standin/). */
  slackStandinUrl?: string;
  /** This run's Slack signing secret: what signs a click to the console's /slack/interactions. */
  slackSigningSecret?: string;
  pid: number;
}

/**
 * The state file of the `riposte dev` serving this emulator and project: `.riposte/dev.json` for the
 * default ones (what `npm start` and every command without PUBSUB_EMULATOR_HOST use), a file named
 * after them otherwise, so a run on another emulator (the npm-start e2e test) neither reads nor
 * overwrites a developer's running pipeline.
 */
export function devStatePath(env: CliEnv = readCliEnv()): string {
  const emulator = env.PUBSUB_EMULATOR_HOST;
  const project = env.GOOGLE_CLOUD_PROJECT;
  if ((!emulator || emulator === DEFAULT_EMULATOR_HOST) && (!project || project === DEFAULT_LOCAL_PROJECT))
    return join(repoRoot(), ".riposte", "dev.json");
  const key = `${emulator ?? DEFAULT_EMULATOR_HOST}-${project ?? DEFAULT_LOCAL_PROJECT}`.replace(
    /[^\w.-]/g,
    "_",
  );
  return join(repoRoot(), ".riposte", `dev-${key}.json`);
}

/** The state of the running `riposte dev` for this environment; undefined when none runs. */
export function readDevState(env: CliEnv = readCliEnv()): DevState | undefined {
  const path = devStatePath(env);
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, "utf8")) as DevState;
    process.kill(state.pid, 0); // throws when that `riposte dev` is gone
    return state;
  } catch {
    return undefined;
  }
}

export interface PubSubTarget {
  pubsub: PubSub;
  projectId: string;
  emulatorHost?: string;
  describe: string;
}

export function pubsubTarget(env: CliEnv, project: string | undefined): PubSubTarget {
  const emulatorHost =
    env.PUBSUB_EMULATOR_HOST ??
    (project ? undefined : (readDevState(env)?.emulatorHost ?? DEFAULT_EMULATOR_HOST));
  const projectId =
    project ?? env.GOOGLE_CLOUD_PROJECT ?? readDevState(env)?.projectId ?? DEFAULT_LOCAL_PROJECT;
  if (emulatorHost) {
    return {
      pubsub: new PubSub({ projectId, apiEndpoint: emulatorHost, emulatorMode: true }),
      projectId,
      emulatorHost,
      describe: `emulator ${emulatorHost}, project ${projectId}`,
    };
  }
  return { pubsub: new PubSub({ projectId }), projectId, describe: `project ${projectId}` };
}

/** The target, after checking that its emulator (if any) is running: a command fails in seconds, in one line. */
export async function openPubsubTarget(env: CliEnv, project: string | undefined): Promise<PubSubTarget> {
  const target = pubsubTarget(env, project);
  if (target.emulatorHost)
    await requireRunning(
      "Pub/Sub emulator",
      target.emulatorHost,
      "start the pipeline with `npm start`, or set PUBSUB_EMULATOR_HOST to a running emulator",
    );
  return target;
}
