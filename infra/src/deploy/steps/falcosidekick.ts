// falcosidekick's Google identity: the account Falco's alerts are published as, from the cluster.
import { Topics } from "@riposte/contracts";
import { accountEmail } from "../../rbac.js";
import { gcloud, type PlanStep } from "../commands.js";
import type { PlanContext } from "./context.js";
import { ingestsBySidekick } from "./log-sink.js";

/** falcosidekick's Google identity (Workload Identity), allowed to publish to falco-events only. */
export const FALCOSIDEKICK_SERVICE_ACCOUNT_ID = "riposte-falcosidekick";
/** Where the falcosidekick Helm release runs, and its Kubernetes service account (the chart's default). */
export const FALCOSIDEKICK_KUBERNETES_ACCOUNT = { namespace: "falco", name: "falcosidekick" } as const;

/** Only a whole plan creates falcosidekick's account, so only a whole plan grants it; not with --ingest logging. */
export function falcosidekickSteps({ whole, options, project, projectFlag }: PlanContext): PlanStep[] {
  if (!whole || !ingestsBySidekick(options.ingest)) return [];
  const sidekick = accountEmail(FALCOSIDEKICK_SERVICE_ACCOUNT_ID, project);
  const { namespace, name } = FALCOSIDEKICK_KUBERNETES_ACCOUNT;
  return [
    {
      title: "Let falcosidekick publish Falco alerts",
      why: `falcosidekick's Kubernetes service account ${namespace}/${name} acts as ${FALCOSIDEKICK_SERVICE_ACCOUNT_ID} (Workload Identity) and may publish to ${Topics.falcoEvents} only; then install Falco (README: Install Falco on GKE)`,
      commands: [
        {
          call: gcloud(
            ["pubsub", "topics", "add-iam-policy-binding"],
            [Topics.falcoEvents],
            [["member", `serviceAccount:${sidekick}`], ["role", "roles/pubsub.publisher"], projectFlag],
          ),
        },
        {
          call: gcloud(
            ["iam", "service-accounts", "add-iam-policy-binding"],
            [sidekick],
            [
              ["member", `serviceAccount:${project}.svc.id.goog[${namespace}/${name}]`],
              ["role", "roles/iam.workloadIdentityUser"],
              projectFlag,
            ],
          ),
        },
      ],
    },
  ];
}
