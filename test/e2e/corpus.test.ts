// The bad-input corpus end to end (test/corpus/): every case POSTed straight to every push endpoint it
// names — all six services running as processes behind real push subscriptions on the emulator, the
// simulated cluster behind a proxy that records each request line exactly as sent, the Slack/SOAR and
// SCC stand-ins. Then, per case and endpoint: the HTTP answer is the ack policy's 204 and the handling
// is recorded (quarantine record with its reason, action outcome, or the router's commands with the
// refused names listed). And for the whole run: every service still healthy and working, no crash in
// any log, every log line one JSON object, nothing in the cluster changed, no Kubernetes request built
// from a name that is not a valid Kubernetes name, and no Slack message with a mention an alert put there.
import { createHash } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { Message, PubSub } from "@google-cloud/pubsub";
import {
  type ActionOutcome,
  type Command,
  isDns1123Subdomain,
  isNamespaceName,
  isNodeName,
  parseFalcoAlert,
  type QuarantineRecord,
  Topics,
} from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { parsePushEnvelope } from "@riposte/service-kit";
import {
  findSlackInjections,
  type SccStandin,
  type StorageStandin,
  startSccStandin,
  startStorageStandin,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  bytesOf,
  CORPUS_MAX_BODY_BYTES,
  type CorpusCase,
  CRASH_MARKERS,
  type EndpointId,
  type Expectation,
  endpointRoute,
  endpointsOf,
  expectationAt,
  loadCorpus,
  messageIdOf,
  pushBodyOf,
  readCaseFiles,
} from "../corpus/corpus.js";
import { buildCorpus, renderCorpus } from "../corpus/generate.js";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

const SERVICES = [
  "router",
  "pod-killer",
  "isolator",
  "tainter",
  "notifier",
  "scc-exporter",
  "capture",
] as const;
/** Quarantine records keep this much of the original bytes (service-kit's push.ts). */
const QUARANTINED_BYTES = 256 * 1024;
const SLACK_PATH = "/services/T0000/B0000/corpus";
/** POSTs in flight at once: enough to overlap, few enough for 2 cores. */
const CONCURRENCY = 8;
/** How long the cases' records, outcomes and commands may take to arrive, all together. */
const HANDLING_WAIT_MS = 90_000;
/** Sending, waiting for every record and quiescence; measured ~35–55 s on 2 busy cores. */
const CORPUS_BUDGET_MS = 150_000;
const COMMAND_TOPICS = [
  Topics.podKiller,
  Topics.isolator,
  Topics.tainter,
  Topics.notifier,
  Topics.sccExporter,
  Topics.capture,
];

/**
 * Deliveries whose expected handling the services do not deliver yet: each is a bug reported to its
 * owner. `it.fails` keeps them visible, and turns red the day the bug is fixed (then delete the entry).
 */
const KNOWN_FAILURES: Record<string, string> = {};

const corpus = loadCorpus();

/** One case at one endpoint, and what happened to it. */
interface Delivery {
  corpusCase: CorpusCase;
  endpoint: EndpointId;
  expect: Expectation;
  /** What the quarantine record of this delivery must carry (service, messageId, data). */
  recordKey: string;
  /** The incident the payload names (commands, outcomes) or is (a Falco alert the router can parse). */
  incident: string | undefined;
  status?: number;
  answer?: string;
  error?: string;
  ms?: number;
  /** What was still awaited for this delivery when the wait for every handling timed out. */
  timedOutWaitingFor?: string;
}

const deliveries: Delivery[] = corpus.flatMap((corpusCase) =>
  endpointsOf(corpusCase).map((endpoint) => ({
    corpusCase,
    endpoint,
    expect: expectationAt(corpusCase, endpoint),
    recordKey: expectedRecordKey(corpusCase, endpoint),
    incident: incidentOfPayload(corpusCase, endpoint),
  })),
);

/**
 * A quarantine record names the service, the message id when the envelope could be read, and the
 * message data (or the raw body when it could not, cut to what the service keeps when over the limit).
 */
