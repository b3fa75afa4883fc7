// The action catalogue: one row per action, every other spelling of its name derived from it.
import { describe, expect, it } from "vitest";
import { ACTION_KINDS, ACTIONS, durationMs, snakeCase, Topics } from "./index.js";

describe("action catalogue", () => {
  it("derives the command kind and the Event reason from the action's name, and names its service", () => {
    expect(ACTIONS["kill-pod"]).toMatchObject({
      name: "kill-pod",
      kind: "KillPod",
      service: "pod-killer",
      topic: "pod-killer",
      eventReason: "RiposteKillPod",
    });
    expect(ACTIONS["export-finding"]).toMatchObject({ kind: "ExportFinding", service: "scc-exporter" });
  });

  it("is where the topics, the kinds and the params come from", () => {
    for (const action of Object.values(ACTIONS)) {
      expect(ACTION_KINDS[action.name]).toEqual({ kind: action.kind, topic: action.topic });
      expect(Object.values(Topics)).toContain(action.topic);
    }
    expect(Topics.podKiller).toBe("pod-killer");
    expect(Topics.sccExporter).toBe("scc-exporter");
    expect(ACTIONS["kill-pod"].params.parse({})).toEqual({ gracePeriodSeconds: 0 });
    expect(snakeCase("gracePeriodSeconds")).toBe("grace_period_seconds");
  });

  it("gives every param a meaning (a `.describe()`: the README's param table is generated from it)", () => {
    for (const action of Object.values(ACTIONS)) {
      for (const [param, schema] of Object.entries(action.params.shape)) {
        expect(schema.description, `${action.name} ${param}`).toMatch(/\w/);
      }
    }
  });
});

describe("isolate-pod's ttl (a quarantine lease)", () => {
  const params = ACTIONS["isolate-pod"].params;

  it.each(["0s", "-1h", "999999h", "1e3h", "31d", "24", "h", "1.5h", " 24h", "24h ", "1h30m", "0x10h"])(
    "refuses %j, naming the param",
    (ttl) => {
      const parsed = params.safeParse({ ttl });
      expect(parsed.success).toBe(false);
      const [issue] = parsed.error?.issues ?? [];
      expect(issue?.path).toEqual(["ttl"]);
      expect(issue?.message).toMatch(/^ttl /);
    },
  );

  it("takes a duration in s, m, h or d from 1 minute to 30 days, and says how long it is", () => {
    for (const ttl of ["24h", "90m", "60s", "30d", "720h"])
      expect(params.parse({ ttl })).toEqual({ allowDns: false, ttl });
    expect(params.parse({})).toEqual({ allowDns: false });
    expect(durationMs("90m")).toBe(90 * 60_000);
    expect(durationMs("30d")).toBe(30 * 86_400_000);
    expect(ACTIONS["isolate-pod"].params.shape.ttl.description).toMatch(/lease/);
  });
});

describe("capture's params", () => {
  const params = ACTIONS.capture.params;
  it("defaults: the last 1 MiB of each log, uploads retried for 45 s", () => {
    expect(params.parse({})).toEqual({ logBytes: 1_048_576, retryFor: "45s" });
  });
  it.each([
    [{ logBytes: 10 }, /logBytes|>=1024/],
    [{ logBytes: 17 * 1_048_576 }, /logBytes|<=16777216/],
    [{ retryFor: "4s" }, /must be from 5s to 5m/],
    [{ retryFor: "6m" }, /must be from 5s to 5m/],
    [{ retryFor: "soon" }, /expected a duration such as 45s/],
    [{ log_bytes: 1024 }, /log_bytes/],
  ])("refuses %j", (input, message) => {
    const parsed = params.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
  });
});

describe("capture-node's params", () => {
  const params = ACTIONS["capture-node"].params;
  it("defaults: pinned images, 30 s, 500m and 512Mi", () => {
    expect(params.parse({})).toEqual({
      image: "docker.io/sysdig/sysdig:0.38.1",
      uploaderImage: "gcr.io/google.com/cloudsdktool/google-cloud-cli:524.0.0-slim",
      durationSeconds: 30,
      cpu: "500m",
      memory: "512Mi",
    });
  });
  it.each([
    { image: `registry.example:5000/sysdig/sysdig@sha256:${"a".repeat(64)}` },
    { durationSeconds: 5, cpu: "1", memory: "1Gi" },
    { durationSeconds: 300, cpu: "0.5", memory: "64Mi" },
  ])("accepts %j", (input) => {
    expect(params.safeParse(input).success).toBe(true);
  });
  it.each([
    [{ durationSeconds: 4 }, />=5/],
    [{ durationSeconds: 301 }, /<=300/],
    [{ image: "sysdig/sysdig" }, /pin the image by a tag or a digest/],
    [{ image: "sysdig/sysdig:latest" }, /not latest/],
    [{ image: "registry.example:5000/sysdig" }, /pin the image/],
    [{ image: "sysdig:1; rm -rf /" }, /is not an image reference/],
    [{ image: "$(curl evil)" }, /is not an image reference/],
    [{ uploaderImage: "-v:1" }, /is not an image reference/],
    [{ uploaderImage: "a b:1" }, /is not an image reference/],
    [{ cpu: "3" }, /CPU quantity from 50m to 2/],
    [{ cpu: "10m" }, /CPU quantity/],
    [{ cpu: "500m; x" }, /CPU quantity/],
    [{ memory: "8Gi" }, /memory quantity from 64Mi to 4Gi/],
    [{ memory: "512" }, /memory quantity/],
    [{ duration_seconds: 10 }, /duration_seconds/],
  ])("refuses %j", (input, message) => {
    const parsed = params.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
  });
});
