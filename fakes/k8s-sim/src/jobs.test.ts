// batch/v1 Jobs: create/get/list/delete, and a controller that finishes each Job after a delay —
// Complete, or Failed for the Jobs a test marks — as client-node and the real kubectl see it.

import { ApiException, BatchV1Api, type V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kubeConfigFor } from "./kubeconfig.js";
import { KUBECTL, type Kubectl, kubectlRunner, warnIfNoKubectl } from "./kubectl-runner.js";
import { type SimCluster, startSim } from "./sim.js";

warnIfNoKubectl("Jobs");

const FINISH_MS = 150;

function jobBody(name: string, labels: Record<string, string> = {}): V1Job {
  return {
    metadata: { name, labels },
    spec: {
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "capture", image: "busybox", command: ["true"] }],
        },
      },
    },
  };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const conditionTypes = (job: V1Job) => (job.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
const finished = (job: V1Job) =>
  conditionTypes(job).some((c) => c === "Complete=True" || c === "Failed=True");

async function failure(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body ?? {});
      return { code: error.code, message: (JSON.parse(body) as { message: string }).message };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("batch/v1 Jobs through client-node", () => {
  let sim: SimCluster;
  let batch: BatchV1Api;

  beforeAll(async () => {
    sim = await startSim({ jobs: { finishAfterMs: FINISH_MS } });
    batch = kubeConfigFor(sim).makeApiClient(BatchV1Api);
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => sim.reset());

  it("creates a running Job with the API server's defaults, then completes it after the delay", async () => {
    const created = await batch.createNamespacedJob({ namespace: "default", body: jobBody("capture-1") });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.spec?.backoffLimit).toBe(6);
    expect(created.spec?.completions).toBe(1);
    expect(created.spec?.parallelism).toBe(1);
    expect(created.spec?.selector?.matchLabels).toEqual({
      "batch.kubernetes.io/controller-uid": created.metadata?.uid,
    });
    expect(created.spec?.template.metadata?.labels?.["batch.kubernetes.io/job-name"]).toBe("capture-1");
    expect(created.status?.active).toBe(1);
    expect(created.status?.startTime).toBeDefined();
    expect(conditionTypes(created)).toEqual([]);

    const early = await batch.readNamespacedJob({ name: "capture-1", namespace: "default" });
    expect(finished(early)).toBe(false);

    const done = await until(
      () => batch.readNamespacedJob({ name: "capture-1", namespace: "default" }),
      finished,
    );
    expect(conditionTypes(done)).toEqual(["SuccessCriteriaMet=True", "Complete=True"]);
    expect(done.status?.succeeded).toBe(1);
    expect(done.status?.active).toBeUndefined();
    expect(done.status?.completionTime).toBeDefined();
    const took =
      (done.status?.completionTime?.getTime() ?? 0) - (done.status?.startTime?.getTime() ?? Number.NaN);
    expect(took).toBeGreaterThanOrEqual(FINISH_MS - 1_000); // RFC 3339 seconds: same second or later
    expect(done.status?.conditions?.at(-1)?.reason).toBe("CompletionsReached");
  });

  it("fails the Jobs a rule names, by name prefix or by label", async () => {
    sim.setJobOutcome({ namePrefix: "bad-", outcome: "Failed" });
    sim.setJobOutcome({ labelSelector: "sim.riposte.dev/outcome=fail", outcome: "Failed" });
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("bad-capture") });
    await batch.createNamespacedJob({
      namespace: "default",
      body: jobBody("labelled", { "sim.riposte.dev/outcome": "fail" }),
    });
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("good-capture") });
    const read = (name: string) =>
      until(() => batch.readNamespacedJob({ name, namespace: "default" }), finished);
    const [bad, labelled, good] = await Promise.all([
      read("bad-capture"),
      read("labelled"),
      read("good-capture"),
    ]);
    for (const job of [bad, labelled]) {
      expect(conditionTypes(job)).toEqual(["FailureTarget=True", "Failed=True"]);
      expect(job.status?.failed).toBe(7); // backoffLimit 6 + 1
      expect(job.status?.succeeded).toBeUndefined();
      expect(job.status?.completionTime).toBeUndefined();
      expect(job.status?.conditions?.at(-1)?.reason).toBe("BackoffLimitExceeded");
    }
    expect(conditionTypes(good)).toEqual(["SuccessCriteriaMet=True", "Complete=True"]);
  });

  it("reset() forgets the rules tests added", async () => {
    sim.setJobOutcome({ namePrefix: "bad-", outcome: "Failed" });
    sim.reset();
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("bad-again") });
    const job = await until(
      () => batch.readNamespacedJob({ name: "bad-again", namespace: "default" }),
      finished,
    );
    expect(conditionTypes(job)).toEqual(["SuccessCriteriaMet=True", "Complete=True"]);
  });

  it("lists and deletes Jobs; a Job deleted before it finishes stays gone", async () => {
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("a") });
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("b") });
    const list = await batch.listNamespacedJob({ namespace: "default" });
    expect(list.items.map((j) => j.metadata?.name)).toEqual(["a", "b"]);
    await batch.deleteNamespacedJob({ name: "a", namespace: "default" });
    await new Promise((resolve) => setTimeout(resolve, FINISH_MS * 2));
    expect(await failure(batch.readNamespacedJob({ name: "a", namespace: "default" }))).toEqual({
      code: 404,
      message: 'jobs.batch "a" not found',
    });
    const recreated = await batch.createNamespacedJob({ namespace: "default", body: jobBody("a") });
    expect(finished(recreated)).toBe(false);
  });

  it("a Job recreated under the same name runs its own time, not its predecessor's", async () => {
    sim.setJobOutcome({ namePrefix: "re-", outcome: "Complete", afterMs: 400 });
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("re-1") });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await batch.deleteNamespacedJob({ name: "re-1", namespace: "default" });
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("re-1") });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the first Job's 400 ms are over
    expect(finished(await batch.readNamespacedJob({ name: "re-1", namespace: "default" }))).toBe(false);
    const done = await until(() => batch.readNamespacedJob({ name: "re-1", namespace: "default" }), finished);
    expect(conditionTypes(done)).toEqual(["SuccessCriteriaMet=True", "Complete=True"]);
  });

  it("refuses a pod template that would restart forever, as the API server does", async () => {
    const body = jobBody("always");
    if (body.spec?.template.spec) body.spec.template.spec.restartPolicy = "Always";
    expect(await failure(batch.createNamespacedJob({ namespace: "default", body }))).toEqual({
      code: 422,
      message:
        'Job.batch "always" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    });
  });

  it("finishes Jobs given in the seed", async () => {
    const seeded = await startSim({
      jobs: { finishAfterMs: FINISH_MS, outcomes: [{ namePrefix: "seed-bad", outcome: "Failed" }] },
      seed: [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          spec: jobBody("x").spec,
          metadata: { name: "seed-bad", namespace: "default" },
        } as never,
      ],
    });
    try {
      const client = kubeConfigFor(seeded).makeApiClient(BatchV1Api);
      const job = await until(
        () => client.readNamespacedJob({ name: "seed-bad", namespace: "default" }),
        finished,
      );
      expect(conditionTypes(job)).toEqual(["FailureTarget=True", "Failed=True"]);
    } finally {
      await seeded.stop();
    }
  });

  it("sets outcome rules through the admin endpoint", async () => {
    const response = await fetch(`${sim.url}/__sim/job-outcomes`, {
      method: "POST",
      body: JSON.stringify({ namePrefix: "remote-", outcome: "Failed" }),
    });
    expect(response.status).toBe(204);
    const bad = await fetch(`${sim.url}/__sim/job-outcomes`, {
      method: "POST",
      body: JSON.stringify({ outcome: "Exploded" }),
    });
    expect(bad.status).toBe(400);
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("remote-1") });
    const job = await until(
      () => batch.readNamespacedJob({ name: "remote-1", namespace: "default" }),
      finished,
    );
    expect(conditionTypes(job)).toEqual(["FailureTarget=True", "Failed=True"]);
  });
});