function expectedRecordKey(corpusCase: CorpusCase, endpoint: EndpointId): string {
  const { service } = endpointRoute(endpoint);
  const body = pushBodyOf(corpusCase, endpoint);
  // Over the limit: the first bytes the service kept (it reads the rest and drops it).
  if (body.byteLength > CORPUS_MAX_BODY_BYTES) {
    return recordKey(
      service,
      undefined,
      Buffer.from(body.subarray(0, Math.min(CORPUS_MAX_BODY_BYTES, QUARANTINED_BYTES))).toString("base64"),
    );
  }
  const envelope = parsePushEnvelope(body);
  const [messageId, data] = envelope.ok
    ? [envelope.value.message.messageId, envelope.value.message.data]
    : [undefined, body];
  return recordKey(service, messageId, Buffer.from(data.subarray(0, QUARANTINED_BYTES)).toString("base64"));
}

function incidentOfPayload(corpusCase: CorpusCase, endpoint: EndpointId): string | undefined {
  const { payload } = corpusCase;
  if (!payload) return undefined;
  if (endpoint === "router") {
    const parsed = parseFalcoAlert(bytesOf(payload));
    return parsed.ok ? parsed.alert.incidentKey : undefined;
  }
  try {
    return (JSON.parse(Buffer.from(bytesOf(payload)).toString("utf8")) as { incident?: unknown }).incident as
      | string
      | undefined;
  } catch {
    return undefined;
  }
}

function recordKey(service: string, messageId: string | undefined, dataBase64: string): string {
  const digest = createHash("sha256").update(dataBase64).digest("hex").slice(0, 16);
  return JSON.stringify([service, messageId ?? null, digest]);
}

// ---------------------------------------------------------------------------------------------------
// What flowed through the topics, collected for the whole run from the harness's tap subscriptions.

interface Tapped {
  topic: string;
  attributes: Record<string, string>;
  json: unknown;
}

function collectTaps(pubsub: PubSub, topics: readonly string[]) {
  const received: Tapped[] = [];
  const errors: Error[] = [];
  // The taps are at-least-once too: a message redelivered before its ack landed is counted once.
  const seen = new Set<string>();
  let redelivered = 0;
  const subscriptions = topics.map((topic) => {
    const subscription = pubsub.subscription(`${topic}-tap`, { flowControl: { maxMessages: 1000 } });
    subscription.on("message", (message: Message) => {
      message.ack();
      if (seen.has(`${topic}/${message.id}`)) {
        redelivered += 1;
        return;
      }
      seen.add(`${topic}/${message.id}`);
      received.push({
        topic,
        attributes: { ...message.attributes },
        json: JSON.parse(message.data.toString()),
      });
    });
    subscription.on("error", (error: Error) => errors.push(error));
    return subscription;
  });
  return {
    received,
    errors,
    redelivered: () => redelivered,
    of: <T>(topic: string) => received.filter((m) => m.topic === topic).map((m) => m.json as T),
    close: () => Promise.all(subscriptions.map((subscription) => subscription.close())),
  };
}

// ---------------------------------------------------------------------------------------------------
// The Kubernetes API as the actioners reach it: a proxy in front of the sim that records every request
// line before anything (a URL parser resolving `..`, a router decoding `%2F`) could reinterpret it.

interface RawKubeRequest {
  method: string;
  target: string;
}

