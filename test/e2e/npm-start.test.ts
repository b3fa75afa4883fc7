// What an operator does on day one, exactly: `npm start` with PROTECTED_NAMESPACES and PLAYBOOKS_FILE
// in its environment, alerts sent with `riposte send`, the cluster read back with the real `kubectl`.
// Nothing here holds a service object: the pipeline is the one `npm start` runs.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PubSub, type Subscription } from "@google-cloud/pubsub";
import type { ActionOutcome, QuarantineRecord } from "@riposte/contracts";
import { loadServices } from "@riposte/infra";
import { freePort } from "@riposte/service-kit/testing";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const repoRoot = new URL("../../", import.meta.url).pathname;
const projectId = `npm-start-${process.pid}`;

const PLAYBOOKS = `
playbooks:
  # Listed first so that, were trial params to leak into live actions, they would win (earliest wins).
  - name: trial-harsher-taint
    match: { rules: ["Riposte e2e host write"], target: host }
    actions:
      - action: taint-node
        params: { effect: NoExecute, cordon: true }
    dry_run: true
  - name: live-taint
    match: { rules: ["Riposte e2e host write"], target: host }
    actions:
      - action: taint-node
        params: { effect: NoSchedule }
  - name: kill-and-taint-critical
    match: { rules: ["Riposte e2e drop and exec"], target: container }
    actions: [kill-pod, taint-node]
  - name: ledger-timeline
    match: { rules: ["Riposte e2e ledger timeline"], target: container }
    actions: [kill-pod, notify, export-finding]
  # The default playbook's chain for Critical alerts in a container (issue 19).
  - name: evidence-before-the-kill
    match: { rules: ["Riposte e2e evidence"], target: container }
    actions:
      - isolate-pod
      - action: capture
        after: isolate-pod
      - action: kill-pod
        after: capture
        wait: 60s
  # A person decides the kill (issue 21): isolated and announced at once, killed only once approved.
  - name: approve-the-kill
    match: { rules: ["Riposte e2e approval"], target: container }
    actions:
      - isolate-pod
      - notify
      - action: kill-pod
        approval: { timeout: 15m, on_timeout: abandon, approvers: ["oncall@example.com"] }
  # Nobody decides: the deadline's on_timeout (proceed) kills.
  - name: kill-unless-stopped
    match: { rules: ["Riposte e2e approval deadline"], target: container }
    actions:
      - action: kill-pod
        approval: { timeout: 1m, on_timeout: proceed, approvers: ["oncall@example.com"] }
  # The same with Cloud Storage down: the capture retries longer than the kill waits.
  - name: evidence-storage-down
    match: { rules: ["Riposte e2e evidence, storage down"], target: container }
    actions:
      - isolate-pod
      - action: capture
        after: isolate-pod
        params: { retry_for: 2m }
      - action: kill-pod
        after: capture
        wait: 15s
`;

let workDir: string;
let dev: ChildProcess;
let devOutput = "";
let simUrl: string;
let pubsub: PubSub;
let outcomes: Subscription;
const received: ActionOutcome[] = [];
/** The commands the router publishes to capture, and what capture quarantines, as they arrive. */
let captureCommands: Subscription;
const capturePublished: Buffer[] = [];
let quarantine: Subscription;
const quarantined: QuarantineRecord[] = [];

/** How many ports from the base the services' descriptors reach (offsets 0…max). */
async function localPortSpan(): Promise<number> {
  const services = await loadServices();
  return Math.max(...services.map((service) => service.descriptor.localPortOffset)) + 1;
}

async function portRunFree(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    // Below Linux's ephemeral range (32768–60999): the emulators and stand-ins npm start opens on
    // port 0 would otherwise land among the services' ports now and then (seen: EADDRINUSE).
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await Promise.all(Array.from({ length: count }, (_, index) => canBind(base + index))).then(
      (all) => all.every(Boolean),
    );
    if (ok) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

const kubectl = async (...args: string[]) =>
  (await run("kubectl", ["--server", simUrl, ...args], { encoding: "utf8" })).stdout;

const kubectlJson = async <T>(...args: string[]) => JSON.parse(await kubectl(...args, "-o", "json")) as T;

async function riposteSend(alerts: object[]): Promise<void> {
  const file = join(workDir, `alerts-${received.length}-${Date.now()}.ndjson`);
  writeFileSync(file, `${alerts.map((alert) => JSON.stringify(alert)).join("\n")}\n`);
  await run("npx", ["riposte", "send", file], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"),
      GOOGLE_CLOUD_PROJECT: projectId,
    },
  });
}