describe.skipIf(!KUBECTL)("kubectl and Jobs", () => {
  let sim: SimCluster;
  let kubectl: Kubectl;

  beforeAll(async () => {
    sim = await startSim({
      jobs: { finishAfterMs: 1_500, outcomes: [{ namePrefix: "bad-", outcome: "Failed" }] },
    });
    kubectl = kubectlRunner(sim.url);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  /** `kubectl create job` sends protobuf, which the sim refuses: the client-side dry run gives JSON. */
  async function createJob(name: string): Promise<string> {
    const manifest = await kubectl([
      "create",
      "job",
      name,
      "--image=busybox",
      "-n",
      "default",
      "--dry-run=client",
      "-o",
      "json",
    ]);
    expect(manifest.code).toBe(0);
    const created = await kubectl(["create", "-f", "-"], manifest.stdout);
    expect(created.stderr).toBe("");
    return created.stdout.trim();
  }

  it("creates a Job from kubectl create job's manifest and shows it Running, then waits for complete", async () => {
    expect(await createJob("capture-1")).toBe("job.batch/capture-1 created");
    const running = await kubectl(["get", "jobs", "-n", "default"]);
    const lines = running.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
    expect(lines[1]).toMatch(/^capture-1\s+Running\s+0\/1\s+\d+s\s+\d+s$/);
    const waited = await kubectl([
      "wait",
      "--for=condition=complete",
      "job/capture-1",
      "-n",
      "default",
      "--timeout=20s",
    ]);
    expect([waited.code, waited.stdout.trim()]).toEqual([0, "job.batch/capture-1 condition met"]);
    const done = await kubectl(["get", "job", "capture-1", "-n", "default"]);
    expect(done.stdout.trim().split("\n")[1]).toMatch(/^capture-1\s+Complete\s+1\/1\s+\d+s\s+\d+s$/);
  });

  it("waits for a failed Job", async () => {
    expect(await createJob("bad-1")).toBe("job.batch/bad-1 created");
    const waited = await kubectl([
      "wait",
      "--for=condition=failed",
      "job/bad-1",
      "-n",
      "default",
      "--timeout=20s",
    ]);
    expect([waited.code, waited.stdout.trim()]).toEqual([0, "job.batch/bad-1 condition met"]);
    const shown = await kubectl(["get", "job", "bad-1", "-n", "default", "-o", "jsonpath={.status.failed}"]);
    expect(shown.stdout).toBe("7");
  });

  it("kubectl create job (protobuf) creates the Job it describes", async () => {
    const result = await kubectl([
      "create",
      "job",
      "direct",
      "--image=busybox",
      "-n",
      "default",
      "--",
      "sh",
      "-c",
      "echo hi",
    ]);
    expect([result.code, result.stderr, result.stdout.trim()]).toEqual([0, "", "job.batch/direct created"]);
    const job = sim.get({ kind: "Job", namespace: "default", name: "direct" });
    expect(job?.spec).toMatchObject({
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "direct", image: "busybox", command: ["sh", "-c", "echo hi"] }],
        },
      },
    });
  });

  it("deletes a Job", async () => {
    const result = await kubectl(["delete", "job", "capture-1", "-n", "default"]);
    expect([result.code, result.stdout.trim()]).toEqual([0, 'job.batch "capture-1" deleted']);
    expect(sim.get({ kind: "Job", namespace: "default", name: "capture-1" })).toBeUndefined();
  });
});
