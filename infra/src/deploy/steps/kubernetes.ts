// The Kubernetes side of the actioners: their RBAC, applied in every cluster Riposte answers for.
import { gcloud, type PlanCommand, type PlanStep } from "../commands.js";
import type { PlanContext } from "./context.js";
import { workloadIdentitiesOf } from "./evidence.js";

/** None unless a selected service holds Kubernetes verbs; without --cluster, the cluster is a TODO. */
export function kubernetesRbacSteps(ctx: PlanContext): PlanStep[] {
  const { needsKubernetes, options, project, projectFlag, clusters } = ctx;
  if (!needsKubernetes) return [];
  if (!options.clusters?.length) {
    ctx.todos.push({
      variable: "CLUSTER_NAME",
      hint: "the GKE clusters to answer for: --cluster NAME[:LOCATION] (repeatable; location default --cluster-location, else --region)",
    });
  }
  const rbacDir = `.riposte/rbac/${project}`;
  const workloads =
    workloadIdentitiesOf(ctx.selected).length > 0
      ? "; the namespaces and Kubernetes service accounts of the workloads the services launch, each annotated with its Google account (Workload Identity)"
      : "";
  return [
    {
      title: "Apply the Kubernetes RBAC",
      why: `each actioner's Google identity gets exactly the Kubernetes verbs its descriptor declares (ClusterRole + binding to the account as a User), in every cluster${workloads}`,
      commands: [
        {
          call: {
            program: "npx",
            path: ["riposte", "rbac", "generate"],
            positionals: [],
            flags: [projectFlag, ["out", rbacDir]],
          },
        },
        ...clusters.flatMap((cluster): PlanCommand[] => [
          {
            call: gcloud(
              ["container", "clusters", "get-credentials"],
              [cluster.name],
              [["location", cluster.location], projectFlag],
            ),
          },
          { call: { program: "kubectl", path: ["apply"], positionals: [], flags: [["filename", rbacDir]] } },
        ]),
      ],
    },
  ];
}
