// infra/falco/*.yaml: they parse, use only keys the charts define, and say what Riposte needs — JSON
// alerts with the node as hostname, falcosidekick's Pub/Sub output to the topic the topology reads,
// the cluster field the router reads, a minimumpriority falcosidekick accepts, Workload Identity.
// The charts cannot be downloaded here: the expected keys come from Falco's documentation of its
// outputs and chart settings (cited "falco docs"), and the others from the charts' values.yaml (falcosecurity/charts, falco 9.1.0,
// falcosidekick 0.13+), cited as "chart".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Topics } from "@riposte/contracts";
import routerDescriptor from "@riposte/router/descriptor";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FALCOSIDEKICK_KUBERNETES_ACCOUNT, FALCOSIDEKICK_SERVICE_ACCOUNT_ID } from "../deploy/plan.js";
import { repoRoot } from "../services.js";

const dir = join(repoRoot(), "infra", "falco");
type Values = Record<string, unknown>;
const load = (file: string) => parse(readFileSync(join(dir, file), "utf8")) as Values;
const falco = load("falco-values.yaml");
const sidekick = load("falcosidekick-values.yaml");
const audit = load("falco-k8saudit-gke-values.yaml");

/** Leaf paths (`a.b.c`); arrays are leaves (their items are values, not chart keys). */
function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}
const at = (values: Values, path: string): unknown =>
  path.split(".").reduce<unknown>((node, key) => (node as Values | undefined)?.[key], values);

/** Keys of the falco chart these files may set, each with where it is documented. */
const FALCO_CHART_KEYS: Record<string, string> = {
  "driver.kind": "falco docs (kmod | modern_ebpf | auto)",
  "driver.enabled": "chart",
  falcoHostnameEnv: "falco docs (FALCO_HOSTNAME = spec.nodeName)",
  tolerations: "chart",
  "falcosidekick.enabled": "falco docs",
  "falco.json_output": "falco docs",
  "falco.json_include_output_property": "falco docs",
  "falco.json_include_tags_property": "falco docs",
  "falco.http_output.enabled": "falco docs",
  "falco.http_output.url": "falco docs (http://<sidekick>:2801)",
  "falco.rules_files": "chart",
  "falco.load_plugins": "chart",
  "falco.plugins": "chart",
  "falcoctl.config.artifact.install.refs": "falco docs",
  "falcoctl.config.artifact.follow.refs": "falco docs",
  "falcoctl.config.artifact.allowedTypes": "chart",
  "collectors.enabled": "chart",
  "controller.kind": "chart",
  "controller.deployment.replicas": "chart",
  "serviceAccount.create": "chart",
  "serviceAccount.name": "chart",
};

/** Keys of the falcosidekick chart (≥ 0.13.0). */
const SIDEKICK_CHART_KEYS: Record<string, string> = {
  "config.customfields": "falco docs (CUSTOMFIELDS, k:v,k:v)",
  "config.gcp.credentials": "falco docs (empty = ADC / Workload Identity)",
  "config.gcp.workloadIdentityServiceAccount": "falco docs (falcosidekick chart >= 0.13.0 only)",
  "config.gcp.pubsub.projectid": "falco docs",
  "config.gcp.pubsub.topic": "falco docs",
  "config.gcp.pubsub.minimumpriority": "falco docs",
};

// falcosidekick's validation of minimumpriority, as in its config.go: anything else is
// reset to "" and filters nothing.
const SIDEKICK_PRIORITY = /^(emergency|alert|critical|error|warning|notice|informational|debug)$/i;
const SIDEKICK_URL = `http://${FALCOSIDEKICK_KUBERNETES_ACCOUNT.name}.${FALCOSIDEKICK_KUBERNETES_ACCOUNT.namespace}.svc.cluster.local:2801/`;

