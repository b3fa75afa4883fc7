// isolator against the simulated cluster, through app.request.
import type { V1NetworkPolicy, V1Pod } from "@kubernetes/client-node";
import { createClusterRegistry } from "@riposte/actioner-kit";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, IsolatePodCommand } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { QUARANTINE_LABEL, QUARANTINE_POLICY } from "./action.js";
import { createApp } from "./index.js";
import { releaseQuarantine } from "./release.js";

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

function setup(options: { dryRun?: boolean; callTimeoutMs?: number } = {}) {
  const runner = {
    ...runnerDepsForTest("isolator", sim.url, options.dryRun ? { dryRun: true } : {}),
    ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
  };
  const app = createApp({
    push: { service: "isolator", publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const send = async (command: IsolatePodCommand) => (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  return { send, outcomes };
}

const pod = (namespace: string, name: string) =>
  sim.get({ kind: "Pod", namespace, name }) as V1Pod | undefined;
const policy = (namespace: string, name: string) =>
  sim.get({ kind: "NetworkPolicy", namespace, name }) as V1NetworkPolicy | undefined;
const writes = () =>
  sim.requests.filter(
    (r) => ["create", "update", "patch", "delete"].includes(r.verb ?? "") && r.resource !== "events",
  );

describe("isolator", () => {
  it("labels the pod and creates the deny-all NetworkPolicy, with an Event and an outcome", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    expect(await send(command)).toBe(204);
    const web = pod("shop", "web-7d9f8c6b5-abcde");
    expect(web?.metadata?.labels?.[QUARANTINE_LABEL]).toBe(command.incident);
    expect(web?.metadata?.annotations?.["riposte.dev/quarantine-rule"]).toBe("Terminal shell in container");
    expect(policy("shop", QUARANTINE_POLICY)?.spec).toMatchObject({
      podSelector: { matchExpressions: [{ key: QUARANTINE_LABEL, operator: "Exists" }] },
      policyTypes: ["Ingress", "Egress"],
    });
    expect(policy("shop", QUARANTINE_POLICY)?.spec?.ingress ?? []).toEqual([]);
    expect(policy("shop", QUARANTINE_POLICY)?.spec?.egress ?? []).toEqual([]);
    expect(outcomes()).toEqual([expect.objectContaining({ result: "done", action: "isolate-pod" })]);
    expect(sim.list({ kind: "Event", namespace: "shop" })).toEqual([
      expect.objectContaining({ reason: "RiposteIsolatePod" }),
    ]);
  });

  it("is idempotent: the same command again changes nothing and reports already-done", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    await send(command);
    sim.clearRequests();
    await send(command);
    expect(writes()).toEqual([]);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done"]);
  });

  it("with allowances, a redelivery changes nothing either (the server's field order does not matter)", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      params: { allowDns: true, forensicsCidr: "10.8.0.0/24" },
    });
    await send(command);
    sim.clearRequests();
    await send(command);
    await send(command);
    expect(writes()).toEqual([]);
    expect(outcomes().map((o) => o.result)).toEqual(["done", "already-done", "already-done"]);
  });

  it("a later incident never opens an earlier quarantine: no allowance for either, the outcome says which were not applied", async () => {
    const { send, outcomes } = setup();
    const first = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    await send(first);
    const second = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      top: { time: "2026-02-02T02:02:02.000000002Z" },
      params: { allowDns: true, forensicsCidr: "10.8.0.0/24" },
    });
    expect(second.incident).not.toBe(first.incident);
    sim.clearRequests();
    expect(await send(second)).toBe(204);
    expect(
      sim
        .list({ kind: "NetworkPolicy", namespace: "shop" })
        .map((p) => (p as V1NetworkPolicy).metadata?.name),
    ).toEqual([QUARANTINE_POLICY]);
    expect(writes()).toEqual([]);
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL]).toBe(first.incident);
    expect(outcomes()[1]).toMatchObject({
      result: "already-done",
      reason: `pod shop/web-7d9f8c6b5-abcde already quarantined (incident ${first.incident}); not applied: DNS egress and ingress from 10.8.0.0/24 (only the incident that quarantined a pod opens it)`,
    });
  });

  it("the incident that quarantined the pod still ensures its own allowances on a redelivery", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      params: { allowDns: true },
    });
    await send(command);
    sim.remove({ kind: "NetworkPolicy", namespace: "shop", name: `riposte-dns-${command.incident}` });
    await send(command);
    expect(policy("shop", `riposte-dns-${command.incident}`)).toBeDefined();
    expect(outcomes()[1]).toMatchObject({
      result: "done",
      reason: expect.stringMatching(/already quarantined .*; created NetworkPolicy riposte-dns-/),
    });
  });

  it("a redelivery that finds the pod already quarantined still warns about a policy keeping it open", async () => {
    const web = pod("shop", "web-7d9f8c6b5-abcde") as V1Pod;
    sim.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-frontend", namespace: "shop" },
      spec: {
        podSelector: { matchLabels: { app: web.metadata?.labels?.app } },
        policyTypes: ["Ingress"],
        ingress: [{}],
      },
    } as never);
    // The first delivery labels the pod, then its deadline passes while it lists the policies: 503.
    const { send, outcomes } = setup({ callTimeoutMs: 300 });
    sim.faults.inject({ resource: "networkpolicies", verb: "list", latencyMs: 800, times: 1 });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    expect(await send(command)).toBe(503);
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL]).toBe(command.incident);
    expect(outcomes()).toEqual([]);
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({
      reason: expect.stringMatching(
        /already quarantined .*; WARNING: NetworkPolicy allow-frontend also selects it and allows traffic, so it is not fully cut off/,
      ),
      details: expect.objectContaining({ openedBy: ["allow-frontend"] }),
    });
  });

  it("warns when another NetworkPolicy selecting the pod keeps traffic open", async () => {
    const { send, outcomes } = setup();
    const web = pod("shop", "web-7d9f8c6b5-abcde") as V1Pod;
    const app = web.metadata?.labels?.app;
    expect(app).toBeDefined();
    sim.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-frontend", namespace: "shop" },
      spec: { podSelector: { matchLabels: { app } }, policyTypes: ["Ingress"], ingress: [{}] },
    } as never);
    await send(commandFromExample("isolate-pod", "modern-terminal-shell.json"));
    expect(outcomes()[0]).toMatchObject({
      result: "done",
      reason: expect.stringMatching(
        /WARNING: NetworkPolicy allow-frontend also selects it and allows traffic/,
      ),
      details: expect.objectContaining({ openedBy: ["allow-frontend"] }),
    });
  });

  it("repairs a quarantine policy someone weakened", async () => {
    const { send, outcomes } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    await send(command);
    const weakened = policy("shop", QUARANTINE_POLICY) as V1NetworkPolicy;
    sim.apply({ ...weakened, spec: { ...weakened.spec, egress: [{}] } } as never);
    await send(command);
    expect(policy("shop", QUARANTINE_POLICY)?.spec?.egress ?? []).toEqual([]);
    expect(outcomes()[1]).toMatchObject({ result: "done", reason: expect.stringMatching(/repaired/) });
  });

  it("adds only this incident's allowances for DNS and a forensics CIDR", async () => {
    const { send } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      params: { allowDns: true, forensicsCidr: "10.8.0.0/24" },
    });
    await send(command);
    const dns = policy("shop", `riposte-dns-${command.incident}`);
    expect(dns?.spec?.podSelector).toEqual({ matchLabels: { [QUARANTINE_LABEL]: command.incident } });
    expect(dns?.spec?.egress?.[0]?.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    const forensics = policy("shop", `riposte-forensics-${command.incident}`) as unknown as {
      spec: { ingress: { from: { ipBlock: { cidr: string } }[] }[] };
    };
    expect(forensics.spec.ingress[0]?.from[0]?.ipBlock.cidr).toBe("10.8.0.0/24");
  });

  it("refuses protected, DaemonSet and mirror pods, and changes nothing", async () => {
    const { send, outcomes } = setup();
    await send(
      commandFromExample("isolate-pod", "modern-terminal-shell.json", { fields: { "k8s.ns.name": "falco" } }),
    );
    await send(commandFromExample("isolate-pod", "informational.json"));
    const web = pod("shop", "web-7d9f8c6b5-abcde") as V1Pod;
    sim.apply({
      ...web,
      metadata: {
        name: "static-web",
        namespace: "shop",
        annotations: { "kubernetes.io/config.mirror": "x" },
      },
    } as never);
    await send(
      commandFromExample("isolate-pod", "modern-terminal-shell.json", {
        fields: { "k8s.pod.name": "static-web" },
      }),
    );
    expect(outcomes().map((o) => o.result)).toEqual(["refused", "refused", "refused"]);
    expect(outcomes().map((o) => o.reason)).toEqual([
      expect.stringMatching(/namespace falco is protected/),
      expect.stringMatching(/DaemonSet node-exporter/),
      expect.stringMatching(/mirror/),
    ]);
    expect(writes()).toEqual([]);
  });

  it("dry-run: nothing changed, the outcome says what would be done", async () => {
    const { send, outcomes } = setup({ dryRun: true });
    await send(
      commandFromExample("isolate-pod", "modern-terminal-shell.json", { params: { allowDns: true } }),
    );
    expect(writes()).toEqual([]);
    expect(outcomes()[0]).toMatchObject({
      result: "dry-run",
      reason: expect.stringMatching(
        /^would label pod shop\/web-7d9f8c6b5-abcde riposte.dev\/quarantine=[0-9a-f]{32} and ensure NetworkPolicy shop\/riposte-quarantine \(deny all ingress and egress; allow DNS egress\)$/,
      ),
    });
  });

  it("a gone pod is stale, and a 503 from the API server is retried", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ resource: "networkpolicies", verb: "create", status: 503, times: 1 });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    expect(await send(command)).toBe(503);
    expect(await send(command)).toBe(204);
    expect(outcomes().map((o) => o.result)).toEqual(["done"]);
    await send(
      commandFromExample("isolate-pod", "modern-terminal-shell.json", {
        fields: { "k8s.pod.name": "no-such-pod" },
      }),
    );
    expect(outcomes()[1]).toMatchObject({ result: "stale" });
  });

  it("a k8s_audit alert (no uid, no container) whose pod was re-created after the event: stale, the new pod unlabelled", async () => {
    const { send, outcomes } = setup();
    const old = pod("shop", "frontend-6b8d9c7f5-p4k2m") as V1Pod;
    sim.remove({ kind: "Pod", namespace: "shop", name: "frontend-6b8d9c7f5-p4k2m" });
    sim.apply({ ...old, metadata: { name: "frontend-6b8d9c7f5-p4k2m", namespace: "shop" } } as never);
    expect(await send(commandFromExample("isolate-pod", "k8saudit-exec.json"))).toBe(204);
    expect(outcomes()[0]).toMatchObject({
      result: "stale",
      reason: expect.stringMatching(/was created at \S+, after the alert's event/),
    });
    expect(pod("shop", "frontend-6b8d9c7f5-p4k2m")?.metadata?.labels?.[QUARANTINE_LABEL]).toBeUndefined();
    expect(writes()).toEqual([]);
  });

  it("a restarted container: the alert's (previous) container id still finds the pod, which is isolated", async () => {
    const { send, outcomes } = setup();
    sim.restartContainer({ namespace: "shop", name: "web-7d9f8c6b5-abcde" });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      drop: ["k8s.pod.name", "k8s.ns.name"],
    });
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "done" });
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL]).toBe(command.incident);
  });

  describe("a 409 Conflict while repairing the quarantine policy is a race, not a failure", () => {
    /** The deny-all policy weakened by someone, so the next isolation has to update it. */
    function weakenPolicy() {
      sim.apply({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: QUARANTINE_POLICY, namespace: "shop" },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
      } as never);
    }
    const isDenyAll = () =>
      (policy("shop", QUARANTINE_POLICY)?.spec?.ingress ?? []).length === 0 &&
      policy("shop", QUARANTINE_POLICY)?.spec?.policyTypes?.includes("Egress");
    const labelled = () => pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL];

    it("two conflicts: re-read and retried, the policy repaired and the pod labelled", async () => {
      const { send, outcomes } = setup();
      weakenPolicy();
      sim.faults.inject({ resource: "networkpolicies", verb: "update", status: 409, times: 2 });
      const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
      expect(await send(command)).toBe(204);
      expect(outcomes()[0]).toMatchObject({ result: "done" });
      expect(isDenyAll()).toBe(true);
      expect(labelled()).toBe(command.incident);
      expect(
        sim.requests
          .filter((r) => r.verb === "update" && r.resource === "networkpolicies")
          .map((r) => r.status),
      ).toEqual([409, 409, 200]);
    });

    it("someone edits the policy between our read and our update: re-read, repaired", async () => {
      const { send, outcomes } = setup();
      weakenPolicy();
      sim.faults.inject({ resource: "networkpolicies", verb: "update", latencyMs: 300, times: 1 });
      const sending = send(commandFromExample("isolate-pod", "modern-terminal-shell.json"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const theirs = policy("shop", QUARANTINE_POLICY) as V1NetworkPolicy;
      sim.apply({ ...theirs, metadata: { ...theirs.metadata, labels: { edited: "yes" } } } as never);
      expect(await sending).toBe(204);
      expect(outcomes()[0]).toMatchObject({ result: "done" });
      expect(isDenyAll()).toBe(true);
      expect(policy("shop", QUARANTINE_POLICY)?.metadata?.labels).toMatchObject({ edited: "yes" });
    });

    it("conflicts that do not stop: 503 (redelivered), nothing labelled; the redelivery isolates", async () => {
      const { send, outcomes } = setup();
      weakenPolicy();
      sim.faults.inject({ resource: "networkpolicies", verb: "update", status: 409, times: 50 });
      const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
      expect(await send(command)).toBe(503);
      expect(outcomes()).toEqual([]);
      expect(labelled()).toBeUndefined();
      sim.faults.clear();
      expect(await send(command)).toBe(204);
      expect(outcomes().map((o) => o.result)).toEqual(["done"]);
      expect(isDenyAll()).toBe(true);
      expect(labelled()).toBe(command.incident);
    });
  });

  it("a 409 on the label patch (the API server's own retries ran out) is a race: retried, labelled", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ resource: "pods", verb: "patch", status: 409, times: 2 });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    expect(await send(command)).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "done" });
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL]).toBe(command.incident);
  });

  it("a 422 on the label patch while the pod is unchanged is not a replaced pod: failed, not stale", async () => {
    const { send, outcomes } = setup();
    sim.faults.inject({ resource: "pods", verb: "patch", status: 422, times: 1 });
    expect(await send(commandFromExample("isolate-pod", "modern-terminal-shell.json"))).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "failed" });
  });

  it("a pod without labels that gets some between our read and our patch keeps them (no `add /metadata/labels {}` over them)", async () => {
    const { send, outcomes } = setup();
    const original = pod("shop", "web-7d9f8c6b5-abcde") as V1Pod;
    const { labels: _labels, annotations: _annotations, ...bare } = original.metadata ?? {};
    sim.apply({ ...original, metadata: bare } as never);
    sim.faults.inject({ resource: "pods", verb: "patch", latencyMs: 300, times: 1 });
    const sending = send(commandFromExample("isolate-pod", "modern-terminal-shell.json"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const read = pod("shop", "web-7d9f8c6b5-abcde") as V1Pod;
    sim.apply({
      ...read,
      metadata: { ...read.metadata, labels: { team: "payments-oncall" }, annotations: { owner: "sre" } },
    } as never);
    expect(await sending).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "done" });
    const after = pod("shop", "web-7d9f8c6b5-abcde");
    expect(after?.metadata?.labels).toMatchObject({
      team: "payments-oncall",
      [QUARANTINE_LABEL]: expect.any(String),
    });
    expect(after?.metadata?.annotations).toMatchObject({ owner: "sre" });
  });

  it("two incidents isolating one pod at the same time: one labels it (done), the other already-done naming it", async () => {
    const { send, outcomes } = setup();
    const first = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    const second = { ...first, incident: "f".repeat(32) };
    // The first's patch waits; meanwhile the second reads, labels, and is done.
    sim.faults.inject({ resource: "pods", verb: "patch", latencyMs: 400, times: 1 });
    const sendingFirst = send(first);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await send(second)).toBe(204);
    expect(await sendingFirst).toBe(204);
    const byIncident = Object.fromEntries(outcomes().map((outcome) => [outcome.incident, outcome]));
    expect(byIncident[second.incident]).toMatchObject({ result: "done" });
    expect(byIncident[first.incident]).toMatchObject({
      result: "already-done",
      reason: expect.stringContaining(`quarantined meanwhile (incident ${second.incident})`),
    });
    // The label still names the incident that quarantined the pod: never overwritten by the later patch.
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL]).toBe(second.incident);
  }, 20_000);

  it("a pod replaced between resolution and labelling: the uid test fails → stale, the new pod unlabelled", async () => {
    const { send, outcomes } = setup();
    const original = pod("shop", "web-7d9f8c6b5-abcde") as V1Pod;
    sim.faults.inject({ resource: "pods", verb: "patch", latencyMs: 300, times: 1 });
    const sending = send(commandFromExample("isolate-pod", "modern-terminal-shell.json"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    sim.remove({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" });
    sim.apply({ ...original, metadata: { name: "web-7d9f8c6b5-abcde", namespace: "shop" } } as never);
    expect(await sending).toBe(204);
    expect(outcomes()[0]).toMatchObject({ result: "stale", reason: expect.stringMatching(/replaced/) });
    expect(pod("shop", "web-7d9f8c6b5-abcde")?.metadata?.labels?.[QUARANTINE_LABEL]).toBeUndefined();
  });

  it("riposte release lifts the quarantine: label, annotations and allowances go, the deny-all stays", async () => {
    const { send } = setup();
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      params: { allowDns: true },
    });
    await send(command);
    const clients = await createClusterRegistry({ sim: { kind: "server", server: sim.url } }).clientsFor(
      "sim",
    );
    expect(await releaseQuarantine(clients, "shop", "web-7d9f8c6b5-abcde")).toMatchObject({
      released: true,
      incident: command.incident,
    });
    const web = pod("shop", "web-7d9f8c6b5-abcde");
    expect(web?.metadata?.labels?.[QUARANTINE_LABEL]).toBeUndefined();
    expect(web?.metadata?.annotations?.["riposte.dev/quarantine-rule"]).toBeUndefined();
    expect(policy("shop", `riposte-dns-${command.incident}`)).toBeUndefined();
    expect(policy("shop", QUARANTINE_POLICY)).toBeDefined();
    expect(await releaseQuarantine(clients, "shop", "web-7d9f8c6b5-abcde")).toMatchObject({
      released: false,
    });
  });
});