async function startRecordingProxy(upstream: SimCluster) {
  const requests: RawKubeRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", target: req.url ?? "" });
    const forwarded = httpRequest(
      { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Why a Kubernetes request target names something that is not a valid Kubernetes name, or undefined.
 * Every path segment must be plain (valid names never need escaping), the segment after `namespaces`
 * a DNS-1123 label, the one after a resource plural a DNS-1123 subdomain, and a node field selector a
 * node name.
 */
function unvalidatedNameIn(target: string): string | undefined {
  const url = new URL(target, "http://kube.invalid");
  const rawPath = target.split("?")[0] ?? "";
  const segments = rawPath.split("/").slice(1);
  for (const segment of segments) {
    if (!/^[A-Za-z0-9.-]+$/.test(segment) || segment === "." || segment === "..") {
      return `path segment ${JSON.stringify(segment)} is not a plain name`;
    }
  }
  const named =
    /^\/(?:api\/v1|apis\/[a-z0-9.-]+\/v[0-9a-z]+)(?:\/namespaces\/([^/]+))?(?:\/([a-z]+)(?:\/([^/]+))?(?:\/[a-z]+)?)?$/.exec(
      rawPath,
    );
  if (!named) return `path ${JSON.stringify(rawPath)} is not a Kubernetes resource path`;
  const [, namespace, resource, name] = named;
  if (namespace !== undefined && !isNamespaceName(namespace)) return `namespace ${JSON.stringify(namespace)}`;
  if (name !== undefined) {
    const valid =
      resource === "nodes"
        ? isNodeName(name)
        : resource === "namespaces"
          ? isNamespaceName(name)
          : isDns1123Subdomain(name);
    if (!valid) return `${resource} name ${JSON.stringify(name)}`;
  }
  for (const term of (url.searchParams.get("fieldSelector") ?? "").split(",").filter(Boolean)) {
    const [key, value = ""] = term.split("=");
    if (key !== "spec.nodeName" || !isNodeName(value)) return `field selector term ${JSON.stringify(term)}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------

let sim: SimCluster;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let slack: WebhookReceiver;
let scc: SccStandin;
/** Where capture keeps the evidence of the real alerts' pods (the default playbook captures before a kill). */
let storage: StorageStandin;
let pipeline: Pipeline;
let taps: ReturnType<typeof collectTaps>;
/** Log lines per service up to the end of the corpus run (before the after-check). */
const logMarks: Record<string, number> = {};
let corpusMs = 0;

/**
 * POSTs one delivery on a connection of its own (a service closing the connection after answering an
 * oversized body must not fail the next delivery), and records the answer even when the body was
 * still being written when it came.
 */
function post(delivery: Delivery, port: number): Promise<void> {
  const { path } = endpointRoute(delivery.endpoint);
  const body = pushBodyOf(delivery.corpusCase, delivery.endpoint);
  const started = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      delivery.ms = Math.round(performance.now() - started);
      resolve();
    };
    const outgoing = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": body.byteLength },
        timeout: 30_000,
      },
      (answer) => {
        delivery.status = answer.statusCode;
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          delivery.answer = Buffer.concat(chunks).toString("utf8").slice(0, 300);
          finish();
        });
        answer.on("error", finish);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error("no answer within 30 s")));
    outgoing.on("error", (error) => {
      // Writing the rest of an oversized body fails once the service has answered and hung up.
      if (delivery.status === undefined) {
        delivery.error = String(error);
        finish();
      }
    });
    outgoing.end(body);
  });
}

async function sendAll(items: Delivery[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let item = items[next++]; item; item = items[next++]) {
      await post(item, pipeline.ports[endpointRoute(item.endpoint).service] as number);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const quarantineRecords = () => taps.of<QuarantineRecord>(Topics.quarantine);
const outcomes = () => taps.of<ActionOutcome>(Topics.actionOutcomes);
const commandsFor = (incident: string) =>
  taps.received.filter(
    (m) =>
      m.topic !== Topics.quarantine &&
      m.topic !== Topics.actionOutcomes &&
      m.attributes.incident === incident,
  );
const outcomeOf = (service: string, incident: string) =>
  outcomes().filter((o) => o.service === service && o.incident === incident);

/** Records matched to deliveries: each record is claimed once, by the first delivery whose reason it fits. */
function matchQuarantine(): Map<Delivery, QuarantineRecord[]> {
  const byKey = new Map<string, QuarantineRecord[]>();
  for (const record of quarantineRecords()) {
    const key = recordKey(record.service, record.messageId, record.data);
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const matched = new Map<Delivery, QuarantineRecord[]>();
  // Specific expectations first, so a loose one cannot take the record a specific one needs.
  const ordered = [...deliveries].sort(
    (a, b) => Number(b.expect.handling === "quarantined") - Number(a.expect.handling === "quarantined"),
  );
  for (const delivery of ordered) {
    const pool = byKey.get(delivery.recordKey) ?? [];
    const fits = (record: QuarantineRecord) =>
      delivery.expect.handling !== "quarantined" ||
      new RegExp(delivery.expect.reasonMatches).test(`${record.reason.path}: ${record.reason.message}`);
    const index = pool.findIndex(fits);
    const claimed = index >= 0 ? pool.splice(index, 1) : [];
    matched.set(delivery, claimed);
  }
  for (const [key, left] of byKey) {
    if (left.length > 0) unmatchedRecords.push(...left.map((record) => ({ key, record })));
  }
  return matched;
}
const unmatchedRecords: { key: string; record: QuarantineRecord }[] = [];
let quarantineByDelivery = new Map<Delivery, QuarantineRecord[]>();

/**
 * What a delivery's expectation still waits for on the taps, or undefined when it has all arrived: its
 * quarantine record, its outcome, or the router's commands for its alert and an outcome for each.
 */
function awaitedFor(delivery: Delivery, arrived: Arrived): string | undefined {
  const { expect: expectation, incident } = delivery;
  // An answer other than 204 records nothing; checkDelivery reports the status.
  if (delivery.status !== 204) return undefined;
  const service = endpointRoute(delivery.endpoint).service;
  switch (expectation.handling) {
    case "quarantined": {
      const wanted = arrived.wantedRecords.get(delivery.recordKey) ?? 0;
      const got = arrived.records.get(delivery.recordKey) ?? 0;
      return got >= wanted
        ? undefined
        : `a quarantine record from ${service} (${got} of ${wanted} with its service, message id and data)`;
    }
    case "outcome":
      return incident !== undefined && outcomeOf(service, incident).length > 0
        ? undefined
        : `an outcome from ${service} for incident ${incident ?? "(none in the payload)"}`;
    case "routed": {
      if (incident === undefined) return "the router's commands (the alert has no incident key)";
      const commands = commandsFor(incident);
      if (commands.length < expectation.actions.length) {
        return `the router's ${expectation.actions.length} command(s) [${expectation.actions.join(", ")}] for incident ${incident}, got [${commands.map((m) => m.attributes.action).join(", ")}]`;
      }
      const unanswered = arrived.unanswered.get(incident) ?? [];
      return unanswered.length === 0
        ? undefined
        : `an outcome for the router's ${unanswered.map((c) => `${c.command.kind} (${c.service})`).join(", ")} command(s) for incident ${incident}`;
    }
    case "accepted":
      return undefined;
  }
}

/** What has arrived, counted once per poll (the taps hold thousands of messages). */
interface Arrived {
  /** Quarantine records per record key. */
  records: Map<string, number>;
  /** Records expected per record key (an envelope case sent to two endpoints of one service shares one). */
  wantedRecords: Map<string, number>;
  /** The router's commands still without an outcome, per incident. */
  unanswered: Map<string, ReturnType<typeof routedCommands>>;
}

/** Every delivery still waiting, with what it waits for. */
function stillAwaited(): [Delivery, string][] {
  const arrived: Arrived = { records: new Map(), wantedRecords: new Map(), unanswered: new Map() };
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const r of quarantineRecords()) add(arrived.records, recordKey(r.service, r.messageId, r.data));
  for (const d of deliveries) {
    if (d.status === 204 && d.expect.handling === "quarantined") add(arrived.wantedRecords, d.recordKey);
  }
  for (const routed of routedCommands()) {
    if (routed.outcomes.length > 0) continue;
    const { incident } = routed.command;
    arrived.unanswered.set(incident, [...(arrived.unanswered.get(incident) ?? []), routed]);
  }
  return deliveries.flatMap((delivery) => {
    const awaited = awaitedFor(delivery, arrived);
    return awaited === undefined ? [] : [[delivery, awaited] as [Delivery, string]];
  });
}