describe("falco chart values", () => {
  it("sets only keys the falco chart defines", () => {
    for (const [file, values] of [
      ["falco-values.yaml", falco],
      ["falco-k8saudit-gke-values.yaml", audit],
    ] as const) {
      const unknown = leafPaths(values).filter((path) => !(path in FALCO_CHART_KEYS));
      expect(unknown, file).toEqual([]);
    }
  });

  it("runs modern eBPF on every node, names the node as hostname, and writes JSON alerts", () => {
    expect(at(falco, "driver.kind")).toBe("modern_ebpf");
    expect(at(falco, "falcoHostnameEnv")).toBe(true);
    expect(at(falco, "falco.json_output")).toBe(true);
    expect(at(falco, "falco.json_include_output_property")).toBe(true);
    expect(at(falco, "falco.json_include_tags_property")).toBe(true);
    // Riposte's tainter taints compromised nodes (NoExecute evicts what does not tolerate it).
    expect(at(falco, "tolerations")).toContainEqual({ operator: "Exists" });
  });

  it("sends alerts to the separate falcosidekick release, not the bundled 0.12.x one", () => {
    expect(at(falco, "falcosidekick.enabled")).toBe(false);
    expect(at(falco, "falco.http_output.enabled")).toBe(true);
    expect(at(falco, "falco.http_output.url")).toBe(SIDEKICK_URL);
  });

  it("the optional audit release loads k8saudit-gke and json, with the audit rules", () => {
    expect(at(audit, "driver.enabled")).toBe(false);
    const plugins = at(audit, "falco.plugins") as {
      name: string;
      library_path: string;
      open_params?: string;
    }[];
    expect(plugins.map((plugin) => plugin.name)).toEqual(["k8saudit-gke", "json"]);
    expect(at(audit, "falco.load_plugins")).toEqual(["k8saudit-gke", "json"]);
    expect(plugins[0]?.open_params).toBeTruthy();
    expect(at(audit, "falco.rules_files")).toContain("/etc/falco/k8s_audit_rules.yaml");
    expect(at(audit, "falcoctl.config.artifact.install.refs")).toEqual(
      expect.arrayContaining(["k8saudit-rules", "k8saudit-gke", "json"]),
    );
    expect(at(audit, "falco.http_output.url")).toBe(SIDEKICK_URL);
  });
});

describe("falcosidekick chart values", () => {
  it("sets only keys the falcosidekick chart defines", () => {
    expect(leafPaths(sidekick).filter((path) => !(path in SIDEKICK_CHART_KEYS))).toEqual([]);
  });

  it("publishes to the topic the router reads, with a minimumpriority falcosidekick accepts", () => {
    expect(at(sidekick, "config.gcp.pubsub.topic")).toBe(Topics.falcoEvents);
    expect(routerDescriptor.inputs[0]?.topic).toBe(Topics.falcoEvents);
    const priority = at(sidekick, "config.gcp.pubsub.minimumpriority");
    expect(priority).toMatch(SIDEKICK_PRIORITY);
    expect(priority).not.toBe("info");
    expect(at(sidekick, "config.gcp.pubsub.projectid")).toBeTruthy();
  });

  it("adds the cluster field the router reads, in falcosidekick's k:v form", () => {
    const customfields = String(at(sidekick, "config.customfields"));
    const entries = customfields.split(",").map((entry) => entry.split(":"));
    // Entries that do not split into exactly two parts are silently dropped by falcosidekick (its config.go).
    expect(entries.every((parts) => parts.length === 2 && parts[0] && parts[1])).toBe(true);
    const clusterField = routerDescriptor.env.shape.CLUSTER_FIELD.parse(undefined);
    expect(entries.map((parts) => parts[0])).toContain(clusterField);
  });

  it("uses Workload Identity with the account the deploy plan creates, and no key", () => {
    expect(at(sidekick, "config.gcp.credentials")).toBe("");
    expect(at(sidekick, "config.gcp.workloadIdentityServiceAccount")).toBe(
      `${FALCOSIDEKICK_SERVICE_ACCOUNT_ID}@PROJECT_ID.iam.gserviceaccount.com`,
    );
  });
});

describe("README: Install Falco on GKE", () => {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Install Falco on GKE"));

  it("installs falcosidekick >= 0.13.0 as its own release with these values", () => {
    expect(readme).toContain("## Install Falco on GKE");
    expect(section).toMatch(
      /helm upgrade --install falcosidekick falcosecurity\/falcosidekick[^\n]*\n?[^\n]*--version '>=0\.13\.0'/,
    );
    expect(section).toContain("infra/falco/falcosidekick-values.yaml");
    expect(section).toContain("infra/falco/falco-values.yaml");
  });

  it("binds falcosidekick's Kubernetes service account to its Google account", () => {
    const { namespace, name } = FALCOSIDEKICK_KUBERNETES_ACCOUNT;
    expect(section).toContain(`.svc.id.goog[${namespace}/${name}]`);
    expect(section).toContain("roles/iam.workloadIdentityUser");
  });
});
