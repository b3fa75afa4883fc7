// The Pub/Sub side of the plan: the topics and subscriptions this plan owns (from the topology),
// the grants that let Pub/Sub sign pushes and dead-letter, and the alert policies on what piles up.
import { deadLetterTopicOf } from "@riposte/contracts";
import { type ServiceDescriptor, subscriptionNameFor } from "@riposte/service-kit";
import { deriveTopology, type SubscriptionSpec, type Topology } from "../../topology/derive.js";
import { pubsubServiceAgent, serviceAgentGrants } from "../../topology/service-agent.js";
import { alertingStep } from "../alerting.js";
import { type Flag, gcloud, type PlanStep, planVariable, variablesIn } from "../commands.js";
import { urlVariable } from "./cloud-run.js";
import type { PlanContext } from "./context.js";

/** The topics and subscriptions a plan of `selected` creates: all of them when it deploys every service. */
export function plannedPubSub(
  all: readonly ServiceDescriptor[],
  { selected, whole, pushAccount }: Pick<PlanContext, "selected" | "whole" | "pushAccount">,
): Topology {
  // The topology of every service (endpoints of those not deployed here still resolve by variable).
  const topology = deriveTopology(all, {
    endpointFor: (service, input) => `${planVariable(urlVariable(service))}${input.path}`,
    pushServiceAccount: pushAccount,
  });
  const ownSubscriptions = new Set(
    selected.flatMap((service) =>
      service.inputs.flatMap((input) => {
        const name = subscriptionNameFor(service, input);
        return [name, deadLetterTopicOf(name)];
      }),
    ),
  );
  // A push subscription needs its receiver's URL, which the plan reads only for the services it
  // deploys: it belongs to its receiver (the notifier's dead-letter announcements included).
  const deployedUrls = new Set(selected.map((service) => urlVariable(service.name)));
  const ownsSubscription = (sub: SubscriptionSpec) =>
    sub.push
      ? variablesIn(sub.push.endpoint).every((variable) => deployedUrls.has(variable))
      : ownSubscriptions.has(sub.name);
  const subscriptions = whole ? topology.subscriptions : topology.subscriptions.filter(ownsSubscription);
  const neededTopics = new Set<string>([
    ...subscriptions.map((sub) => sub.topic),
    ...subscriptions.flatMap((sub) => (sub.deadLetter ? [sub.deadLetter.topic] : [])),
    ...selected.flatMap((service) => service.publishes),
  ]);
  const topics = topology.topics.filter((topic) => whole || neededTopics.has(topic.name));
  return { topics, subscriptions };
}

export function topicsStep({ topics, projectFlag }: PlanContext): PlanStep {
  return {
    title: "Create the topics",
    why: "from the topology: inputs, outputs, quarantine and one dead-letter topic per push subscription",
    commands: topics.map((topic) => ({
      unless: gcloud(["pubsub", "topics", "describe"], [topic.name], [projectFlag]),
      call: gcloud(["pubsub", "topics", "create"], [topic.name], [projectFlag]),
    })),
  };
}

export function pushSigningStep({ pushAccount, projectFlag }: PlanContext): PlanStep {
  return {
    title: "Let Pub/Sub sign pushes as the push account",
    why: "the Pub/Sub service agent mints the push account's OIDC tokens (needed explicitly on projects from before April 2021)",
    commands: [
      {
        call: gcloud(
          ["iam", "service-accounts", "add-iam-policy-binding"],
          [pushAccount],
          [
            ["member", pubsubServiceAgent(planVariable("PROJECT_NUMBER"))],
            ["role", "roles/iam.serviceAccountTokenCreator"],
            projectFlag,
          ],
        ),
      },
    ],
  };
}

export function subscriptionsStep({ subscriptions, projectFlag }: PlanContext): PlanStep {
  return {
    title: "Create the subscriptions",
    why: "one push subscription per service input (retry policy, dead-letter topic), and a pull subscription on each dead-letter topic and on quarantine",
    commands: subscriptions.map((sub) => ({
      unless: gcloud(["pubsub", "subscriptions", "describe"], [sub.name], [projectFlag]),
      call: gcloud(["pubsub", "subscriptions", "create"], [sub.name], subscriptionFlags(sub, projectFlag)),
    })),
  };
}

export function deadLetterGrantsStep({ topics, subscriptions, projectFlag }: PlanContext): PlanStep {
  const agentGrants = serviceAgentGrants({ topics, subscriptions }, planVariable("PROJECT_NUMBER"));
  return {
    title: "Let Pub/Sub dead-letter",
    why: "the Pub/Sub service agent must publish to each dead-letter topic and subscribe to each source subscription",
    commands: agentGrants.map((grant) => ({
      call: gcloud(
        ["pubsub", grant.resource === "topic" ? "topics" : "subscriptions", "add-iam-policy-binding"],
        [grant.name],
        [["member", grant.member], ["role", grant.role], projectFlag],
      ),
    })),
  };
}

export function alertPoliciesStep({ project, subscriptions, options }: PlanContext): PlanStep {
  return alertingStep({
    project,
    subscriptions,
    ...(options.alertChannel ? { alertChannel: options.alertChannel } : {}),
  });
}

/** The service URL an endpoint starts with (its plan variable), else the endpoint itself. */
function serviceUrlOf(endpoint: string): string {
  const [first] = variablesIn(endpoint);
  const url = first === undefined ? undefined : planVariable(first);
  return url !== undefined && endpoint.startsWith(url) ? url : endpoint;
}

function subscriptionFlags(sub: SubscriptionSpec, projectFlag: Flag): Flag[] {
  const flags: Flag[] = [["topic", sub.topic], projectFlag, ["ack-deadline", String(sub.ackDeadlineSeconds)]];
  if (sub.push) {
    flags.push(["push-endpoint", sub.push.endpoint]);
    if (sub.push.oidcServiceAccount) {
      flags.push(["push-auth-service-account", sub.push.oidcServiceAccount]);
      // Cloud Run checks the token's audience against the service URL; the default audience would be
      // the endpoint with its path (e.g. …/outcomes), so name the service URL itself.
      flags.push(["push-auth-token-audience", serviceUrlOf(sub.push.endpoint)]);
    }
  }
  if (sub.retryPolicy) {
    flags.push(["min-retry-delay", `${sub.retryPolicy.minimumBackoffSeconds}s`]);
    flags.push(["max-retry-delay", `${sub.retryPolicy.maximumBackoffSeconds}s`]);
  }
  if (sub.deadLetter) {
    flags.push(["dead-letter-topic", sub.deadLetter.topic]);
    flags.push(["max-delivery-attempts", String(sub.deadLetter.maxDeliveryAttempts)]);
  }
  return flags;
}
