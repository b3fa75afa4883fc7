// The scc-exporter end to end: Falco alerts into falco-events on the real emulator, the router and the
// scc-exporter as processes behind real push subscriptions, the real v2 SCC client in the exporter
// talking gRPC to an in-test SCC stand-in. Findings are read back from the stand-in.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { status } from "@grpc/grpc-js";
import type { ActionOutcome, ExportFindingCommand } from "@riposte/contracts";
import { type SccStandin, type StandinFinding, startSccStandin } from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

const SERVICE_DIR = fileURLToPath(new URL("../../services/scc-exporter/", import.meta.url));
// The cluster the scc-exporter's localEnv maps alerts without a cluster name to.
const CLUSTER = "//container.googleapis.com/projects/riposte-local/locations/europe-west1/clusters/local";

let scc: SccStandin;
let sourceName: string;
let pipeline: Pipeline;

beforeAll(async () => {
  scc = await startSccStandin();
  sourceName = scc.seedSource({ organization: "123456789", displayName: "Riposte" }).name;
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "scc-exporter"],
    local: { sccEndpoint: scc.address, sccSourceName: sourceName },
    env: { "scc-exporter": { MARK_INACTIVE_AFTER_KILL: "true" } },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await scc?.close();
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const findingsOf = (incident: string): StandinFinding[] =>
  scc.findings.filter((finding) => finding.findingId === incident);
const writesOf = (incident: string) =>
  scc.calls.filter(
    (call) =>
      call.method === "UpdateFinding" &&
      String((call.request.finding as { name?: string } | undefined)?.name).endsWith(`/findings/${incident}`),
  );

describe("scc-exporter end to end", { timeout: 90_000 }, () => {
  let command: ExportFindingCommand;
  let first: StandinFinding;

  it("a Critical alert → exactly one finding with the issue's fields, and a done outcome", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json");
    await pipeline.sendAlert(alert.json);
    first = await until("the finding", () => findingsOf(alert.incident)[0]);
    const [exported] = await pipeline.tapped("scc-exporter", alert.incident);
    command = exported?.json<ExportFindingCommand>() as ExportFindingCommand;
    expect(command).toMatchObject({ kind: "ExportFinding", incident: alert.incident });

    expect(first).toMatchObject({
      name: `${sourceName}/locations/global/findings/${alert.incident}`,
      category: "DROP_AND_EXECUTE_NEW_BINARY_IN_CONTAINER",
      resourceName: `${CLUSTER}/k8s/namespaces/jobs/pods/batch-worker-6f7d8-zx9k2`,
      severity: "CRITICAL",
      state: "ACTIVE",
      findingClass: "THREAT",
      description: command.alert.output,
    });
    // The alert's time (or the router's issuedAt if the alert was stamped a hair later), to the ns.
    const alertTime = command.alert.time;
    expect([alertTime, command.issuedAt].map((t) => Date.parse(t))).toContain(
      Date.parse(first.eventTime ?? ""),
    );
    expect(first.sourceProperties).toMatchObject({
      incident: alert.incident,
      rule: "Drop and execute new binary in container",
      priority: "Critical",
      k8s_pod_name: "batch-worker-6f7d8-zx9k2",
      playbooks: command.playbooks,
    });
    expect(findingsOf(alert.incident)).toHaveLength(1);

    const [outcome] = await pipeline.tapped("action-outcomes", alert.incident);
    expect(outcome?.json<ActionOutcome>()).toMatchObject({
      service: "scc-exporter",
      action: "export-finding",
      result: "done",
      target: { namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2" },
    });
  });

  it("the same ExportFinding command published twice → no second finding, nothing changed", async () => {
    const writesBefore = writesOf(command.incident).length;
    const topic = pipeline.pubsub.topic("scc-exporter");
    for (let i = 0; i < 2; i++) {
      await topic.publishMessage({
        json: command,
        attributes: { kind: "ExportFinding", incident: command.incident },
      });
    }
    await until("two more writes", () =>
      writesOf(command.incident).length >= writesBefore + 2 ? true : undefined,
    );
    expect(
      writesOf(command.incident)
        .slice(writesBefore)
        .map((call) => call.effect),
    ).toEqual(["unchanged", "unchanged"]);
    expect(findingsOf(command.incident)).toEqual([first]);
  });

  it("a pod-killer outcome → riposte_pod_killer on the finding, and INACTIVE (MARK_INACTIVE_AFTER_KILL)", async () => {
    const outcome: ActionOutcome = {
      v: 1,
      kind: "ActionOutcome",
      service: "pod-killer",
      action: "kill-pod",
      incident: command.incident,
      result: "done",
      reason: "pod jobs/batch-worker-6f7d8-zx9k2 deleted",
      details: {},
      alert: command.alert,
      target: command.target,
      at: new Date().toISOString(),
    };
    await pipeline.pubsub
      .topic("action-outcomes")
      .publishMessage({ json: outcome, attributes: { kind: "ActionOutcome", incident: command.incident } });
    const updated = await until("the finding INACTIVE", () => {
      const finding = findingsOf(command.incident)[0];
      return finding?.state === "INACTIVE" ? finding : undefined;
    });
    expect(updated.sourceProperties).toMatchObject({
      riposte_pod_killer: "done",
      riposte_pod_killer_reason: "pod jobs/batch-worker-6f7d8-zx9k2 deleted",
    });
    expect(updated).toMatchObject({ category: first.category, resourceName: first.resourceName });
    expect(findingsOf(command.incident)).toHaveLength(1);
  });

  it("SCC UNAVAILABLE twice → written on the third delivery", async () => {
    const alert = freshAlert("modern-terminal-shell.json", { top: { priority: "Critical" } });
    scc.faults.inject({ method: "UpdateFinding", code: status.UNAVAILABLE, times: 2 });
    await pipeline.sendAlert(alert.json);
    const finding = await until("the finding after retries", () => findingsOf(alert.incident)[0], 30_000);
    expect(finding.category).toBe("TERMINAL_SHELL_IN_CONTAINER");
    expect(writesOf(alert.incident).map((call) => [call.code, call.injected])).toEqual([
      [status.UNAVAILABLE, true],
      [status.UNAVAILABLE, true],
      [status.OK, false],
    ]);
    expect(pipeline.logs["scc-exporter"]?.join("\n")).toMatch(
      /transient failure, asking Pub\/Sub to redeliver.*UNAVAILABLE/,
    );
  });
});

describe("scc-exporter start-up", { timeout: 30_000 }, () => {
  /** Runs the service as its own process, as Cloud Run would, and returns how it ended. */
  function startExporter(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: SERVICE_DIR,
        env: {
          PATH: process.env.PATH ?? "",
          PORT: "0",
          METADATA_SERVER_DETECTION: "none",
          PUBSUB_EMULATOR_HOST: inject("pubsubEmulatorHost"),
          CLUSTERS: '{"prod":"projects/acme-prod/locations/europe-west1/clusters/prod"}',
          SCC_ENDPOINT: scc.address,
          ...env,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the service did not exit: ${stderr}`));
      }, 20_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it("a malformed SCC_SOURCE_NAME → exit 1 with what is wrong and what is expected", async () => {
    const { code, stderr } = await startExporter({ SCC_SOURCE_NAME: "projects/acme-prod/sources/42" });
    expect(code).toBe(1);
    expect(stderr).toContain("scc-exporter cannot start: invalid configuration");
    expect(stderr).toContain(
      "SCC_SOURCE_NAME: expected organizations/ORGANIZATION_ID/sources/SOURCE_ID (numeric ids); sources exist only under an organization",
    );
    expect(stderr).toContain('(got "projects/acme-prod/sources/42")');
  });

  it("a well-formed SCC_SOURCE_NAME that SCC does not know → exit 1 naming the source and the fix", async () => {
    const { code, stderr } = await startExporter({ SCC_SOURCE_NAME: "organizations/123456789/sources/999" });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /scc-exporter cannot start: SCC_SOURCE_NAME organizations\/123456789\/sources\/999 cannot be used: SCC GetSource failed: 5 NOT_FOUND/,
    );
    expect(stderr).toContain("riposte scc setup --organization 123456789");
  });
});