/** Every command the router published for a corpus alert, and whether its service reported an outcome. */
function routedCommands() {
  const serviceOf: Record<string, string> = {
    KillPod: "pod-killer",
    IsolatePod: "isolator",
    TaintNode: "tainter",
    Notify: "notifier",
    ExportFinding: "scc-exporter",
    Capture: "capture",
  };
  const routerIncidents = new Set(
    deliveries.filter((d) => d.endpoint === "router").flatMap((d) => d.incident ?? []),
  );
  return taps.received
    .filter((m) => COMMAND_TOPICS.includes(m.topic as (typeof COMMAND_TOPICS)[number]))
    .map((m) => m.json as Command)
    .filter((command) => routerIncidents.has(command.incident))
    .map((command) => {
      const service = serviceOf[command.kind] as string;
      return { command, service, outcomes: outcomeOf(service, command.incident) };
    });
}

/** Polls `pending` until it lists nothing or the time is up; returns what was still pending then. */
async function waitUntilNonePending<T>(pending: () => T[], timeoutMs: number): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pending();
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until nothing new has arrived anywhere for `quietMs`. */
async function quiescence(quietMs: number, timeoutMs: number): Promise<void> {
  const activity = () =>
    taps.received.length + slack.requests.length + proxy.requests.length + scc.calls.length;
  let last = activity();
  let quietSince = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = activity();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
  proxy = await startRecordingProxy(sim);
  slack = await startWebhookReceiver({ host: "127.0.0.1" });
  scc = await startSccStandin({ host: "127.0.0.1" });
  const sccSourceName = scc.seedSource({ organization: "123456789", displayName: "Riposte" }).name;
  storage = await startStorageStandin();
  storage.seedBucket("riposte-evidence-corpus");
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: SERVICES,
    local: {
      kubernetesUrl: proxy.url,
      slackWebhookUrl: slack.url(SLACK_PATH),
      webhookUrl: slack.url("/soar"),
      sccEndpoint: scc.address,
      sccSourceName,
      storageEndpoint: storage.url,
      evidenceBucket: "riposte-evidence-corpus",
    },
    commonEnv: { PUSH_MAX_BODY_BYTES: String(CORPUS_MAX_BODY_BYTES) },
    // Every announcement and follow-up goes out at once: no rate limit, no storm grouping.
    env: {
      notifier: { DESTINATION_MIN_INTERVAL_MS: "0", STORM_WINDOW_SECONDS: "0", OUTCOME_GRACE_MS: "500" },
    },
  });
  taps = collectTaps(pipeline.pubsub, [Topics.quarantine, Topics.actionOutcomes, ...COMMAND_TOPICS]);

  const started = performance.now();
  // The outcome endpoints last: follow-ups then find the announcements of their incidents.
  await sendAll(deliveries.filter((d) => !d.endpoint.endsWith("/outcomes")));
  await sendAll(deliveries.filter((d) => d.endpoint.endsWith("/outcomes")));
  // A timed-out wait is not an error here but every waiting case's own failure (checkDelivery).
  for (const [delivery, awaited] of await waitUntilNonePending(stillAwaited, HANDLING_WAIT_MS)) {
    delivery.timedOutWaitingFor = awaited;
  }
  await quiescence(2_000, 30_000);
  corpusMs = Math.round(performance.now() - started);
  quarantineByDelivery = matchQuarantine();
  for (const service of SERVICES) logMarks[service] = pipeline.logs[service]?.length ?? 0;
}, 240_000);

