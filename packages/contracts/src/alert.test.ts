// Tests of parseFalcoAlert on the shared Falco/falcosidekick samples and on hand-made edge cases:
// exact times, priorities, targets (and refused names), incident keys, errors with paths.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { FalcoAlert } from "./alert.js";
import { parseFalcoAlert } from "./alert.js";
import type { JsonValue } from "./json.js";
import { parseJsonLossless, stringifyJsonLossless } from "./json.js";

const FIXTURES = new URL("./fixtures/", import.meta.url);

function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

function fixture(name: string): FalcoAlert {
  return parseOk(fixtureBytes(name));
}

/** The fixture as a mutable object, for variations. */
function fixtureDocument(name: string): Record<string, JsonValue> {
  const parsed = parseJsonLossless(readFileSync(new URL(name, FIXTURES), "utf8"));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value as Record<string, JsonValue>;
}

function parseOk(input: string | Uint8Array, options?: { clusterField?: string }): FalcoAlert {
  const result = parseFalcoAlert(input, options);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.path}: ${result.error.message}`);
  return result.alert;
}

function parseError(input: string | Uint8Array): { path: string; message: string } {
  const result = parseFalcoAlert(input);
  if (result.ok) throw new Error("expected an error");
  return result.error;
}

/** A minimal modern syscall alert with the given output fields merged in. */
function alertWith(fields: Record<string, JsonValue>, top: Record<string, JsonValue> = {}): string {
  return stringifyJsonLossless({
    rule: "Terminal shell in container",
    priority: "Notice",
    time: "2024-11-23T10:21:33.123456789Z",
    output: "shell",
    source: "syscall",
    hostname: "gke-prod-default-pool-3f1c2a9e-7xkq",
    output_fields: { "evt.time": 1732357293123456789n, ...fields },
    ...top,
  });
}

const SAMPLE_NAMES = readdirSync(FIXTURES).filter((name) => name.endsWith(".json"));

describe("the shared samples", () => {
  it("are all present (10 files)", () => {
    expect(SAMPLE_NAMES).toHaveLength(10);
  });

  it.each(SAMPLE_NAMES)("%s parses, with a JSON-serialisable target and a 32-hex incident key", (name) => {
    const alert = fixture(name);
    expect(alert.incidentKey).toMatch(/^[0-9a-f]{32}$/);
    expect(alert.target.rejected).toEqual([]);
    expect(JSON.parse(JSON.stringify(alert.target))).toEqual(alert.target);
    // Whatever the field order, evt.time (when present) and time name the same instant.
    const evtTime = alert.outputFields["evt.time"];
    if (evtTime !== undefined) expect(evtTime).toBe(alert.timeNs);
  });

  it("keeps evt.time of the 2019 alert exact as a bigint, and derives the same timeNs from time", () => {
    const alert = fixture("2019-terminal-shell-no-pod.json");
    expect(alert.outputFields["evt.time"]).toBe(1553793029724747835n);
    expect(alert.timeNs).toBe(1553793029724747835n);
    expect(alert.time).toBe("2019-03-28T17:10:29.724747835Z");
    expect(alert.outputFields["proc.pname"]).toBeNull();
  });

  it("2019-terminal-shell-no-pod.json: container known, pod not, no source/tags/hostname", () => {
    const alert = fixture("2019-terminal-shell-no-pod.json");
    expect(alert.target).toEqual({ containerId: "06b29170462e", containerName: "nginx", rejected: [] });
    expect(alert.source).toBeUndefined();
    expect(alert.hostname).toBeUndefined();
    expect(alert.tags).toEqual([]);
  });

  it("2019-terminal-shell-pod.json: pod without namespace", () => {
    expect(fixture("2019-terminal-shell-pod.json").target).toEqual({
      pod: "nginx-falco",
      containerId: "0042056722bb",
      rejected: [],
    });
  });

  it("na-fields.json: <NA> means absent, so no pod, namespace or image; raw values kept", () => {
    const alert = fixture("na-fields.json");
    expect(alert.target).toEqual({
      node: "gke-dev-pool-1-aa11bb22-cc33",
      containerId: "3a4b5c6d7e8f",
      rejected: [],
    });
    expect(alert.target.pod).toBeUndefined();
    expect(alert.outputFields["k8s.pod.name"]).toBe("<NA>");
  });

  it("k8saudit-exec.json targets the pod being exec'd into, not the node running Falco", () => {
    const alert = fixture("k8saudit-exec.json");
    expect(alert.source).toBe("k8s_audit");
    expect(alert.target).toEqual({ namespace: "shop", pod: "frontend-6b8d9c7f5-p4k2m", rejected: [] });
    expect(alert.timeNs).toBe(1732368600123000000n);
  });

  it("host-level.json: containerId host, node from hostname, no pod", () => {
    const alert = fixture("host-level.json");
    expect(alert.target).toEqual({
      node: "gke-prod-default-pool-3f1c2a9e-7xkq",
      containerId: "host",
      containerName: "host",
      rejected: [],
    });
  });

  it("informational.json: priority Informational, severity 6, image from repository and tag", () => {
    const alert = fixture("informational.json");
    expect(alert.priority).toBe("Informational");
    expect(alert.severity).toBe(6);
    expect(alert.outputFields["user.uid"]).toBe(0);
    expect(alert.target.image).toBe("quay.io/prometheus/node-exporter:v1.8.2");
    expect(alert.timeNs).toBe(1732374000000000000n);
  });

  it("modern samples: full k8s target with pod uid and image", () => {
    expect(fixture("modern-k8s-api-contact.json").target).toEqual({
      node: "gke-prod-default-pool-3f1c2a9e-9m2p",
      namespace: "payments",
      pod: "checkout-5c8d7f9b4-q2w3e",
      podUid: "2f9c6a1e-8b3d-4c7a-9e21-5d4f3b2a1c09",
      containerId: "9c41d07be2aa",
      containerName: "api",
      image: "us-docker.pkg.dev/acme/shop/checkout:2.4.1",
      rejected: [],
    });
    const shell = fixture("modern-terminal-shell.json");
    expect(shell.tags).toEqual(["T1059", "container", "maturity_stable", "mitre_execution", "shell"]);
    expect(shell.outputFields["user.loginuid"]).toBe(-1);
  });

  it("k8smeta-fields.json: namespace, pod and uid from k8smeta.*, node from hostname", () => {
    expect(fixture("k8smeta-fields.json").target).toEqual({
      node: "gke-prod-default-pool-3f1c2a9e-4hjk",
      namespace: "tools",
      pod: "toolbox-0",
      podUid: "b8f0e6a2-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
      containerId: "e1d2c3b4a596",
      containerName: "debug",
      rejected: [],
    });
  });

  it("sidekick payload: uuid kept, time with fewer fraction digits gives Falco's timeNs", () => {
    const sidekick = fixture("sidekick-critical-drop-exec.json");
    expect(sidekick.uuid).toBe("7c3b1f0e-2a4d-4e9b-b6c1-0f8e5d2a9b47");
    expect(sidekick.time).toBe("2024-11-23T12:44:18.9001002Z");
    expect(sidekick.priority).toBe("Critical");
    expect(sidekick.severity).toBe(2);

    // The same alert as Falco itself wrote it: 9 fraction digits, no uuid.
    const falcoDocument = fixtureDocument("sidekick-critical-drop-exec.json");
    delete falcoDocument.uuid;
    falcoDocument.time = "2024-11-23T12:44:18.900100200Z";
    const falco = parseOk(stringifyJsonLossless(falcoDocument));
    expect(falco.timeNs).toBe(sidekick.timeNs);
    expect(falco.timeNs).toBe(sidekick.outputFields["evt.time"]);
    expect(falco.incidentKey).toBe(sidekick.incidentKey);
  });
});

describe("incident key", () => {
  it("is the same for a re-sent alert with another uuid and for a redelivery", () => {
    const original = fixture("sidekick-critical-drop-exec.json");
    const document = fixtureDocument("sidekick-critical-drop-exec.json");
    document.uuid = "00000000-1111-4222-8333-444444444444";
    // falcosidekick customfields/customtags may differ between replicas; they are not part of the key.
    document.tags = ["other"];
    (document.output_fields as Record<string, JsonValue>).cluster = "prod";
    expect(parseOk(stringifyJsonLossless(document)).incidentKey).toBe(original.incidentKey);
    expect(fixture("sidekick-critical-drop-exec.json").incidentKey).toBe(original.incidentKey);
  });

  it("differs between all samples, and when rule, hostname, container or time differ", () => {
    const keys = SAMPLE_NAMES.map((name) => fixture(name).incidentKey);
    expect(new Set(keys).size).toBe(keys.length);

    const base = parseOk(alertWith({ "container.id": "4b2f1a9c8d7e" })).incidentKey;
    const variants = [
      alertWith({ "container.id": "4b2f1a9c8d7e" }, { rule: "Other rule" }),
      alertWith({ "container.id": "4b2f1a9c8d7e" }, { hostname: "gke-prod-default-pool-3f1c2a9e-0000" }),
      alertWith({ "container.id": "4b2f1a9c8d7f" }),
      alertWith({}),
      alertWith({ "container.id": "4b2f1a9c8d7e" }, { time: "2024-11-23T10:21:33.123456790Z" }),
    ];
    const variantKeys = variants.map((text) => parseOk(text).incidentKey);
    expect(new Set([base, ...variantKeys]).size).toBe(variants.length + 1);
  });
});

describe("priority", () => {
  it.each([
    ["INFO", "Informational", 6],
    ["info", "Informational", 6],
    ["WARNING", "Warning", 4],
    ["emergency", "Emergency", 0],
    ["Debug", "Debug", 7],
  ])("normalises %j to %s", (input, priority, severity) => {
    const alert = parseOk(alertWith({}, { priority: input }));
    expect(alert.priority).toBe(priority);
    expect(alert.severity).toBe(severity);
  });

  it("refuses an unknown priority, naming the value", () => {
    const error = parseError(alertWith({}, { priority: "Severe" }));
    expect(error.path).toBe("$.priority");
    expect(error.message).toContain('"Severe"');
    expect(error.message).toContain("Informational");
    expect(parseError(alertWith({}, { priority: 5 })).path).toBe("$.priority");
  });
});

describe("target", () => {
  it.each([
    ["k8s.pod.name", "../../nodes/x", "pod", "DNS-1123 subdomain"],
    ["k8s.ns.name", "Shop", "namespace", "DNS-1123 label"],
    ["k8s.ns.name", "shop/../kube-system", "namespace", "DNS-1123 label"],
    ["k8s.pod.name", "p".repeat(300), "pod", "longer than 253 characters (300)"],
    ["k8s.ns.name", "n".repeat(64), "namespace", "longer than 63 characters (64)"],
    ["k8s.pod.name", "fr\u043entend", "pod", "DNS-1123 subdomain"], // Cyrillic о
    ["k8s.pod.uid", "not-a-uuid", "podUid", "pod UID"],
    ["container.id", "06B29170462E", "containerId", "container ID"],
    ["container.id", "06b29170462e; rm -rf /", "containerId", "container ID"],
    ["k8s.pod.name", 42, "pod", "expected a string, got a number"],
    ["k8s.pod.name", ["a"], "pod", "expected a string, got an array"],
  ])("refuses %s=%j: no %s, the reason is kept", (field, value, property, reason) => {
    const alert = parseOk(alertWith({ [field]: value as JsonValue }));
    expect(alert.target).not.toHaveProperty(property);
    expect(alert.target.rejected).toEqual([
      {
        field,
        value: typeof value === "string" ? value : JSON.stringify(value),
        reason: expect.stringContaining(reason),
      },
    ]);
    expect(alert.outputFields[field]).toEqual(value);
  });

  it("refuses an invalid hostname as node", () => {
    const alert = parseOk(alertWith({}, { hostname: "Node_1" }));
    expect(alert.target.node).toBeUndefined();
    expect(alert.target.rejected).toEqual([
      { field: "hostname", value: "Node_1", reason: expect.stringContaining("DNS-1123") },
    ]);
    expect(alert.hostname).toBe("Node_1");
  });

  it("treats null, empty and <NA> (also Go's \\u003cNA\\u003e escaping) as absent", () => {
    const text = alertWith({ "k8s.ns.name": null, "k8s.pod.name": "", "container.id": "x" }).replace(
      '"container.id":"x"',
      '"container.id":"\\u003cNA\\u003e"',
    );
    const alert = parseOk(text);
    expect(alert.target).toEqual({ node: "gke-prod-default-pool-3f1c2a9e-7xkq", rejected: [] });
    expect(alert.outputFields["container.id"]).toBe("<NA>");
  });

  it("refuses conflicting names from two sources instead of guessing", () => {
    const alert = parseOk(
      alertWith({ "k8s.ns.name": "shop", "k8smeta.ns.name": "kube-system", "k8s.pod.name": "web" }),
    );
    expect(alert.target.namespace).toBeUndefined();
    expect(alert.target.pod).toBe("web");
    expect(alert.target.rejected).toEqual([
      { field: "k8smeta.ns.name", value: "kube-system", reason: 'conflicts with k8s.ns.name="shop"' },
    ]);
    // Agreeing sources are fine (k8s.pod.id is the legacy name of k8s.pod.uid).
    const uid = "2f9c6a1e-8b3d-4c7a-9e21-5d4f3b2a1c09";
    expect(parseOk(alertWith({ "k8s.pod.uid": uid, "k8s.pod.id": uid })).target.podUid).toBe(uid);
    expect(parseOk(alertWith({ "k8s.pod.id": uid })).target.podUid).toBe(uid);
  });

  it("reads the cluster from the configured output field", () => {
    expect(parseOk(alertWith({ cluster: "prod-eu" })).target.cluster).toBe("prod-eu");
    const custom = parseOk(alertWith({ cluster: "ignored", gke_cluster: "prod-us" }), {
      clusterField: "gke_cluster",
    });
    expect(custom.target.cluster).toBe("prod-us");
    expect(parseOk(alertWith({ cluster: "Prod EU" })).target.rejected[0]?.field).toBe("cluster");
  });

  it("takes the namespace of any audited object from ka.target.namespace, the pod only when it is a pod", () => {
    const audit = (resource: string) =>
      parseOk(
        alertWith(
          { "ka.target.resource": resource, "ka.target.namespace": "shop", "ka.target.name": "db-password" },
          { source: "k8s_audit", rule: "Read secret" },
        ),
      ).target;
    expect(audit("secrets")).toEqual({ namespace: "shop", rejected: [] });
    expect(audit("pods")).toEqual({ namespace: "shop", pod: "db-password", rejected: [] });
  });

  it("names no target for Falco's internal alerts", () => {
    const drop = parseOk(
      stringifyJsonLossless({
        hostname: "gke-prod-default-pool-3f1c2a9e-7xkq",
        output: "Falco internal: syscall event drop. 12 system calls dropped in last second.",
        output_fields: { ebpf_enabled: "1", n_drops: "12", n_drops_buffer_total: "12", n_evts: "1000" },
        priority: "Debug",
        rule: "Falco internal: syscall event drop",
        source: "internal",
        time: "2024-11-23T10:00:00.000000000Z",
      }),
    );
    expect(drop.target).toEqual({ rejected: [] });
    expect(drop.tags).toEqual([]);
    const sidekickTest = parseOk(
      '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2024-11-23T10:00:00Z","output_fields":{"proc.name":"falcosidekick","user.name":"falcosidekick"},"source":"internal","hostname":"falcosidekick","tags":["example","test"],"uuid":"5f6a7b8c-0000-4000-8000-000000000000"}',
    );
    expect(sidekickTest.target).toEqual({ rejected: [] });
  });

  it("prefers repository:tag, falls back to container.image, refuses a bad tag", () => {
    const image = (fields: Record<string, JsonValue>) => parseOk(alertWith(fields)).target;
    expect(image({ "container.image.repository": "nginx", "container.image.tag": "<NA>" }).image).toBe(
      "nginx",
    );
    expect(image({ "container.image": "docker.io/library/nginx:1.25" }).image).toBe(
      "docker.io/library/nginx:1.25",
    );
    const badTag = image({ "container.image.repository": "nginx", "container.image.tag": "1.25 evil" });
    expect(badTag.image).toBeUndefined();
    expect(badTag.rejected[0]?.field).toBe("container.image.tag");
  });

  it("uses container.full_id when container.id is missing", () => {
    const full = "a".repeat(64);
    expect(parseOk(alertWith({ "container.full_id": full })).target.containerId).toBe(full);
    expect(
      parseOk(alertWith({ "container.id": "aaaaaaaaaaaa", "container.full_id": full })).target.containerId,
    ).toBe("aaaaaaaaaaaa");
  });
});

describe("shape and errors", () => {
  it("keeps integers past 2^64 and evt.time.iso8601 exact", () => {
    const text = alertWith({ "evt.time.iso8601": 1732357293123456789n, huge: 36893488147419103233n });
    const alert = parseOk(text);
    expect(alert.outputFields["evt.time.iso8601"]).toBe(1732357293123456789n);
    expect(alert.outputFields.huge).toBe(36893488147419103233n);
  });

  it("keeps unknown top-level keys in extra, and __proto__ keys pollute nothing", () => {
    const text = alertWith({}).replace(
      /^\{/,
      '{"message":"A shell was spawned","__proto__":{"polluted":true},"constructor":"x",',
    );
    const alert = parseOk(text);
    expect(Object.keys(alert.extra)).toEqual(["message", "__proto__", "constructor"]);
    expect(alert.extra.message).toBe("A shell was spawned");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(alert.extra)).toBeNull();
  });

  it("accepts output_fields with __proto__ as an ordinary field", () => {
    const alert = parseOk(
      '{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","output":"o","output_fields":{"__proto__":"x","k8s.pod.name":"web"}}',
    );
    expect(Object.hasOwn(alert.outputFields, "__proto__")).toBe(true);
    expect(alert.target.pod).toBe("web");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("accepts missing output, output_fields and tags (Falco options that turn them off)", () => {
    const alert = parseOk('{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z"}');
    expect(alert.output).toBe("");
    expect(Object.keys(alert.outputFields)).toEqual([]);
    expect(alert.tags).toEqual([]);
    expect(
      parseOk('{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","output_fields":null}')
        .outputFields,
    ).toEqual({});
  });

  it.each([
    ["[1,2]", "$", "expected a JSON object"],
    ["null", "$", "expected a JSON object"],
    ['{"priority":"Notice","time":"2024-11-23T10:00:00Z"}', "$.rule", "missing"],
    ['{"rule":"","priority":"Notice","time":"2024-11-23T10:00:00Z"}', "$.rule", "non-empty string"],
    ['{"rule":"r","time":"2024-11-23T10:00:00Z"}', "$.priority", "missing"],
    ['{"rule":"r","priority":"Notice"}', "$.time", "missing"],
    ['{"rule":"r","priority":"Notice","time":1732357293}', "$.time", "the number 1732357293"],
    ['{"rule":"r","priority":"Notice","time":"2024-11-23T25:00:00Z"}', "$.time", '"2024-11-23T25:00:00Z"'],
    [
      '{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","output":5}',
      "$.output",
      "expected a string",
    ],
    [
      '{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","tags":["a",1]}',
      "$.tags[1]",
      "string tag",
    ],
    ['{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","tags":"a"}', "$.tags", "array"],
    [
      '{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","output_fields":[]}',
      "$.output_fields",
      "object",
    ],
    ['{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","hostname":{}}', "$.hostname", "string"],
    [
      '{"rule":"r","output_fields":{"k8s.pod.name":"a\u0001"}}',
      '$.output_fields["k8s.pod.name"]',
      "invalid JSON",
    ],
    [
      '{"rule":"r","output_fields":{"k8s.pod.name":"a","k8s.pod.name":"b"}}',
      '$.output_fields["k8s.pod.name"]',
      "duplicate",
    ],
    ["", "$", "invalid JSON"],
  ])("%s → error at %s", (input, path, message) => {
    const error = parseError(input);
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
  });

  it("turns 100k nested brackets into an error, without throwing", () => {
    const error = parseError(`{"rule":"r","output_fields":{"x":${"[".repeat(100_000)}`);
    expect(error.path).toMatch(/^\$\.output_fields\.x(\[0\])+$/);
    expect(error.message).toContain("nesting deeper than 64 levels");
  });

  it("refuses invalid UTF-8 bytes and accepts a leading BOM in bytes", () => {
    expect(parseError(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({
      path: "$",
      message: "the payload is not valid UTF-8",
    });
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...fixtureBytes("host-level.json")]);
    expect(parseOk(bom).rule).toBe("Write below etc");
  });
});
