// The actioners' environment: protected namespaces only ever add to the defaults, the one opt-out is
// exact, loud and bounded, and Google credentials go to googleapis.com only.
import { ConfigError, createLogger, loadConfig } from "@riposte/service-kit";
import { createMemoryPublisher } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import type { KubernetesAction } from "./action.js";
import { safetyPolicyFrom } from "./config.js";
import { protectedNamespaceReason } from "./policy.js";
import { actionerEnvSchema, runnerDepsFromKit } from "./service.js";
import { ledgerForTest } from "./testing.js";

const CLUSTERS = JSON.stringify({ local: "http://127.0.0.1:1" });
const configOf = (env: Record<string, string>) => loadConfig(actionerEnvSchema, { CLUSTERS, ...env });
const policyOf = (env: Record<string, string>) => safetyPolicyFrom(configOf(env));
const problemsOf = (load: () => unknown): string => {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join("\n");
  }
  throw new Error("expected a ConfigError");
};

const DEFAULT_EXAMPLES = ["kube-system", "kube-public", "kube-node-lease", "gke-managed-cim", "gmp-system"];

describe("PROTECTED_NAMESPACES", () => {
  it("adds to the defaults: setting it to payments keeps kube-system, gke-*, gmp-*, falco and riposte", () => {
    const policy = policyOf({ PROTECTED_NAMESPACES: "payments" });
    for (const namespace of [...DEFAULT_EXAMPLES, "falco", "riposte", "payments"]) {
      expect(protectedNamespaceReason(policy, namespace), namespace).toBeDefined();
    }
    expect(protectedNamespaceReason(policy, "shop")).toBeUndefined();
  });

  it("`*` protects every namespace", () => {
    const policy = policyOf({ PROTECTED_NAMESPACES: "*" });
    for (const namespace of ["shop", "payments", ...DEFAULT_EXAMPLES])
      expect(protectedNamespaceReason(policy, namespace), namespace).toBeDefined();
  });

  it.each([
    ["Payments", "uppercase never matches a namespace"],
    ["kube system", "a space"],
    ["shop/web", "a slash"],
    ["a".repeat(64), "longer than a namespace"],
  ])("refuses %j (%s) naming the variable and the item", (value) => {
    expect(problemsOf(() => configOf({ PROTECTED_NAMESPACES: value }))).toMatch(
      new RegExp(`PROTECTED_NAMESPACES: .*${JSON.stringify(value.slice(0, 20)).slice(1, -1)}`),
    );
  });
});

describe("UNPROTECT_NAMESPACES (the opt-out)", () => {
  it("exempts exactly the names it lists from the defaults, nothing else", () => {
    const policy = policyOf({ UNPROTECT_NAMESPACES: "gke-managed-cim" });
    expect(protectedNamespaceReason(policy, "gke-managed-cim")).toBeUndefined();
    expect(protectedNamespaceReason(policy, "gke-other")).toBeDefined();
    expect(protectedNamespaceReason(policy, "kube-system")).toBeDefined();
  });

  it.each([
    ["*", /exact namespace names, not globs/],
    ["gke-*", /exact namespace names, not globs/],
    ["falco", /Falco's namespace, always protected/],
    ["riposte", /Riposte's own namespace, always protected/],
    ["shop", /not protected by default/],
    ["Kube-System", /not a namespace name/],
  ])("refuses %j with a clear config error", (value, message) => {
    expect(problemsOf(() => policyOf({ UNPROTECT_NAMESPACES: value }))).toMatch(message);
  });

  it("refuses a name that PROTECTED_NAMESPACES also protects", () => {
    expect(
      problemsOf(() => policyOf({ PROTECTED_NAMESPACES: "gke-*", UNPROTECT_NAMESPACES: "gke-managed-cim" })),
    ).toMatch(/UNPROTECT_NAMESPACES: gke-managed-cim is also protected by PROTECTED_NAMESPACES \("gke-\*"\)/);
  });

  it("is reported together with a bad GKE_API_ENDPOINT, so both are fixed in one go", () => {
    const config = configOf({ UNPROTECT_NAMESPACES: "falco", GKE_API_ENDPOINT: "https://evil.com" });
    const problems = problemsOf(() =>
      runnerDepsFromKit(noAction, kitOf(config), "pod-killer", ledgerForTest()),
    );
    expect(problems).toMatch(/UNPROTECT_NAMESPACES: falco/);
    expect(problems).toMatch(/GKE_API_ENDPOINT: "https:\/\/evil.com"/);
  });

  it("is logged as a warning when the service starts", () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: "test",
      destination: { write: (line: string) => lines.push(line) },
    });
    const config = configOf({ UNPROTECT_NAMESPACES: "kube-public" });
    runnerDepsFromKit(
      noAction,
      { config, logger, publisher: createMemoryPublisher() },
      "pod-killer",
      ledgerForTest(),
    );
    const warning = lines.map((line) => JSON.parse(line)).find((entry) => entry.severity === "WARNING");
    expect(warning?.message).toMatch(/UNPROTECT_NAMESPACES.*kube-public/);
  });
});