afterAll(async () => {
  await taps?.close();
  await pipeline?.stop();
  await proxy?.close();
  await sim?.stop();
  await slack?.close();
  await scc?.close();
  await storage?.close();
});

describe("bad-input corpus", { timeout: 30_000 }, () => {
  it("is committed exactly as test/corpus/generate.ts writes it, with at least 200 cases", () => {
    expect(Object.fromEntries(readCaseFiles())).toEqual(Object.fromEntries(renderCorpus(buildCorpus())));
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    const categories = new Set(corpus.map((c) => c.category));
    for (const category of [
      "malformed-json",
      "wrong-types",
      "giant-bodies",
      "deep-nesting",
      "non-utf8",
      "bad-base64",
      "missing-envelope-fields",
      "proto-keys",
      "slack-injection",
      "hostile-names",
      "unknown-priorities",
      "times",
      "big-numbers",
      "log-injection",
    ]) {
      expect(categories).toContain(category);
    }
  });

  it("runs within its budget (timings printed)", () => {
    const times = deliveries.map((d) => d.ms ?? 0).sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    const slowest = [...deliveries].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)).slice(0, 3);
    console.log(
      [
        `corpus: ${corpus.length} cases, ${deliveries.length} deliveries, ${corpusMs} ms from the first POST until quiet`,
        `answer times: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (${slowest.map((d) => `${d.corpusCase.id}@${d.endpoint}`).join(", ")})`,
        `tap redeliveries ignored: ${taps.redelivered()}`,
      ].join("\n"),
    );
    expect(corpusMs).toBeLessThan(CORPUS_BUDGET_MS);
    expect(taps.errors.map(String)).toEqual([]);
  });
});

