// capture against the simulated cluster (pods, logs, owners, Events, nodes over the real REST API)
// and the Cloud Storage stand-in (the real @google-cloud/storage client), through app.request.
import { createHash } from "node:crypto";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import { type ActionOutcome, type CommandOf, EvidenceManifest } from "@riposte/contracts";
import type { SimCluster } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import type { StorageStandin } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { createApp } from "./index.js";
import { evidenceStoreOn, TEST_BUCKET, useCaptureFakes } from "./testing/fakes.js";

const BUCKET = TEST_BUCKET;
let sim: SimCluster;
let storage: StorageStandin;
useCaptureFakes((fakes) => {
  ({ sim, storage } = fakes);
});

type CaptureCommand = CommandOf<"capture">;

function setup(options: { dryRun?: boolean; ledger?: ReturnType<typeof runnerDepsForTest>["ledger"] } = {}) {
  const runner = {
    ...runnerDepsForTest("capture", sim.url, {
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.ledger ? { ledger: options.ledger } : {}),
    }),
    uses: evidenceStoreOn(storage),
  };
  const app = createApp({
    push: { service: "capture", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: CaptureCommand) => (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { send, outcomes, runner };
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const objectNames = () =>
  storage
    .objects(BUCKET)
    .map((object) => object.name)
    .sort();
const uploads = () => storage.requests.filter((r) => r.operation?.startsWith("upload") && r.status === 200);
const stored = (name: string) => storage.object(BUCKET, name);

const WEB = { namespace: "shop", pod: "web-7d9f8c6b5-abcde" };
const shellCommand = (options: Parameters<typeof commandFromExample>[2] = {}) =>
  commandFromExample("capture", "modern-terminal-shell.json", options);

// The first test of a worker sets up its Firestore channel: seconds on a loaded machine.
describe("capture", { timeout: 30_000 }, () => {
  it("keeps the pod, its owners, its Events, its node and its logs, with a manifest of their SHA-256s", async () => {
    const { send, outcomes } = setup();
    sim.setLogs({ ...WEB, container: "web" }, { current: "GET /\nGET /admin\n", previous: "boot\ncrash\n" });
    const command = shellCommand();
    const prefix = `local/shop/web-7d9f8c6b5-abcde/${command.incident}/`;
    expect(await send(command)).toBe(204);

    expect(objectNames()).toEqual(
      [
        "events.json",
        "logs/web.log",
        "logs/web.previous.log",
        "manifest.json",
        "node.json",
        "owners.json",
        "pod.json",
      ].map((name) => prefix + name),
    );
    const manifest = EvidenceManifest.parse(JSON.parse(String(stored(`${prefix}manifest.json`)?.data)));
    expect(manifest).toMatchObject({
      incident: command.incident,
      cluster: "local",
      ...{ namespace: "shop" },
    });
    for (const entry of manifest.objects) {
      const object = stored(prefix + entry.name);
      expect(object, entry.name).toBeDefined();
      expect(entry.sha256, entry.name).toBe(sha256(object?.data ?? Buffer.alloc(0)));
      expect(entry.size, entry.name).toBe(object?.data.length);
    }
    expect(String(stored(`${prefix}logs/web.log`)?.data)).toBe("GET /\nGET /admin\n");
    expect(String(stored(`${prefix}logs/web.previous.log`)?.data)).toBe("boot\ncrash\n");
    const owners = JSON.parse(String(stored(`${prefix}owners.json`)?.data)) as { kind?: string }[];
    expect(owners.map((owner) => owner.kind)).toEqual(["ReplicaSet", "Deployment"]);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "done",
        details: expect.objectContaining({ location: `gs://${BUCKET}/${prefix}` }),
      }),
    ]);
    // Never overwritten: every object was created with ifGenerationMatch=0.
    expect(uploads().every((upload) => upload.query.ifGenerationMatch === "0")).toBe(true);
  });

  it("the same command again: already-done, nothing written twice", async () => {
    const { send, outcomes } = setup();
    const command = shellCommand();
    await send(command);
    const written = uploads().length;
    expect(await send(command)).toBe(204);
    expect(uploads()).toHaveLength(written);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done"]);
  });

  it("two deliveries at once (two instances): each object stored once, one manifest, one done", async () => {
    const first = setup();
    const second = setup({ ledger: first.runner.ledger });
    const command = shellCommand();
    expect(await Promise.all([first.send(command), second.send(command)])).toEqual([204, 204]);
    const creations = storage.requests.filter((r) => r.operation?.startsWith("upload") && r.status === 200);
    expect(creations).toHaveLength(storage.objects(BUCKET).length);
    expect([...first.outcomes(), ...second.outcomes()].map((o) => o.result).sort()).toEqual([
      "already-done",
      "done",
    ]);
  });

  it("a response lost after the object was stored: the retry finds it (412) and keeps the stored one", async () => {
    const { send, outcomes } = setup();
    storage.faults.inject({ on: "upload.multipart", status: 503, when: "after", times: 1 });
    expect(await send(shellCommand())).toBe(204);
    expect(outcomes()[0]?.result).toBe("done");
    // The lost one was stored by the faulted request; its retry got 412 and nothing was written twice.
    expect(storage.requests.filter((r) => r.status === 412)).toHaveLength(1);
    expect(uploads()).toHaveLength(storage.objects(BUCKET).length - 1);
  });

  it("Cloud Storage failing: 503 (redelivery) while retryFor lasts, then failed, saying why", async () => {
    const { send, outcomes } = setup();
    storage.faults.inject({ on: "upload", status: 503, times: 1_000 });
    expect(await send(shellCommand({ params: { retryFor: "30s" } }))).toBe(503);
    expect(outcomes()).toEqual([]);
    const old = new Date(Date.now() - 31_000).toISOString();
    expect(await send(shellCommand({ params: { retryFor: "30s" }, issuedAt: old }))).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "failed",
        reason: expect.stringMatching(/^gave up 30s after the alert: writing \S+ Cloud Storage answered 503/),
      }),
    ]);
    expect(storage.objects(BUCKET)).toEqual([]);
  });

  it("storage down until the kill: the outcome is stale and names the storage error of the earlier attempts", async () => {
    const { send, outcomes } = setup();
    storage.faults.inject({ on: "upload", status: 503, times: 1_000 });
    const command = shellCommand({ params: { retryFor: "5m" } });
    expect(await send(command)).toBe(503);
    sim.remove({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
    expect(await send(command)).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "stale",
        reason: expect.stringMatching(
          /no evidence kept \(the pod is not there\); an earlier attempt failed: .*Cloud Storage answered 503/,
        ),
      }),
    ]);
  });

  it("keeps only the last log_bytes of a long log", async () => {
    const { send } = setup();
    const lines = Array.from({ length: 5_000 }, (_, i) => `line ${String(i).padStart(5, "0")}\n`).join("");
    sim.setLogs({ ...WEB, container: "web" }, { current: lines });
    const command = shellCommand({ params: { logBytes: 4_096 } });
    await send(command);
    const log = stored(`local/shop/web-7d9f8c6b5-abcde/${command.incident}/logs/web.log`)?.data;
    expect(log?.length).toBe(4_096);
    expect(String(log)).toBe(lines.slice(-4_096));
  });

  it("dry-run: nothing written, the outcome says where it would have gone", async () => {
    const { send, outcomes } = setup({ dryRun: true });
    await send(shellCommand());
    expect(storage.objects(BUCKET)).toEqual([]);
    expect(outcomes()[0]).toMatchObject({
      result: "dry-run",
      reason: expect.stringMatching(
        /^would keep the evidence of pod shop\/web-7d9f8c6b5-abcde \(uid \S+\) in gs:\/\//,
      ),
    });
  });

  it("the pod already gone: stale, nothing written", async () => {
    const { send, outcomes } = setup();
    sim.remove({ kind: "Pod", ...{ namespace: "shop", name: "web-7d9f8c6b5-abcde" } });
    await send(shellCommand());
    expect(outcomes()[0]?.result).toBe("stale");
    expect(storage.objects(BUCKET)).toEqual([]);
  });

  it("a hostile pod or container name never reaches an object name: the command is quarantined", async () => {
    const { send, outcomes, runner } = setup();
    const command = shellCommand();
    for (const target of [
      { ...command.target, pod: "../../other/0123" },
      { ...command.target, containerName: "web/../../x" },
    ]) {
      expect(await send({ ...command, target } as CaptureCommand)).toBe(204);
    }
    expect(outcomes()).toEqual([]);
    expect(storage.requests).toEqual([]);
    const quarantined = runner.publisher.on("quarantine").map((entry) => JSON.stringify(entry.message));
    expect(quarantined).toHaveLength(2);
    expect(quarantined[0]).toMatch(/target\.pod|not a valid pod name/);
    expect(quarantined[1]).toMatch(/containerName|not a valid container name/);
  });
});