describe("FALCO_NAMESPACE and RIPOSTE_NAMESPACE", () => {
  it.each(["FALCO_NAMESPACE", "RIPOSTE_NAMESPACE"])(
    '%s is trimmed: "falco-system " protects falco-system',
    (variable) => {
      const policy = policyOf({ [variable]: " falco-system " });
      expect(protectedNamespaceReason(policy, "falco-system")).toBeDefined();
    },
  );

  it.each([
    ["FALCO_NAMESPACE", "Falco"],
    ["FALCO_NAMESPACE", "falco system"],
    ["FALCO_NAMESPACE", " "],
    ["RIPOSTE_NAMESPACE", "riposte/prod"],
    ["RIPOSTE_NAMESPACE", "r*"],
    ["RIPOSTE_NAMESPACE", "a".repeat(64)],
  ])("%s=%j is a config error naming the variable", (variable, value) => {
    expect(problemsOf(() => configOf({ [variable]: value }))).toMatch(
      new RegExp(`^${variable}: .*namespace name`),
    );
  });

  it.each([
    [{ FALCO_NAMESPACE: "kube-system ", UNPROTECT_NAMESPACES: "kube-system" }, /Falco's namespace/],
    [{ RIPOSTE_NAMESPACE: " kube-public", UNPROTECT_NAMESPACES: " kube-public " }, /Riposte's own namespace/],
  ])("UNPROTECT_NAMESPACES can never name them, spaces or not: %j", (env, message) => {
    expect(problemsOf(() => policyOf(env))).toMatch(message);
  });
});

describe("GKE_API_ENDPOINT", () => {
  it.each([
    "http://container.googleapis.com",
    "https://container.googleapis.com.evil.com",
    "https://evil.com#.googleapis.com",
    "https://evil.com?.googleapis.com",
    "https://evil.com/.googleapis.com",
    "https://user:pass@container.googleapis.com",
    "https://container.googleapis.com@evil.com",
    "https://container.googleapis.com:8443",
    "https://container.googleapis.com/v1/../../evil",
    "https://googleapis.com.",
    "https://evilgoogleapis.com",
    "https://127.0.0.1",
    // Any other googleapis.com host may serve what its owner wants: a public bucket's object as the
    // "cluster" answer would send the token to the attacker's endpoint.
    "https://attacker-bucket.storage.googleapis.com",
    "https://storage.googleapis.com",
    "https://googleapis.com",
    "https://europe-west1-container.googleapis.com",
    "https://container.googleapis.com.",
  ])("refuses %s unless the test-only flag is set", (endpoint) => {
    const config = configOf({ GKE_API_ENDPOINT: endpoint });
    expect(
      problemsOf(() => runnerDepsFromKit(noAction, kitOf(config), "pod-killer", ledgerForTest())),
    ).toMatch(/GKE_API_ENDPOINT: .*RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT/);
  });

  it.each([
    "https://container.googleapis.com",
    "https://container.googleapis.com/",
    "https://CONTAINER.googleapis.com:443",
  ])("accepts %s", (endpoint) => {
    expect(() =>
      runnerDepsFromKit(noAction, kitOf(configOf({ GKE_API_ENDPOINT: endpoint })), "x", ledgerForTest()),
    ).not.toThrow();
  });

  it("accepts a local fake of the GKE API only with RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT=true", () => {
    const config = configOf({
      GKE_API_ENDPOINT: "http://127.0.0.1:8089",
      RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT: "true",
    });
    expect(() => runnerDepsFromKit(noAction, kitOf(config), "pod-killer", ledgerForTest())).not.toThrow();
  });
});

const noAction = { limits: [] } as unknown as KubernetesAction;
const kitOf = (config: ReturnType<typeof configOf>) => ({
  config,
  logger: createLogger({ service: "test", level: "silent" }),
  publisher: createMemoryPublisher(),
});

describe("BLAST_RADIUS_LIMITS and the ledger's settings", () => {
  const killLimits = [
    { name: "pod kills per namespace", scope: "namespace", max: 5, windowMs: 60_000 },
    { name: "pod kills per cluster", scope: "cluster", max: 20, windowMs: 60_000 },
  ] as const;
  const killAction = { limits: killLimits } as unknown as KubernetesAction;

  it("replaces the max of the limits it names, the others as the action has them", () => {
    const config = configOf({ BLAST_RADIUS_LIMITS: '{"pod kills per namespace": 2}' });
    expect(runnerDepsFromKit(killAction, kitOf(config), "pod-killer", ledgerForTest()).limits).toEqual([
      { ...killLimits[0], max: 2 },
      killLimits[1],
    ]);
  });

  it("stops the service at start-up for a name the action does not have, naming its limits", () => {
    const config = configOf({ BLAST_RADIUS_LIMITS: '{"pod kill per namespace": 2}' });
    expect(
      problemsOf(() => runnerDepsFromKit(killAction, kitOf(config), "pod-killer", ledgerForTest())),
    ).toMatch(
      /BLAST_RADIUS_LIMITS: "pod kill per namespace" is not a limit of this action \(its limits: "pod kills per namespace", "pod kills per cluster"\)/,
    );
  });

  it.each(["not json", '{"pod kills per namespace": 0}', '{"pod kills per namespace": 2.5}', "[2]"])(
    "refuses %j",
    (value) => {
      expect(() => configOf({ BLAST_RADIUS_LIMITS: value })).toThrow(ConfigError);
    },
  );

  it("the emulator address is host:port only; the defaults need nothing set", () => {
    expect(() => configOf({ FIRESTORE_EMULATOR_HOST: "http://127.0.0.1:8080" })).toThrow(ConfigError);
    expect(configOf({ FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" }).FIRESTORE_EMULATOR_HOST).toBe(
      "127.0.0.1:8080",
    );
    expect(configOf({})).toMatchObject({
      LEDGER_DATABASE: "(default)",
      LEDGER_TIMEOUT_MS: 10_000,
      LEDGER_TTL_DAYS: 90,
    });
  });
});
