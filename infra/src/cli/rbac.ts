// `riposte rbac generate`: writes infra/k8s/rbac/<service>.yaml from the service descriptors.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_PLACEHOLDER, rbacManifestFor } from "../rbac.js";
import { loadServices, repoRoot } from "../services.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";

const usage = `Usage: riposte rbac generate [--project P] [--out DIR]

Writes one ClusterRole + ClusterRoleBinding per service that needs Kubernetes access, derived from
its descriptor, bound to riposte-<service>@P.iam.gserviceaccount.com (default P: ${PROJECT_PLACEHOLDER},
the placeholder the committed files carry). Default DIR: infra/k8s/rbac. Apply with kubectl apply -f DIR.`;

export const rbacCommand: Command = {
  name: "rbac",
  summary: "generate the Kubernetes RBAC manifests of each service",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      project: { type: "string" },
      out: { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (positionals[0] !== "generate") throw new UsageError(`expected generate\n\n${usage}`);
    const out = values.out ?? join(repoRoot(), "infra", "k8s", "rbac");
    mkdirSync(out, { recursive: true });
    for (const { descriptor } of await loadServices()) {
      const manifest = rbacManifestFor(descriptor, values.project ?? PROJECT_PLACEHOLDER);
      if (!manifest) continue;
      const file = join(out, `${descriptor.name}.yaml`);
      writeFileSync(file, manifest);
      console.log(`wrote ${file}`);
    }
    return 0;
  },
};