/** `riposte incidents ARGS` as an operator runs it beside `npm start`: the ledger found through its dev state. */
async function riposteIncidents(...args: string[]): Promise<string> {
  const { FIRESTORE_EMULATOR_HOST: _set, ...env } = process.env;
  return (
    await run("npx", ["riposte", "incidents", ...args], {
      cwd: repoRoot,
      env: { ...env, PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"), GOOGLE_CLOUD_PROJECT: projectId },
    })
  ).stdout;
}

interface IncidentJson {
  incident: {
    decision: { state: string; playbooks: string[] } | null;
    actions: { action: string; outcome: { result: string } | null }[];
    notifications: { destination: string; status: string }[];
    finding: { name: string } | null;
  };
}

/** Polls `riposte incidents show KEY --json` until `predicate` holds (services write the ledger as they go). */
async function incidentUntil(
  key: string,
  what: string,
  predicate: (shown: IncidentJson) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = JSON.parse(await riposteIncidents("show", key, "--json")) as IncidentJson;
    if (predicate(shown)) return shown;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; the ledger holds:\n${JSON.stringify(shown, null, 2)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

interface PodJson {
  metadata: { name: string; namespace: string };
  spec: { nodeName: string };
  status: { containerStatuses: { containerID: string }[] };
}

/** A Falco alert (falcosidekick's JSON) about a pod as the cluster runs it. */
function alertAbout(pod: PodJson, rule: string, now = Date.now()) {
  const containerId = (pod.status.containerStatuses[0]?.containerID ?? "")
    .replace(/^\w+:\/\//, "")
    .slice(0, 12);
  return {
    output: `Critical ${rule} (container_id=${containerId} k8s_pod_name=${pod.metadata.name})`,
    priority: "Critical",
    rule,
    time: new Date(now).toISOString(),
    source: "syscall",
    hostname: pod.spec.nodeName,
    tags: ["container"],
    output_fields: {
      "container.id": containerId,
      "evt.time": now * 1_000_000,
      "k8s.ns.name": pod.metadata.namespace,
      "k8s.pod.name": pod.metadata.name,
      "proc.name": "xmrig",
    },
  };
}

function hostAlert(node: string, rule: string, now = Date.now()) {
  return {
    output: `Error ${rule} (container_id=host)`,
    priority: "Error",
    rule,
    time: new Date(now).toISOString(),
    source: "syscall",
    hostname: node,
    tags: ["host"],
    output_fields: { "container.id": "host", "evt.time": now * 1_000_000, "proc.name": "tee" },
  };
}

/** Waits until `predicate` holds over the outcomes received so far. */
async function until(what: string, predicate: (all: ActionOutcome[]) => boolean, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(received)) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; outcomes so far:\n${received.map((o) => `${o.action} ${o.target?.namespace ?? ""}/${o.target?.pod ?? o.target?.node ?? ""} ${o.result}: ${o.reason}`).join("\n")}\n--- npm start output (tail) ---\n${devOutput.slice(-4000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "riposte-npm-start-"));
  const playbooksFile = join(workDir, "playbooks.yaml");
  writeFileSync(playbooksFile, PLAYBOOKS);
  const simPort = await freePort();
  dev = spawn("npm", ["start"], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"),
      GOOGLE_CLOUD_PROJECT: projectId,
      RIPOSTE_PORT_BASE: String(await portRunFree(await localPortSpan())),
      RIPOSTE_SIM_PORT: String(simPort),
      RIPOSTE_SCC_PORT: String(await freePort()),
      PROTECTED_NAMESPACES: "payments",
      PLAYBOOKS_FILE: playbooksFile,
    },
  });
  simUrl = `http://127.0.0.1:${simPort}`;
  const onData = (chunk: Buffer) => {
    devOutput += chunk.toString();
  };
  dev.stdout?.on("data", onData);
  dev.stderr?.on("data", onData);
  const deadline = Date.now() + 150_000;
  while (!devOutput.includes("Riposte is running")) {
    if (dev.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${devOutput.slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  pubsub = new PubSub({ projectId, apiEndpoint: inject("pubsubEmulatorHost"), emulatorMode: true });
  [outcomes] = await pubsub.topic("action-outcomes").createSubscription("npm-start-outcomes");
  outcomes.on("message", (message) => {
    received.push(JSON.parse(message.data.toString()) as ActionOutcome);
    message.ack();
  });
  [captureCommands] = await pubsub.topic("capture").createSubscription("npm-start-capture-commands");
  captureCommands.on("message", (message) => {
    capturePublished.push(message.data);
    message.ack();
  });
  [quarantine] = await pubsub.topic("quarantine").createSubscription("npm-start-quarantine");
  quarantine.on("message", (message) => {
    quarantined.push(JSON.parse(message.data.toString()) as QuarantineRecord);
    message.ack();
  });

  // A pod in kube-system that is neither static nor DaemonSet-owned: only the namespace protects it.
  await kubectl("-n", "kube-system", "run", "coredns-e2e", "--image=registry.k8s.io/coredns/coredns:v1.11.1");
  await kubectl("-n", "payments", "run", "ledger-e2e", "--image=us-docker.pkg.dev/acme/payments/ledger:1.0");
}, 200_000);

afterAll(async () => {
  await outcomes?.close();
  await captureCommands?.close();
  await quarantine?.close();
  await pubsub?.close();
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    process.kill(-dev.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (dev.exitCode === null) process.kill(-dev.pid, "SIGKILL");
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 40_000);

describe("npm start with PROTECTED_NAMESPACES and PLAYBOOKS_FILE, read back with kubectl", () => {
  it("a dry-run trial playbook's params never reach the live taint: NoSchedule, not NoExecute, not cordoned", async () => {
    // First, on a node of its own: no other case's alert (nor the taint limit they use up) is in the way.
    const nodeName = "gke-e2e-trial-pool-0000-node";
    const manifest = join(workDir, "node.json");
    writeFileSync(manifest, JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: nodeName } }));
    await kubectl("create", "-f", manifest);
    await riposteSend([hostAlert(nodeName, "Riposte e2e host write")]);
    await until("the taint-node outcome", (all) =>
      all.some(
        (o) => o.action === "taint-node" && o.target?.node === nodeName && o.target.containerId === "host",
      ),
    );
    const outcome = received.find(
      (o) => o.action === "taint-node" && o.target?.node === nodeName && o.target.containerId === "host",
    );
    expect(outcome, outcome?.reason).toMatchObject({ result: "done" });

    const node = await kubectlJson<{
      spec: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
    }>("get", "node", nodeName);
    const taint = node.spec.taints?.find((t) => t.key === "riposte.dev/compromised");
    expect(taint?.effect).toBe("NoSchedule");
    expect(node.spec.unschedulable ?? false).toBe(false);
    expect(await kubectl("get", "node", nodeName)).not.toContain("SchedulingDisabled");
  });
  it("a DaemonSet pod's alert (with its hostname, as every syscall alert has) neither kills it nor taints its node", async () => {
    const exporter = await kubectlJson<PodJson>("-n", "monitoring", "get", "pod", "node-exporter-pjjnh");
    await riposteSend([alertAbout(exporter, "Riposte e2e drop and exec")]);
    const of = (action: string) => (all: ActionOutcome[]) =>
      all.find((o) => o.action === action && o.target?.pod === "node-exporter-pjjnh");
    await until("kill and taint outcomes for node-exporter", (all) =>
      Boolean(of("kill-pod")(all) && of("taint-node")(all)),
    );
    expect(of("kill-pod")(received)?.result).toBe("refused");
    expect(of("taint-node")(received)?.result).toBe("refused");
    expect(of("taint-node")(received)?.reason).toMatch(/DaemonSet/);

    const node = await kubectlJson<{ spec: { taints?: { key: string }[] } }>(
      "get",
      "node",
      exporter.spec.nodeName,
    );
    expect(node.spec.taints ?? []).not.toContainEqual(
      expect.objectContaining({ key: "riposte.dev/compromised" }),
    );
    expect(await kubectl("-n", "monitoring", "get", "pod", "node-exporter-pjjnh", "-o", "name")).toContain(
      "node-exporter-pjjnh",
    );
  });
  it("PROTECTED_NAMESPACES adds to the defaults: kube-system and payments are both spared, shop is not", async () => {
    const system = await kubectlJson<PodJson>("-n", "kube-system", "get", "pod", "coredns-e2e");
    const payments = await kubectlJson<PodJson>("-n", "payments", "get", "pod", "ledger-e2e");
    const shop = await kubectlJson<PodJson>("-n", "shop", "get", "pod", "web-7d9f8c6b5-x7k2p");
    await riposteSend([
      alertAbout(system, "Riposte e2e drop and exec"),
      alertAbout(payments, "Riposte e2e drop and exec"),
      alertAbout(shop, "Riposte e2e drop and exec"),
    ]);
    const killOf = (pod: string) => (all: ActionOutcome[]) =>
      all.find((o) => o.action === "kill-pod" && o.target?.pod === pod);
    await until("three kill-pod outcomes", (all) =>
      ["coredns-e2e", "ledger-e2e", "web-7d9f8c6b5-x7k2p"].every((pod) => killOf(pod)(all)),
    );
    expect(killOf("coredns-e2e")(received)?.result).toBe("refused");
    expect(killOf("ledger-e2e")(received)?.result).toBe("refused");
    expect(killOf("web-7d9f8c6b5-x7k2p")(received)?.result).toBe("done");

    const left = await kubectl(
      "get",
      "pods",
      "-A",
      "-o",
      "custom-columns=NS:.metadata.namespace,NAME:.metadata.name",
    );
    expect(left).toMatch(/kube-system\s+coredns-e2e/);
    expect(left).toMatch(/payments\s+ledger-e2e/);
    expect(left).not.toMatch(/web-7d9f8c6b5-x7k2p/);
  });

  describe("riposte incidents beside npm start", () => {
    let incident: string;

    beforeAll(async () => {
      const worker = await kubectlJson<PodJson>("-n", "jobs", "get", "pod", "batch-worker-6f7d8-zx9k2");
      await riposteSend([alertAbout(worker, "Riposte e2e ledger timeline")]);
      const killOf = (all: ActionOutcome[]) =>
        all.find((o) => o.action === "kill-pod" && o.target?.pod === "batch-worker-6f7d8-zx9k2");
      await until("the batch worker's kill-pod outcome", (all) => Boolean(killOf(all)));
      incident = killOf(received)?.incident as string;
    }, 60_000);

    it("show: the decision, the kill's outcome and the notification, in the timeline a person reads", async () => {
      const shown = await incidentUntil(incident, "decision, kill outcome and notification", ({ incident }) =>
        Boolean(
          incident.decision?.state === "routed" &&
            incident.actions.find((a) => a.action === "kill-pod")?.outcome &&
            incident.notifications.some((n) => n.status === "sent"),
        ),
      );
      expect(shown.incident.decision?.playbooks).toEqual(["ledger-timeline"]);
      expect(shown.incident.actions.find((a) => a.action === "kill-pod")?.outcome?.result).toBe("done");

      const text = await riposteIncidents("show", incident.slice(0, 12));
      expect(text).toContain(`incident ${incident}`);
      expect(text).toContain("Riposte e2e ledger timeline  [Critical]");
      expect(text).toContain("pod jobs/batch-worker-6f7d8-zx9k2");
      expect(text).toMatch(/decision\s+playbooks ledger-timeline → .*kill-pod/);
      expect(text).toMatch(/kill-pod\s+DONE: /);
      expect(text).toMatch(/notified\s+\S+: sent/);
      expect(text).toContain(`npx riposte trace ${incident.slice(0, 12)}`);

      const listed = await riposteIncidents("list", "--since", "10m");
      const line = listed.split("\n").find((l) => l.includes(incident.slice(0, 12)));
      expect(line, listed).toContain("kill-pod: done");
    }, 120_000);

    it("show: the SCC finding the scc-exporter recorded", async () => {
      const shown = await incidentUntil(
        incident,
        "the SCC finding",
        ({ incident }) => incident.finding !== null,
        20_000,
      );
      expect(shown.incident.finding?.name).toContain("/findings/");
    }, 120_000);
  });
});

/** `riposte evidence ARGS` beside npm start: the ledger and the storage stand-in found through its dev state. */
async function riposteEvidence(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { FIRESTORE_EMULATOR_HOST: _ledger, STORAGE_EMULATOR_HOST: _storage, ...env } = process.env;
  try {
    const { stdout, stderr } = await run("npx", ["riposte", "evidence", ...args], {
      cwd: repoRoot,
      env: { ...env, PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"), GOOGLE_CLOUD_PROJECT: projectId },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, out: failed.stdout ?? "", err: failed.stderr ?? "" };
  }
}

/** What npm start wrote of itself for this emulator and project (its dev state). */
function devState(): Record<string, unknown> {
  const dir = join(repoRoot, ".riposte");
  for (const file of readdirSync(dir).filter((name) => name.startsWith("dev") && name.endsWith(".json"))) {
    const state = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>;
    if (state.projectId === projectId) return state;
  }
  throw new Error(`no dev state for project ${projectId}`);
}

/** The storage stand-in npm start runs. */
function storageStandinUrl(): string {
  const url = devState().storageEndpoint;
  if (typeof url !== "string")
    throw new Error(`the dev state for project ${projectId} names no storage stand-in`);
  return url;
}

/** Every object under `prefix` with its generation, through the Cloud Storage JSON API. */
async function storedObjects(bucket: string, prefix: string): Promise<Record<string, string>> {
  const url = `${storageStandinUrl()}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(prefix)}`;
  const listing = (await (await fetch(url)).json()) as { items?: { name: string; generation: string }[] };
  return Object.fromEntries((listing.items ?? []).map((item) => [item.name, item.generation]));
}

const outcomeOf = (action: string, pod: string) =>
  received.find((o) => o.action === action && o.target?.pod === pod);

describe("evidence before the kill (issue 19), through npm start", () => {
  const POD = "evidence-e2e";
  let incident: string;

  beforeAll(async () => {
    await kubectl("-n", "shop", "run", POD, "--image=docker.io/library/nginx:1.25");
    await fetch(`${simUrl}/__sim/logs`, {
      method: "POST",
      body: JSON.stringify({
        namespace: "shop",
        pod: POD,
        current: "GET /\nwget http://203.0.113.9/x\n",
        previous: "boot\n",
      }),
    });
    await riposteSend([
      alertAbout(await kubectlJson<PodJson>("-n", "shop", "get", "pod", POD), "Riposte e2e evidence"),
    ]);
    await until("the evidence pod's kill-pod outcome", () => Boolean(outcomeOf("kill-pod", POD)), 90_000);
    incident = outcomeOf("kill-pod", POD)?.incident as string;
  }, 120_000);

  it("isolated, then its bundle kept (logs included), then — only then — deleted; incidents show has the order and times", async () => {
    const [isolated, captured, killed] = ["isolate-pod", "capture", "kill-pod"].map((action) =>
      outcomeOf(action, POD),
    );
    expect(isolated, isolated?.reason).toMatchObject({ result: "done" });
    expect(captured, captured?.reason).toMatchObject({ result: "done" });
    expect(killed, killed?.reason).toMatchObject({ result: "done" });
    const at = (outcome?: ActionOutcome) => Date.parse(outcome?.at ?? "");
    expect(at(isolated)).toBeLessThanOrEqual(at(captured));
    expect(at(captured)).toBeLessThanOrEqual(at(killed));
    await expect(kubectl("-n", "shop", "get", "pod", POD)).rejects.toThrow(/NotFound|not found/);
    expect(await kubectl("-n", "shop", "get", "networkpolicies", "-o", "name")).toMatch(/riposte/);

    const out = mkdtempSync(join(tmpdir(), "riposte-evidence-get-"));
    const got = await riposteEvidence("get", incident, "--out", out);
    expect(got.code, got.err).toBe(0);
    expect(readFileSync(join(out, `logs/${POD}.log`), "utf8")).toBe("GET /\nwget http://203.0.113.9/x\n");
    expect(JSON.parse(readFileSync(join(out, "pod.json"), "utf8")).metadata.name).toBe(POD);

    const shown = await riposteIncidents("show", incident);
    const line = (action: string) =>
      shown.split("\n").findIndex((text) => new RegExp(`\\s${action}\\s+DONE`).test(text));
    expect(line("isolate-pod"), shown).toBeGreaterThan(0);
    expect(line("capture")).toBeGreaterThan(line("isolate-pod"));
    expect(line("kill-pod")).toBeGreaterThan(line("capture"));
    expect(shown).toContain("kill-pod (after capture, ≤ 60 s)");
    expect(shown).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\S*\s+capture\s+DONE/);
  });

  it("a redelivered capture writes nothing twice, and riposte evidence get verifies every hash", async () => {
    const listed = JSON.parse((await riposteEvidence("list", incident, "--json")).out) as {
      location: string;
      objects: { name: string }[];
    };
    const [, bucket = "", prefix = ""] = /^gs:\/\/([^/]+)\/(.*)$/.exec(listed.location) ?? [];
    const before = await storedObjects(bucket, prefix);
    expect(Object.keys(before)).toHaveLength(listed.objects.length + 1);
    const command = capturePublished.find((data) => data.toString().includes(incident));
    expect(command).toBeDefined();
    const capturesBefore = received.filter((o) => o.action === "capture" && o.incident === incident).length;
    await pubsub.topic("capture").publishMessage({ data: command as Buffer });
    await until(
      "the redelivered capture's outcome",
      (all) => all.filter((o) => o.action === "capture" && o.incident === incident).length > capturesBefore,
    );
    expect(received.filter((o) => o.action === "capture" && o.incident === incident).at(-1)?.result).toBe(
      "already-done",
    );
    expect(await storedObjects(bucket, prefix)).toEqual(before);
    const again = await riposteEvidence(
      "get",
      incident,
      "--out",
      mkdtempSync(join(tmpdir(), "riposte-evidence-again-")),
    );
    expect(again.code, again.err).toBe(0);
  });

  it("a capture command with a hostile pod or container name is quarantined, with the reason", async () => {
    const command = JSON.parse(
      (capturePublished.find((data) => data.toString().includes(incident)) as Buffer).toString(),
    );
    const hostile = [
      { ...command, target: { ...command.target, pod: "../../other-incident" } },
      { ...command, target: { ...command.target, containerName: "web/../../x" } },
    ];
    for (const message of hostile) await pubsub.topic("capture").publishMessage({ json: message });
    await until(
      "two quarantine records from capture",
      () => quarantined.filter((q) => q.service === "capture").length >= 2,
    );
    const reasons = quarantined
      .filter((q) => q.service === "capture")
      .map((q) => `${q.reason.path}: ${q.reason.message}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/target\.pod.*not a valid pod name/),
        expect.stringMatching(/target\.containerName.*not a valid container name/),
      ]),
    );
  });

  it("Cloud Storage failing every upload: the pod is still deleted when the wait runs out, and the capture outcome says why", async () => {
    const DOWN = "evidence-down-e2e";
    const faults = await fetch(`${storageStandinUrl()}/__standin/faults`, {
      method: "POST",
      body: JSON.stringify({ on: "upload", status: 503, times: 1_000_000 }),
    });
    expect(faults.status).toBe(204);
    try {
      await kubectl("-n", "shop", "run", DOWN, "--image=docker.io/library/nginx:1.25");
      const sentAt = Date.now();
      await riposteSend([
        alertAbout(
          await kubectlJson<PodJson>("-n", "shop", "get", "pod", DOWN),
          "Riposte e2e evidence, storage down",
        ),
      ]);
      await until("the kill despite the storage outage", () => Boolean(outcomeOf("kill-pod", DOWN)), 90_000);
      expect(outcomeOf("kill-pod", DOWN)).toMatchObject({ result: "done" });
      // It waited for the capture until its 15 s were over (the capture had no outcome).
      expect(Date.parse(outcomeOf("kill-pod", DOWN)?.at ?? "") - sentAt).toBeGreaterThanOrEqual(14_000);
      await expect(kubectl("-n", "shop", "get", "pod", DOWN)).rejects.toThrow(/NotFound|not found/);
      await until("the capture's outcome", () => Boolean(outcomeOf("capture", DOWN)), 120_000);
      expect(outcomeOf("capture", DOWN)?.result).not.toBe("done");
      expect(outcomeOf("capture", DOWN)?.reason).toMatch(/Cloud Storage answered 503/);
    } finally {
      await fetch(`${storageStandinUrl()}/__standin/faults`, { method: "DELETE" });
    }
  }, 240_000);
});

/** `riposte ARGS` beside npm start (approvals, approve, deny), its exit code and output. */
async function riposte(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { FIRESTORE_EMULATOR_HOST: _ledger, ...env } = process.env;
  try {
    const { stdout, stderr } = await run("npx", ["riposte", ...args], {
      cwd: repoRoot,
      env: { ...env, PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"), GOOGLE_CLOUD_PROJECT: projectId },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, out: failed.stdout ?? "", err: failed.stderr ?? "" };
  }
}

interface SlackButton {
  action_id: string;
  block_id?: string;
  value: string;
  type: "button";
}

/** The Slack stand-in's requests (what the notifier posted, what the console answered). */
async function slackRequests(path?: string): Promise<{ path: string; json?: unknown; rawBody: string }[]> {
  const base = devState().slackStandinUrl as string;
  const query = path ? `?path=${encodeURIComponent(path)}` : "";
  return ((await (await fetch(`${base}/__standin/requests${query}`)).json()) as { requests: [] }).requests;
}

/** The announcement's Approve/Deny buttons of a held action, as Slack shows them to a person. */
async function approvalButtons(pod: string, action: string) {
  const deadline = Date.now() + 40_000;
  for (;;) {
    for (const request of await slackRequests()) {
      const message = request.json as {
        text?: string;
        blocks?: { type: string; block_id?: string; elements?: SlackButton[] }[];
      };
      if (!request.rawBody.includes(pod) || !Array.isArray(message?.blocks)) continue;
      const block = message.blocks.find((b) => b.block_id === `riposte-approval:${action}`);
      const buttons = block?.elements?.map((element) => ({ ...element, block_id: block.block_id }));
      if (buttons?.length === 2) return { message, buttons };
    }
    if (Date.now() > deadline) throw new Error(`no announcement with approval buttons for ${pod}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Slack's POST of a click to the console's Request URL: form-encoded `payload`, signed (v0). */
async function slackClick(
  payload: object,
  { secret = devState().slackSigningSecret as string, timestamp = Math.floor(Date.now() / 1000) } = {},
) {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  const console = (devState().services as { name: string; port: number }[]).find((s) => s.name === "console");
  return fetch(`http://127.0.0.1:${console?.port}/slack/interactions`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature,
    },
    body,
  });
}

const podNamed = (name: string) => kubectlJson<PodJson>("-n", "shop", "get", "pod", name);
const podExists = async (name: string) =>
  (await kubectl("-n", "shop", "get", "pods", "-o", "name")).includes(`pod/${name}`);

describe("a person decides the kill (issue 21), through npm start", () => {
  const keyOf = (pod: string) => outcomeOf("isolate-pod", pod)?.incident as string;

  beforeAll(async () => {
    for (const pod of ["approve-cli-e2e", "deny-slack-e2e", "deadline-e2e", "approve-console-e2e"])
      await kubectl("-n", "shop", "run", pod, "--image=docker.io/library/nginx:1.25");
    // The deadline's alert first: its minute runs while the other cases do.
    await riposteSend([alertAbout(await podNamed("deadline-e2e"), "Riposte e2e approval deadline")]);
    await riposteSend([
      alertAbout(await podNamed("approve-cli-e2e"), "Riposte e2e approval"),
      alertAbout(await podNamed("deny-slack-e2e"), "Riposte e2e approval"),
      // What the attacker controls (the command line Falco saw) must read as text in the console.
      {
        ...alertAbout(await podNamed("approve-console-e2e"), "Riposte e2e approval"),
        output: `Critical Riposte e2e approval ${HOSTILE_OUTPUT} (k8s_pod_name=approve-console-e2e)`,
      },
    ]);
    await until("the three pods isolated", () =>
      ["approve-cli-e2e", "deny-slack-e2e", "approve-console-e2e"].every((pod) =>
        outcomeOf("isolate-pod", pod),
      ),
    );
  }, 120_000);

  it("isolated at once, the pod alive while the kill waits; the CLI's approve kills it exactly once", async () => {
    const pod = "approve-cli-e2e";
    expect(outcomeOf("isolate-pod", pod)?.result).toBe("done");
    const key = keyOf(pod);
    const listed = await riposte("approvals", "list");
    expect(listed.out).toMatch(new RegExp(`${key.slice(0, 12)}.*kill-pod.*awaiting`));
    expect(await podExists(pod)).toBe(true);
    expect(outcomeOf("kill-pod", pod)).toBeUndefined();

    const [first, second] = await Promise.all([
      riposte("approve", key.slice(0, 12), "kill-pod", "--reason", "seen the miner"),
      riposte("approve", key.slice(0, 12), "kill-pod", "--reason", "me too"),
    ]);
    expect([first.code, second.code].sort()).toEqual([0, 1]);
    expect(`${first.err}${second.err}`).toMatch(/already approved by local:/);
    await until("the approved kill's outcome", () => Boolean(outcomeOf("kill-pod", pod)), 60_000);
    expect(outcomeOf("kill-pod", pod)?.result).toBe("done");
    expect(await podExists(pod)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(received.filter((o) => o.action === "kill-pod" && o.target?.pod === pod)).toHaveLength(1);
  }, 180_000);

  it("Slack: a wrong signature or an old timestamp is 401 and changes nothing; an unlisted person is refused and recorded; Deny records denied", async () => {
    const pod = "deny-slack-e2e";
    const { message, buttons } = await approvalButtons(pod, "kill-pod");
    const deny = buttons.find((b) => b.action_id === "riposte-deny") as SlackButton;
    const base = devState().slackStandinUrl as string;
    const click = (user: string) => ({
      type: "block_actions",
      user: { id: user },
      actions: [{ ...deny, action_ts: `${Date.now() / 1000}` }],
      response_url: `${base}/actions/T0000/${user}/e2e`,
      message,
    });
    expect((await slackClick(click("U0RIPOSTE"), { secret: "not-the-secret" })).status).toBe(401);
    expect(
      (await slackClick(click("U0RIPOSTE"), { timestamp: Math.floor(Date.now() / 1000) - 301 })).status,
    ).toBe(401);

    // A member of the workspace who is not an approver: refused, and the attempt kept in the ledger.
    await fetch(`${base}/__standin/slack/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ users: [{ id: "U0STRANGER", email: "stranger@example.com" }] }),
    });
    expect((await slackClick(click("U0STRANGER"))).status).toBe(200);
    const deadline = Date.now() + 30_000;
    while (!(await riposte("approvals", "list", "--json")).out.includes("user:stranger@example.com")) {
      if (Date.now() > deadline) throw new Error("the stranger's refusal was not recorded");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(await podExists(pod)).toBe(true);
    expect(outcomeOf("kill-pod", pod)).toBeUndefined();

    expect((await slackClick(click("U0RIPOSTE"))).status).toBe(200);
    await until("the denial's outcome", (all) =>
      all.some((o) => o.action === "kill-pod" && o.target?.pod === pod && o.result === "refused"),
    );
    expect(outcomeOf("kill-pod", pod)?.reason).toMatch(/denied by user:oncall@example.com via slack/);
    expect(await podExists(pod)).toBe(true);
    // The message the person clicked says who decided, in place.
    const updates = await slackRequests("/actions/T0000/U0RIPOSTE/e2e");
    expect(updates.map((u) => u.rawBody).join("\n")).toMatch(/oncall@example\.com/);
  }, 120_000);

  it("nobody decides: at the deadline on_timeout proceed kills the pod", async () => {
    const pod = "deadline-e2e";
    await until("the deadline's kill", () => Boolean(outcomeOf("kill-pod", pod)), 180_000);
    expect(outcomeOf("kill-pod", pod)?.result).toBe("done");
    expect(await podExists(pod)).toBe(false);
  }, 200_000);
});

const HOSTILE_OUTPUT = `<img src=x onerror="document.title='owned'"><script>document.title='owned'</script>`;

describe("the console in a real browser, JavaScript off (issue 21), through npm start", () => {
  const pod = "approve-console-e2e";
  let browser: Browser;
  let consoleUrl: string;

  beforeAll(async () => {
    const console = (devState().services as { name: string; port: number }[]).find(
      (s) => s.name === "console",
    );
    consoleUrl = `http://localhost:${console?.port}`;
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("finds the incident of an alert sent with riposte send, reads its hostile output as text, approves its kill: the pod is gone and the timeline says so", async () => {
    await until("the console pod isolated", () => Boolean(outcomeOf("isolate-pod", pod)), 60_000);
    const key = outcomeOf("isolate-pod", pod)?.incident as string;
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${consoleUrl}/incidents`);
    await expect(page.locator("#local-banner").textContent()).resolves.toContain("local, no authentication");
    await page.getByRole("link", { name: key.slice(0, 12) }).click();
    await expect(page.locator("#output").textContent()).resolves.toContain(HOSTILE_OUTPUT);
    for (const selector of ["img", "script"]) expect(await page.locator(selector).count(), selector).toBe(0);
    expect(await page.title()).not.toBe("owned");
    expect(await podExists(pod)).toBe(true);

    await page.goto(`${consoleUrl}/approvals`);
    const form = page.locator("form.decide").filter({ has: page.locator(`input[value="${key}"]`) });
    await form.locator('input[name="reason"]').fill("seen in the console");
    await Promise.all([
      page.waitForResponse((response) => response.url().endsWith("/approvals/decide")),
      form.getByRole("button", { name: "Approve kill-pod" }).click(),
    ]);
    await page.waitForLoadState();
    await expect(page.locator("#flash").textContent()).resolves.toMatch(
      new RegExp(`kill-pod of incident ${key.slice(0, 12)} approved by local:\\S+ via console`),
    );

    await until("the console-approved kill", () => Boolean(outcomeOf("kill-pod", pod)), 60_000);
    expect(outcomeOf("kill-pod", pod)?.result).toBe("done");
    expect(await podExists(pod)).toBe(false);
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.goto(`${consoleUrl}/incidents/${key}`);
      const timeline = (await page.locator("#timeline").textContent()) ?? "";
      if (
        /APPROVED by local:\S+ via console: seen in the console/.test(timeline) &&
        /kill-pod\s*DONE: deleted pod shop\/approve-console-e2e/.test(timeline)
      )
        break;
      if (Date.now() > deadline)
        throw new Error(`the timeline does not show the approved kill:\n${timeline}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await context.close();
  }, 180_000);
});