const knownFailure = (delivery: Delivery) =>
  `${delivery.corpusCase.id}@${delivery.endpoint}` in KNOWN_FAILURES;

describe.each([...new Set(corpus.map((c) => c.id.split("/")[0] as string))])("corpus %s", (file) => {
  const inFile = deliveries.filter((d) => d.corpusCase.id.startsWith(`${file}/`));
  const named = (list: Delivery[]) => list.map((d) => [`${d.corpusCase.id} → ${d.endpoint}`, d] as const);
  it.each(named(inFile.filter((d) => !knownFailure(d))))("%s", (_name, delivery) => checkDelivery(delivery));
  const known = inFile.filter(knownFailure);
  if (known.length > 0) {
    it.fails.each(named(known))("%s (known bug, see KNOWN_FAILURES)", (_name, delivery) =>
      checkDelivery(delivery),
    );
  }
});

function checkDelivery(delivery: Delivery): void {
  if (delivery.timedOutWaitingFor !== undefined) {
    expect.fail(
      `corpus ${delivery.corpusCase.id} → ${delivery.endpoint}: timed out after ${HANDLING_WAIT_MS} ms waiting for ${delivery.timedOutWaitingFor}`,
    );
  }
  // Oversized bodies included: the service reads them to the end, so the sender always gets its answer.
  expect(delivery.error, "the request failed").toBeUndefined();
  expect({ status: delivery.status, answer: delivery.answer }).toMatchObject({
    status: delivery.expect.status,
  });
  const records = quarantineByDelivery.get(delivery) ?? [];
  const expectation = delivery.expect;
  if (expectation.handling !== "quarantined") {
    expect(records, "no quarantine record for a message that was taken").toEqual([]);
  }
  const service = endpointRoute(delivery.endpoint).service;
  const { incident } = delivery;
  switch (expectation.handling) {
    case "quarantined": {
      expect(
        records,
        `a quarantine record from ${service} with a reason matching /${expectation.reasonMatches}/`,
      ).toHaveLength(1);
      const [record] = records as [QuarantineRecord];
      expect(record.service).toBe(service);
      if (expectation.reasonPath !== undefined) expect(record.reason.path).toBe(expectation.reasonPath);
      if (delivery.corpusCase.payload)
        expect(record.messageId).toBe(messageIdOf(delivery.corpusCase, delivery.endpoint));
      break;
    }
    case "outcome": {
      expect(incident).toBeDefined();
      const found = outcomeOf(service, incident as string);
      expect(found.map((o) => ({ result: o.result, reason: o.reason }))).toEqual([
        {
          result: expectation.result,
          reason: expectation.reasonMatches
            ? expect.stringMatching(new RegExp(expectation.reasonMatches))
            : expect.any(String),
        },
      ]);
      break;
    }
    case "routed": {
      expect(incident).toBeDefined();
      const commands = commandsFor(incident as string);
      expect(commands.map((m) => m.attributes.action).sort()).toEqual([...expectation.actions].sort());
      for (const command of commands) {
        const rejected = (command.json as Command).target.rejected.map((r) => r.field);
        expect(rejected.sort()).toEqual([...expectation.rejectedFields].sort());
      }
      break;
    }
    case "accepted":
      break;
  }
}

