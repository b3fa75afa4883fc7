// `riposte incidents list|show` through the whole command, against the run's real Firestore emulator:
// incidents written as the router, an actioner, the notifier and the scc-exporter write them.
import { randomBytes } from "node:crypto";
import { severityOf } from "@riposte/contracts";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
// inject("firestoreEmulatorHost"): declared by service-kit's testing module.
import type {} from "@riposte/service-kit/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { cliEnvSchema } from "./config.js";
import { parseSince } from "./incidents.js";
import { INCIDENTS_JSON_VERSION } from "./incidents-view.js";
import { ledgerLocation } from "./ledger-target.js";
import { main } from "./main.js";

const projectId = `incidents-cli-${randomBytes(4).toString("hex")}`;
const firestore = createLedgerFirestore({ projectId, emulatorHost: inject("firestoreEmulatorHost") });
const T0 = Date.now() - 10 * 60_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);
/** A service's ledger whose clock reads `when`. */
const writer = (when: Date): Ledger => createLedger({ firestore, timeoutMs: 30_000, now: () => when });

/** Shares its first 12 characters with TWIN: their short key is ambiguous. */
const KILLED = `${randomBytes(6).toString("hex")}00000000000000000000`;
const TWIN = `${KILLED.slice(0, 12)}ffffffffffffffffffff`;
const STAGING = randomBytes(16).toString("hex");
const HOSTILE = randomBytes(16).toString("hex");

function alert(rule: string, fields: Record<string, string>, output = "shell spawned") {
  return {
    rule,
    priority: "Critical" as const,
    severity: severityOf("Critical"),
    time: "2026-12-05T10:00:00.123456789Z",
    timeNs: "1796292000123456789",
    source: "syscall",
    hostname: "gke-prod-node-1",
    tags: ["container"],
    output,
    outputFields: { "container.id": "0123456789ab", ...fields },
  };
}

const decision = {
  playbooks: ["kill-crypto-miners"],
  actions: [
    { action: "notify", dryRun: false, playbooks: ["kill-crypto-miners"] },
    { action: "export-finding", dryRun: false, playbooks: ["kill-crypto-miners"] },
    // Ordered (playbook `after`): shown in the timeline and in --json.
    {
      action: "kill-pod",
      dryRun: false,
      playbooks: ["kill-crypto-miners"],
      after: ["export-finding"],
      waitSeconds: 60,
    },
  ],
};

async function writeIncident(
  key: string,
  start: number,
  alertSummary: ReturnType<typeof alert>,
  texts: { reason?: string; notificationReason?: string } = {},
) {
  const claimed = await writer(at(start)).claimIncident(key, decision, {
    dedupWindowMs: 60_000,
    alert: alertSummary,
  });
  if (claimed.outcome !== "claimed") throw new Error("not claimed");
  await writer(at(start)).markRouted(key, claimed.claimId);
  await writer(at(start + 1)).recordActionAttempt(key, "kill-pod", { service: "pod-killer" });
  await writer(at(start + 2)).recordActionOutcome(key, "kill-pod", {
    service: "pod-killer",
    result: "done",
    reason: texts.reason ?? "deleted pod shop/web-1",
  });
  await writer(at(start + 3)).recordNotification(key, "slack-secops", {
    status: "failed",
    reason: texts.notificationReason ?? "HTTP 503",
  });
  await writer(at(start + 4)).recordNotification(key, "slack-secops", { status: "sent" });
  await writer(at(start + 5)).recordFinding(key, `organizations/123/sources/456/findings/${key}`);
}

let printed: string[] = [];
let errors: string[] = [];

async function riposte(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  printed = [];
  errors = [];
  const code = await main(["incidents", ...args]);
  return { code, out: printed.join("\n"), err: errors.join("\n") };
}

beforeAll(async () => {
  await writer(at(0)).warmUp();
  await writeIncident(
    KILLED,
    0,
    alert("Drop and execute new binary in container", {
      cluster: "prod-eu",
      "k8s.ns.name": "shop",
      "k8s.pod.name": "web-1",
    }),
  );
  await writeIncident(
    TWIN,
    60,
    alert("Terminal shell in container", {
      cluster: "prod-eu",
      "k8s.ns.name": "shop",
      "k8s.pod.name": "web-2",
    }),
  );
  await writeIncident(
    STAGING,
    120,
    alert("Terminal shell in container", {
      cluster: "staging",
      "k8s.ns.name": "shop",
      "k8s.pod.name": "web-3",
    }),
  );
}, 60_000);

