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
    expect(withAccess.sort()).toEqual(["isolator", "pod-killer", "tainter"]);
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
});
