import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { rbacManifestFor, serviceAccountEmail } from "./rbac.js";
import { loadServices, repoRoot } from "./services.js";

// Loading every descriptor imports each service's dependencies: slow on a busy machine.
describe("generated RBAC", { timeout: 60_000 }, () => {
  it("the committed manifests are exactly what the descriptors say (run `npx riposte rbac generate`)", async () => {
    const services = await loadServices();
    const withAccess = services
      .filter((service) => service.descriptor.kubernetes.length > 0)
      .map((s) => s.descriptor.name);
    expect(withAccess.sort()).toEqual(["capture", "isolator", "node-capturer", "pod-killer", "tainter"]);
    for (const { descriptor } of services) {
      const file = join(repoRoot(), "infra", "k8s", "rbac", `${descriptor.name}.yaml`);
      const manifest = rbacManifestFor(descriptor);
      if (!manifest) {
        expect(existsSync(file), `${descriptor.name} needs no RBAC`).toBe(false);
        continue;
      }
      expect(readFileSync(file, "utf8"), file).toBe(manifest);
    }
  });

  it("binds a ClusterRole with exactly the declared rules to the service's Google account", async () => {
    const podKiller = (await loadServices()).find((s) => s.descriptor.name === "pod-killer")?.descriptor;
    if (!podKiller) throw new Error("no pod-killer");
    const [role, binding] = parseAllDocuments(rbacManifestFor(podKiller, "acme") ?? "").map((doc) =>
      doc.toJS(),
    );
    expect(role.rules).toEqual(
      podKiller.kubernetes.map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs })),
    );
    expect(binding.subjects).toEqual([
      {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "User",
        name: serviceAccountEmail("pod-killer", "acme"),
      },
    ]);
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "riposte-pod-killer",
    });
  });

  it("emits each launched workload's namespace and Kubernetes service account, annotated with its Google account", async () => {
    const podKiller = (await loadServices()).find((s) => s.descriptor.name === "pod-killer")?.descriptor;
    if (!podKiller) throw new Error("no pod-killer");
    const launcher = {
      ...podKiller,
      workloadIdentities: [
        {
          kubernetesServiceAccount: "riposte-node-capture",
          namespace: "riposte",
          gcpServiceAccountId: "riposte-node-capture",
          buckets: [{ bucket: "evidence", roles: ["roles/storage.objectCreator"] }],
          reason: "uploads the node capture",
        },
      ],
    } as const;
    const documents = parseAllDocuments(rbacManifestFor(launcher, "acme") ?? "").map((doc) => doc.toJS());
    // The namespace before the account in it, both before the RBAC (kubectl applies them in order).
    expect(documents.map((document) => document.kind)).toEqual([
      "Namespace",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
    ]);
    expect(documents[0].metadata.name).toBe("riposte");
    expect(documents[1].metadata).toMatchObject({
      name: "riposte-node-capture",
      namespace: "riposte",
      annotations: { "iam.gke.io/gcp-service-account": "riposte-node-capture@acme.iam.gserviceaccount.com" },
    });
    // Without Kubernetes verbs, the workloads alone.
    const kinds = parseAllDocuments(rbacManifestFor({ ...launcher, kubernetes: [] }, "acme") ?? "").map(
      (doc) => doc.toJS().kind,
    );
    expect(kinds).toEqual(["Namespace", "ServiceAccount"]);
  });

  it("grants a namespaced permission in its namespace only: node-capturer may create Jobs in riposte, nowhere else", async () => {
    const nodeCapturer = (await loadServices()).find(
      (s) => s.descriptor.name === "node-capturer",
    )?.descriptor;
    if (!nodeCapturer) throw new Error("no node-capturer");
    const documents = parseAllDocuments(rbacManifestFor(nodeCapturer, "acme") ?? "").map((doc) => doc.toJS());
    const ofKind = (kind: string) => documents.filter((document) => document.kind === kind);
    const [clusterRole] = ofKind("ClusterRole");
    expect(clusterRole.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ]);
    expect(JSON.stringify(ofKind("ClusterRole"))).not.toContain("jobs");
    expect(ofKind("Role")).toEqual([
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: expect.objectContaining({ name: "riposte-node-capturer", namespace: "riposte" }),
        rules: [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list"] }],
      },
    ]);
    expect(ofKind("RoleBinding")).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: "riposte-node-capturer", namespace: "riposte" }),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "riposte-node-capturer" },
        subjects: [
          {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "User",
            name: serviceAccountEmail("node-capturer", "acme"),
          },
        ],
      }),
    ]);
    // The namespace exists before its Role: kubectl applies the file's documents in order.
    const kinds = documents.map((document) => document.kind);
    expect(kinds.indexOf("Namespace")).toBeLessThan(kinds.indexOf("Role"));
  });
});
