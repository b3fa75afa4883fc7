// The router as Cloud Run runs it after `riposte playbook deploy` or the plan's --playbooks: the image's
// layout (the bundle alone in /app, `node main.mjs`), the playbook secret mounted as a file and the
// environment the deploy sets. The custom playbook must be what routes an alert, the start-up log must
// say which file and version run, and an invalid mounted file must stop the router with file:line:column.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PubSub } from "@google-cloud/pubsub";
import { Topics } from "@riposte/contracts";
import {
  emulatorClient,
  freePort,
  pullMessages,
  pushEnvelope,
  uniqueName,
} from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { commonDeployEnv } from "../deploy/plan.js";
import { PLAYBOOKS_MOUNT_PATH, routerPlaybooksSettings } from "../deploy/playbooks.js";
import { loadServices, repoRoot } from "../services.js";
import { BUNDLE_ENTRY, bundleService } from "./bundle.js";

const sha256Of = (text: string) => createHash("sha256").update(text).digest("hex");

const CUSTOM = `playbooks:
  - name: isolate-miners
    match: { rules: "Drop and execute new binary*" }
    actions: [isolate-pod]
`;
/** With the shipped playbooks this alert would be killed, notified and exported instead. */
const ALERT = readFileSync(join(repoRoot(), "examples", "sidekick-critical-drop-exec.json"), "utf8");

const root = mkdtempSync(join(tmpdir(), "riposte-cloud-run-router-"));
/** Stands in for the image's WORKDIR /app, into which the Dockerfile copies dist/. */
const app = join(root, "app");
/** Stands in for Cloud Run's secret volume at /etc/riposte/playbooks.yaml. */
const mounted = join(root, PLAYBOOKS_MOUNT_PATH);
let pubsub: PubSub;
let project: string;

beforeAll(async () => {
  project = uniqueName("cloud-run-router");
  pubsub = emulatorClient(inject("pubsubEmulatorHost"), project);
  for (const topic of [
    Topics.isolator,
    Topics.podKiller,
    Topics.notifier,
    Topics.sccExporter,
    Topics.quarantine,
  ]) {
    await pubsub.createTopic(topic);
    await pubsub.topic(topic).createSubscription(`${topic}-tap`);
  }
  const router = (await loadServices()).find((service) => service.descriptor.name === "router");
  if (!router) throw new Error("no router service");
  const bundle = await bundleService(
    { name: "router", dir: router.dir, main: router.main },
    { outDir: join(root, "dist"), repoRoot: repoRoot() },
  );
  cpSync(bundle.outDir, app, { recursive: true });
  mkdirSync(dirname(mounted), { recursive: true });
}, 180_000);

afterAll(async () => {
  await pubsub?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  port: number;
  output: string[];
  exited: Promise<number | null>;
}

/** `node main.mjs` in /app with what Cloud Run sets: PORT, the deploy's env, the playbook settings. */
async function startAsCloudRun(version: string): Promise<Started> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [BUNDLE_ENTRY], {
    cwd: app,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      PORT: String(port),
      ...commonDeployEnv(project),
      ...routerPlaybooksSettings(version).env,
      PLAYBOOKS_FILE: mounted,
      PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"),
      // The router claims incidents in the ledger: the run's Firestore emulator.
      FIRESTORE_EMULATOR_HOST: inject("firestoreEmulatorHost"),
      METADATA_SERVER_DETECTION: "none",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
  return { child, port, output, exited };
}

async function healthy(started: Started): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && started.child.exitCode === null) {
    const ok = await fetch(`http://127.0.0.1:${started.port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return false;
}

describe("the router on Cloud Run with a mounted playbook file", () => {
  it("runs the custom playbook and logs its file, version, sha256 and count", async () => {
    writeFileSync(mounted, CUSTOM);
    const started = await startAsCloudRun("4");
    try {
      expect(await healthy(started), started.output.join("")).toBe(true);
      const loaded = started.output
        .join("")
        .split("\n")
        .filter((line) => line.includes("playbooksFile"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(loaded).toEqual([
        expect.objectContaining({
          severity: "INFO",
          message: `loaded 1 playbook from ${mounted} (version 4, sha256 ${sha256Of(CUSTOM).slice(0, 12)})`,
          playbooksFile: mounted,
          playbooksVersion: "4",
          playbooksSha256: sha256Of(CUSTOM),
          playbooks: 1,
        }),
      ]);

      const response = await fetch(`http://127.0.0.1:${started.port}/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(pushEnvelope(ALERT)),
      });
      expect(response.status, started.output.join("")).toBe(204);
      const [isolate] = await pullMessages(pubsub, `${Topics.isolator}-tap`, { timeoutMs: 15_000 });
      expect(isolate?.json()).toMatchObject({ kind: "IsolatePod", playbooks: ["isolate-miners"] });
      // The shipped playbooks would have killed, notified and exported: none of that happened.
      for (const topic of [Topics.podKiller, Topics.notifier, Topics.sccExporter]) {
        expect(await pullMessages(pubsub, `${topic}-tap`, { timeoutMs: 1_500 }), topic).toEqual([]);
      }
    } finally {
      started.child.kill("SIGTERM");
      await started.exited;
    }
  }, 120_000);

  it("an invalid mounted file stops the router with file:line:column", async () => {
    writeFileSync(mounted, "playbooks:\n  - name: everything\n    match: {}\n    actions: [kill-pod]\n");
    const started = await startAsCloudRun("5");
    const code = await Promise.race([
      started.exited,
      new Promise<"running">((still) => setTimeout(() => still("running"), 60_000)),
    ]);
    if (code === "running") started.child.kill("SIGKILL");
    expect(code).toBe(1);
    expect(started.output.join("")).toContain(
      `router cannot start: invalid playbooks:\n  ${mounted}:3:12: playbooks[0].match: matches every alert with destructive action(s) kill-pod`,
    );
  }, 120_000);
});