afterAll(() => firestore.terminate());

describe("riposte incidents", { timeout: 60_000 }, () => {
  beforeAll(() => {
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
    vi.stubEnv("GOOGLE_CLOUD_PROJECT", projectId);
    vi.spyOn(console, "log").mockImplementation((...line: unknown[]) => void printed.push(line.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...line: unknown[]) => void errors.push(line.join(" ")));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  afterEach(() => {
    printed = [];
    errors = [];
  });

  it("show: the timeline in time order — decision, the kill's attempts and outcome, notifications, finding, trace", async () => {
    const { code, out } = await riposte("show", KILLED);
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe(`incident ${KILLED}  (short ${KILLED.slice(0, 12)})`);
    expect(out).toContain("target    cluster prod-eu · pod shop/web-1 · node gke-prod-node-1");
    const order = [
      /alert\s+received \(alert time 2026-12-05T10:00:00.123456789Z, source syscall, host gke-prod-node-1\)/,
      /decision\s+playbooks kill-crypto-miners → notify, export-finding, kill-pod \(after export-finding, ≤ 60 s\)$/,
      /kill-pod\s+pod-killer: 1 attempt/,
      /kill-pod\s+DONE: deleted pod shop\/web-1/,
      /notified\s+slack-secops: sent/,
      /finding\s+organizations\/123\/sources\/456\/findings\//,
      /^trace\s+npx riposte trace /,
    ];
    const positions = order.map((pattern) => lines.findIndex((line) => pattern.test(line)));
    expect(positions, out).not.toContain(-1);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The notification's first, failed delivery was overwritten by the sent one: one line, sent.
    expect(out).not.toContain("HTTP 503");
    expect(out).toContain("no attempt recorded yet: notify, export-finding");
  });

  it("show KEY takes the 12-character short key; an ambiguous or unknown one is an error listing what was found", async () => {
    const unique = await riposte("show", STAGING.slice(0, 12));
    expect(unique.code).toBe(0);
    expect(unique.out).toContain(`incident ${STAGING}`);

    const ambiguous = await riposte("show", KILLED.slice(0, 12));
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.out).toBe("");
    expect(ambiguous.err).toContain("is ambiguous: 2 incidents");
    expect(ambiguous.err).toContain(KILLED);
    expect(ambiguous.err).toContain(TWIN);

    const unknown = await riposte("show", "abcdefabcdef");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no known incident starts with abcdefabcdef");

    const missing = await riposte("show", "f".repeat(32));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no incident ${"f".repeat(32)} in the ledger`);

    expect((await riposte("show", "not-a-key")).code).toBe(2);
  });

  it("list: one line per incident, newest first, with target and each action's result; --cluster and --since filter", async () => {
    const all = await riposte("list", "--since", "1h");
    expect(all.code).toBe(0);
    const lines = all.out.split("\n");
    expect(lines.map((line) => line.split("  ")[1])).toEqual([
      STAGING.slice(0, 12),
      TWIN.slice(0, 12),
      KILLED.slice(0, 12),
    ]);
    expect(lines[2]).toContain("Drop and execute new binary in container");
    expect(lines[2]).toContain("cluster prod-eu · pod shop/web-1");
    expect(lines[2]).toContain("notify: pending, export-finding: pending, kill-pod: done");

    const prod = await riposte("list", "--cluster", "prod-eu", "--since", "1h");
    expect(prod.out.split("\n")).toHaveLength(2);
    expect(prod.out).not.toContain(STAGING.slice(0, 12));

    const recent = await riposte("list", "--since", new Date(T0 + 90_000).toISOString());
    expect(recent.out.split("\n")).toEqual([expect.stringContaining(STAGING.slice(0, 12))]);

    const limited = await riposte("list", "--since", "1h", "--limit", "1");
    expect(limited.out).toContain("more incidents match");

    expect((await riposte("list", "--cluster", "Prod/EU")).code).toBe(2);
    expect((await riposte("list", "--since", "yesterday")).code).toBe(2);
  });

  it("--json: the documented, versioned shape, every key present", async () => {
    const shown = JSON.parse((await riposte("show", KILLED, "--json")).out);
    expect(shown).toEqual({
      version: INCIDENTS_JSON_VERSION,
      incident: {
        incident: KILLED,
        shortKey: KILLED.slice(0, 12),
        rule: "Drop and execute new binary in container",
        priority: "Critical",
        target: {
          cluster: "prod-eu",
          namespace: "shop",
          pod: "web-1",
          node: "gke-prod-node-1",
          containerId: "0123456789ab",
          image: null,
        },
        alert: {
          time: "2026-12-05T10:00:00.123456789Z",
          source: "syscall",
          hostname: "gke-prod-node-1",
          tags: ["container"],
          output: "shell spawned",
          outputFields: {
            "container.id": "0123456789ab",
            cluster: "prod-eu",
            "k8s.ns.name": "shop",
            "k8s.pod.name": "web-1",
          },
        },
        decision: {
          state: "routed",
          claimedAt: at(0).toISOString(),
          routedAt: at(0).toISOString(),
          playbooks: ["kill-crypto-miners"],
        },
        actions: [
          ...["notify", "export-finding"].map((action) => ({
            action,
            dryRun: false,
            playbooks: ["kill-crypto-miners"],
            after: null,
            service: null,
            attempts: 0,
            lastAttemptAt: null,
            outcome: null,
            job: null,
            approval: null,
          })),
          {
            action: "kill-pod",
            dryRun: false,
            playbooks: ["kill-crypto-miners"],
            after: { actions: ["export-finding"], waitSeconds: 60 },
            service: "pod-killer",
            attempts: 1,
            lastAttemptAt: at(1).toISOString(),
            outcome: {
              result: "done",
              reason: "deleted pod shop/web-1",
              at: at(2).toISOString(),
              location: null,
            },
            job: null,
            approval: null,
          },
        ],
        notifications: [
          { destination: "slack-secops", status: "sent", reason: null, at: at(4).toISOString() },
        ],
        finding: {
          name: `organizations/123/sources/456/findings/${KILLED}`,
          recordedAt: at(5).toISOString(),
        },
        trace: { traceId: KILLED, url: null },
        expireAt: expect.any(String),
      },
    });

    const listed = JSON.parse((await riposte("list", "--since", "1h", "--cluster", "prod-eu", "--json")).out);
    expect(Object.keys(listed)).toEqual([
      "version",
      "since",
      "cluster",
      "truncated",
      "unreadable",
      "incidents",
    ]);
    expect(listed).toMatchObject({ version: INCIDENTS_JSON_VERSION, cluster: "prod-eu", truncated: false });
    expect(listed.incidents.map((incident: { incident: string }) => incident.incident)).toEqual([
      TWIN,
      KILLED,
    ]);
    expect(listed.incidents[1]).toEqual(shown.incident);
  });
});

describe("a capture Job's result (capture-node)", { timeout: 60_000 }, () => {
  const CAPTURED = randomBytes(16).toString("hex");
  const job = `riposte/riposte-node-capture-${CAPTURED}`;
  beforeAll(async () => {
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
    vi.stubEnv("GOOGLE_CLOUD_PROJECT", projectId);
    vi.spyOn(console, "log").mockImplementation((...line: unknown[]) => void printed.push(line.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...line: unknown[]) => void errors.push(line.join(" ")));
    await writer(at(240)).recordActionOutcome(CAPTURED, "capture-node", {
      service: "node-capturer",
      result: "done",
      reason: `created Job ${job} on node gke-prod-node-1`,
    });
    await writer(at(300)).recordJobResult(CAPTURED, "capture-node", {
      service: "node-capturer",
      job,
      state: "failed",
      reason: "DeadlineExceeded: Job was active longer than specified deadline",
      at: at(290),
    });
  }, 60_000);
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("show: one timeline line at the time the Job finished, after the action's outcome", async () => {
    const { code, out } = await riposte("show", CAPTURED);
    expect(code).toBe(0);
    const lines = out.split("\n");
    const done = lines.findIndex((line) => /capture-node\s+DONE: created Job/.test(line));
    const finished = lines.findIndex((line) =>
      line.includes(`capture-node  Job ${job} failed (DeadlineExceeded: Job was active longer`),
    );
    expect(done, out).toBeGreaterThan(-1);
    expect(finished, out).toBeGreaterThan(done);
    expect(lines[finished]).toContain(at(290).toISOString().slice(11, 19));
  });

  it("--json: the action's job, null for actions that launched none", async () => {
    const shown = JSON.parse((await riposte("show", CAPTURED, "--json")).out);
    expect(shown.version).toBe(INCIDENTS_JSON_VERSION);
    expect(shown.incident.actions).toEqual([
      expect.objectContaining({
        action: "capture-node",
        outcome: expect.objectContaining({ result: "done" }),
        job: {
          name: job,
          state: "failed",
          reason: "DeadlineExceeded: Job was active longer than specified deadline",
          at: at(290).toISOString(),
        },
      }),
    ]);
  });
});

describe("attack: alert text reaching the terminal", { timeout: 60_000 }, () => {
  const rule = "Clear screen\u001b[2J\u001b[H\nFAKE: all clear";
  const reason = "deleted\r\u001b]0;pwned\u0007 \u009b31m";
  beforeAll(async () => {
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
    vi.stubEnv("GOOGLE_CLOUD_PROJECT", projectId);
    vi.spyOn(console, "log").mockImplementation((...line: unknown[]) => void printed.push(line.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...line: unknown[]) => void errors.push(line.join(" ")));
    await writeIncident(
      HOSTILE,
      180,
      alert(
        rule,
        { cluster: "prod-eu", "k8s.ns.name": "shop", "k8s.pod.name": "web-4" },
        "out\u001b[31m\u2028put",
      ),
      { reason, notificationReason: "x" },
    );
  }, 60_000);
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  // C0 (line breaks included: every printed line is one of ours), DEL, C1, line separators, bidi.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  const RAW_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  it("show and list print an ANSI escape, CR and newline from the alert as visible text, never raw", async () => {
    for (const args of [
      ["show", HOSTILE],
      ["list", "--since", "1h"],
    ]) {
      const { code, out } = await riposte(...args);
      expect(code).toBe(0);
      for (const line of printed) expect(line, JSON.stringify(line)).not.toMatch(RAW_CONTROL);
      expect(out).toContain("Clear screen\\u001b[2J\\u001b[H\\u000aFAKE: all clear");
    }
    const shown = (await riposte("show", HOSTILE)).out;
    expect(shown).toContain("DONE: deleted\\u000d\\u001b]0;pwned\\u0007 \\u009b31m");
    expect(shown).toContain("out\\u001b[31m\\u2028put");
  });

  it("--json carries the text exactly, JSON-escaped", async () => {
    const { out } = await riposte("show", HOSTILE, "--json");
    expect(out).not.toMatch(RAW_CONTROL);
    const shown = JSON.parse(out);
    expect(shown.incident.rule).toBe(rule);
    expect(shown.incident.actions[2].outcome.reason).toBe(reason);
    expect(shown.incident.alert.output).toBe("out\u001b[31m\u2028put");
  });
});

describe("--since", () => {
  const now = new Date("2026-12-05T12:00:00Z");
  it("takes a duration back from now or an ISO time, and nothing else", () => {
    expect(parseSince("90s", now).toISOString()).toBe("2026-12-05T11:58:30.000Z");
    expect(parseSince("1h", now).toISOString()).toBe("2026-12-05T11:00:00.000Z");
    expect(parseSince("7d", now).toISOString()).toBe("2026-11-28T12:00:00.000Z");
    expect(parseSince("2026-12-01T00:00:00Z", now).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    for (const bad of ["1w", "-1h", "", "1h ", "soon"]) expect(() => parseSince(bad, now)).toThrow(/--since/);
  });
});

describe("which ledger the CLI reads", () => {
  // A project no `riposte dev` runs for: no dev state file is found.
  const base = { GOOGLE_CLOUD_PROJECT: "nobody-runs-this", PUBSUB_EMULATOR_HOST: "127.0.0.1:1" };
  const where = (env: Record<string, string>, project?: string) =>
    ledgerLocation(cliEnvSchema.parse({ ...base, ...env }), project);

  it("an emulator named in the environment wins; otherwise --project, LEDGER_PROJECT, GOOGLE_CLOUD_PROJECT", () => {
    expect(where({ FIRESTORE_EMULATOR_HOST: "127.0.0.1:8089" })).toEqual({
      emulatorHost: "127.0.0.1:8089",
      projectId: "nobody-runs-this",
    });
    expect(where({}, "acme-prod")).toEqual({ projectId: "acme-prod" });
    expect(where({ LEDGER_PROJECT: "acme-ledger" }, "acme-prod")).toEqual({ projectId: "acme-ledger" });
    expect(where({})).toEqual({ projectId: "nobody-runs-this" });
    expect(
      ledgerLocation(cliEnvSchema.parse({ PUBSUB_EMULATOR_HOST: "127.0.0.1:1" }), undefined),
    ).toBeUndefined();
  });
});