describe("after the corpus", { timeout: 60_000 }, () => {
  it("no quarantine record is left unexplained (no service refused what another one published)", () => {
    expect(
      unmatchedRecords.map(({ record }) => ({ service: record.service, reason: record.reason })),
    ).toEqual([]);
  });

  it("every command the router published for a corpus alert ended in exactly one outcome", () => {
    const commands = routedCommands();
    const table = new Map<string, number>();
    for (const { command, outcomes: found } of commands) {
      for (const o of found)
        table.set(`${o.action} ${o.result}`, (table.get(`${o.action} ${o.result}`) ?? 0) + 1);
      if (found.length === 0)
        table.set(`${command.kind} (no outcome)`, (table.get(`${command.kind} (no outcome)`) ?? 0) + 1);
    }
    console.log(
      `router commands for corpus alerts: ${commands.length}\n${[...table]
        .sort()
        .map(([k, v]) => `  ${k}: ${v}`)
        .join("\n")}`,
    );
    expect(
      commands
        .filter((c) => c.outcomes.length !== 1)
        .map((c) => ({
          kind: c.command.kind,
          incident: c.command.incident,
          outcomes: c.outcomes.map((o) => o.result),
        })),
    ).toEqual([]);
  });

  it("nothing in the cluster changed: no request that creates, changes or deletes anything succeeded", () => {
    const mutating = sim.requests.filter((r) => !["GET", "HEAD"].includes(r.method) && r.status < 300);
    expect(mutating.map((r) => `${r.method} ${r.path} → ${r.status}`)).toEqual([]);
  });

  it("the name check itself refuses every hostile shape and takes real requests", () => {
    for (const target of [
      "/api/v1/namespaces/../pods/x",
      "/api/v1/namespaces/a%2Fb/pods/x",
      "/api/v1/namespaces/shop/pods/web%00",
      "/api/v1/namespaces/Shop/pods/web",
      "/api/v1/nodes/GKE-NODE",
      `/api/v1/namespaces/${"a".repeat(64)}/pods/web`,
      "/api/v1/namespaces/sh%D0%BEp/pods/web",
      "/api/v1/pods?fieldSelector=spec.nodeName%3Dx%2Cmetadata.name%3Dkube-proxy",
      "/api/v1/pods?fieldSelector=spec.nodeName%3D..%2Fx",
    ]) {
      expect(unvalidatedNameIn(target), target).toBeDefined();
    }
    for (const target of [
      "/api/v1/namespaces/jobs/pods/batch-worker-6f7d8-zx9k2",
      "/api/v1/pods?fieldSelector=spec.nodeName%3Dgke-prod-batch-pool-8d2e1f4a-w3rt",
      "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/riposte-quarantine",
      "/api/v1/namespaces/jobs/events",
      "/api/v1/nodes/gke-prod-default-pool-3f1c2a9e-7xkq",
    ]) {
      expect(unvalidatedNameIn(target), target).toBeUndefined();
    }
  });

  it("the Kubernetes API never received a request built from an unvalidated name", () => {
    expect(proxy.requests.length).toBeGreaterThan(0);
    const bad = proxy.requests.flatMap((r) => {
      const why = unvalidatedNameIn(r.target);
      return why ? [`${r.method} ${r.target}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
    // The sim's own view agrees: every namespace and name it routed is a valid Kubernetes name.
    const simBad = sim.requests.filter(
      (r) =>
        (r.namespace !== undefined && !isNamespaceName(r.namespace)) ||
        (r.name !== undefined && r.name !== "" && !isDns1123Subdomain(r.name)),
    );
    expect(simBad.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it("no Slack message carries a mention or link that an alert put there, and Slack would take each", () => {
    const messages = slack.requests.filter((r) => r.path === SLACK_PATH);
    expect(messages.length).toBeGreaterThan(50);
    const injections = messages.flatMap((r) =>
      findSlackInjections(r.json, {
        allowLink: (url) => url.startsWith("https://console.cloud.google.com/"),
      }).map((found) => ({ seq: r.seq, ...found })),
    );
    expect(injections).toEqual([]);
    expect(
      messages.filter((r) => !r.slack?.ok).map((r) => ({ seq: r.seq, problems: r.slack?.problems })),
    ).toEqual([]);
  });

  it("every service is alive and healthy, with no crash, fatal or unhandled error in its log", async () => {
    for (const service of SERVICES) {
      const response = await fetch(`http://127.0.0.1:${pipeline.ports[service]}/healthz`);
      expect({ service, status: response.status }).toEqual({ service, status: 200 });
      const lines = pipeline.logs[service] ?? [];
      expect(
        lines.filter((line) => CRASH_MARKERS.test(line)),
        service,
      ).toEqual([]);
      expect(
        lines.filter((line) => /"severity":"CRITICAL"/.test(line)),
        service,
      ).toEqual([]);
    }
  });

  it("every log line is one JSON object (attacker strings cannot forge or split log lines)", () => {
    for (const service of SERVICES) {
      const notJson = (pipeline.logs[service] ?? []).filter((line) => {
        try {
          const parsed = JSON.parse(line) as unknown;
          return typeof parsed !== "object" || parsed === null;
        } catch {
          return true;
        }
      });
      expect(notJson, service).toEqual([]);
      const forged = (pipeline.logs[service] ?? []).filter(
        (line) => (JSON.parse(line) as { message?: string }).message === "forged",
      );
      expect(forged, service).toEqual([]);
    }
  });

  it("no transient failure was needed: nothing in the corpus made a service ask for redelivery", () => {
    for (const service of SERVICES) {
      const transient = (pipeline.logs[service] ?? [])
        .slice(0, logMarks[service])
        .filter((line) => line.includes("transient failure"));
      expect(transient, service).toEqual([]);
    }
  });

  it("and every service still does its job: real alerts kill, isolate, taint, notify and export", async () => {
    const alerts = {
      kill: freshAlert("sidekick-critical-drop-exec.json"),
      isolate: freshAlert("modern-terminal-shell.json"),
      taint: freshAlert("host-level.json", { top: { priority: "Critical" } }),
    };
    for (const [name, alert] of Object.entries(alerts)) {
      const response = await fetch(`http://127.0.0.1:${pipeline.ports.router}/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          message: { data: Buffer.from(alert.json).toString("base64"), messageId: `corpus-after-${name}` },
        }),
      });
      expect(response.status).toBe(204);
    }
    const expected: [string, string][] = [
      ["pod-killer", alerts.kill.incident],
      ["notifier", alerts.kill.incident],
      ["scc-exporter", alerts.kill.incident],
      ["isolator", alerts.isolate.incident],
      ["tainter", alerts.taint.incident],
    ];
    const missing = await waitUntilNonePending(
      () => expected.filter(([service, incident]) => outcomeOf(service, incident).length === 0),
      30_000,
    );
    expect(
      missing.map(([service, incident]) => `an outcome from ${service} for incident ${incident}`),
      "after the corpus, timed out after 30000 ms waiting for the outcomes of the real alerts",
    ).toEqual([]);
    expect(
      expected.map(([service, incident]) => [service, outcomeOf(service, incident).map((o) => o.result)]),
    ).toEqual(expected.map(([service]) => [service, ["done"]]));
    expect(sim.get({ kind: "Pod", namespace: "jobs", name: "batch-worker-6f7d8-zx9k2" })).toBeUndefined();
  });
});
