import type { PubSub } from "@google-cloud/pubsub";
import routerDescriptor from "@riposte/router/descriptor";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { emulatorClient, uniqueName } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { deriveTopology } from "./derive.js";
import { applyTopology, describeChange, planTopology } from "./provision.js";
import { serviceAgentGrants } from "./service-agent.js";

const notifierLike: ServiceDescriptor = {
  name: "notifier",
  description: "test double of a two-input service",
  localPortOffset: 0,
  inputs: [
    { topic: "notifier", path: "/", accepts: ["Notify"] },
    { topic: "action-outcomes", path: "/outcomes", accepts: ["ActionOutcome"] },
  ],
  publishes: [],
  kubernetes: [],
  gcpRoles: [],
  env: z.object({}),
  runtime: {
    ...DEFAULT_RUNTIME,
    redelivery: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 300, maxDeliveryAttempts: 7 },
  },
};

const endpointFor = (service: string, input: { path: string }) => `http://127.0.0.1/${service}${input.path}`;

describe("deriveTopology", () => {
  const topology = deriveTopology([routerDescriptor, notifierLike], { endpointFor });
  const sub = (name: string) => topology.subscriptions.find((s) => s.name === name);

  it("gives every service input a push subscription with the service's own retry and dead-letter policies", () => {
    expect(sub("router")).toMatchObject({
      topic: "falco-events",
      push: { endpoint: "http://127.0.0.1/router/" },
      ackDeadlineSeconds: 30,
      retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 60 },
      deadLetter: { topic: "router-dead-letter", maxDeliveryAttempts: 20 },
    });
    expect(sub("notifier")?.push?.endpoint).toBe("http://127.0.0.1/notifier/");
    expect(sub("notifier-action-outcomes")).toMatchObject({
      topic: "action-outcomes",
      push: { endpoint: "http://127.0.0.1/notifier/outcomes" },
      retryPolicy: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 300 },
      deadLetter: { topic: "notifier-action-outcomes-dead-letter", maxDeliveryAttempts: 7 },
    });
  });

  it("gives each dead-letter topic a pull subscription of the same name, and quarantine one", () => {
    for (const name of [
      "router-dead-letter",
      "notifier-dead-letter",
      "notifier-action-outcomes-dead-letter",
      "quarantine",
    ]) {
      expect(sub(name)).toMatchObject({ topic: name });
      expect(sub(name)?.push).toBeUndefined();
    }
  });

  it("parks topics no service reads yet in a pull subscription", () => {
    for (const name of ["pod-killer", "isolator", "tainter", "scc-exporter"])
      expect(sub(name)).toMatchObject({ topic: name });
    expect(sub("pod-killer")?.push).toBeUndefined();
  });

  it("creates each topic once", () => {
    const names = topology.topics.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(["falco-events", "quarantine", "action-outcomes", "router-dead-letter"]),
    );
  });

  it("signs pushes with OIDC when a push service account is given", () => {
    const signed = deriveTopology([routerDescriptor], {
      endpointFor,
      pushServiceAccount: "push@p.iam.gserviceaccount.com",
    });
    expect(signed.subscriptions.find((s) => s.name === "router")?.push).toEqual({
      endpoint: "http://127.0.0.1/router/",
      oidcServiceAccount: "push@p.iam.gserviceaccount.com",
      audience: "http://127.0.0.1/router/",
    });
  });

  it("lists the service agent's dead-letter grants", () => {
    const grants = serviceAgentGrants(topology, "123");
    expect(grants).toContainEqual({
      resource: "topic",
      name: "router-dead-letter",
      role: "roles/pubsub.publisher",
      member: "serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com",
    });
    expect(grants).toContainEqual(
      expect.objectContaining({ resource: "subscription", name: "router", role: "roles/pubsub.subscriber" }),
    );
  });
});

describe("deriveTopology: dead letters announced", () => {
  const killerLike: ServiceDescriptor = {
    ...notifierLike,
    name: "pod-killer",
    inputs: [{ topic: "pod-killer", path: "/", accepts: ["KillPod"] }],
  };
  const announcer: ServiceDescriptor = {
    ...notifierLike,
    deadLetterInput: { path: "/dead-letters", of: ["KillPod", "Notify"] },
  };
  const topology = deriveTopology([routerDescriptor, killerLike, announcer], { endpointFor });
  const announcing = topology.subscriptions.filter((s) => s.push?.endpoint.endsWith("/dead-letters"));

  it("pushes the dead-letter topic of every input accepting the kinds asked for, and no other", () => {
    expect(announcing.map((s) => [s.name, s.topic])).toEqual([
      ["notifier-pod-killer-dead-letter", "pod-killer-dead-letter"],
      ["notifier-notifier-dead-letter", "notifier-dead-letter"],
    ]);
    expect(announcing[0]).toMatchObject({
      push: { endpoint: "http://127.0.0.1/notifier/dead-letters" },
      retryPolicy: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 300 },
    });
  });

  it("never dead-letters an announcement (no loop), and keeps the pull subscriptions for riposte dlq", () => {
    for (const sub of announcing) expect(sub.deadLetter).toBeUndefined();
    for (const name of ["pod-killer-dead-letter", "notifier-dead-letter", "router-dead-letter"]) {
      expect(topology.subscriptions.find((s) => s.name === name)).toMatchObject({ topic: name });
    }
    expect(topology.subscriptions.filter((s) => s.topic.endsWith("-dead-letter-dead-letter"))).toEqual([]);
  });
});

describe("provisioning on the real emulator", { timeout: 30_000 }, () => {
  let pubsub: PubSub;
  beforeAll(() => {
    // A project of its own: other test files use the same topic names on the shared emulator.
    pubsub = emulatorClient(inject("pubsubEmulatorHost"), uniqueName("topology"));
  });
  afterAll(() => pubsub.close());

  it("creates everything, then reports no changes on the second apply", async () => {
    const topology = deriveTopology([routerDescriptor, notifierLike], { endpointFor });
    const first = await applyTopology(pubsub, topology);
    expect(first.filter((c) => c.kind === "create-topic")).toHaveLength(topology.topics.length);
    expect(first.filter((c) => c.kind === "create-subscription")).toHaveLength(topology.subscriptions.length);
    expect(await applyTopology(pubsub, topology)).toEqual([]);

    const [metadata] = await pubsub.subscription("router").getMetadata();
    expect(metadata.pushConfig?.pushEndpoint).toBe("http://127.0.0.1/router/");
    expect(metadata.deadLetterPolicy).toMatchObject({ maxDeliveryAttempts: 20 });
    expect(metadata.deadLetterPolicy?.deadLetterTopic).toMatch(/topics\/router-dead-letter$/);
  });

  it("updates a drifted subscription in place, only the fields that changed", async () => {
    const moved = deriveTopology([routerDescriptor, notifierLike], {
      endpointFor: (s, i) => `http://127.0.0.2/${s}${i.path}`,
    });
    const plan = await planTopology(pubsub, moved);
    expect(plan.every((c) => c.kind === "update-subscription")).toBe(true);
    expect(plan.map(describeChange)).toContain(
      "~ subscription router: pushConfig http://127.0.0.1/router/ → http://127.0.0.2/router/",
    );
    await applyTopology(pubsub, moved);
    expect(await planTopology(pubsub, moved)).toEqual([]);
    const [metadata] = await pubsub.subscription("router").getMetadata();
    expect(metadata.pushConfig?.pushEndpoint).toBe("http://127.0.0.2/router/");
    expect(metadata.retryPolicy?.minimumBackoff?.seconds).toBe("1");
  });

  it("turns a parked pull subscription into push when its service appears", async () => {
    const podKillerLike: ServiceDescriptor = {
      ...notifierLike,
      name: "pod-killer",
      inputs: [{ topic: "pod-killer", path: "/", accepts: ["KillPod"] }],
    };
    const grown = deriveTopology([routerDescriptor, notifierLike, podKillerLike], {
      endpointFor: (s, i) => `http://127.0.0.2/${s}${i.path}`,
    });
    const plan = await planTopology(pubsub, grown);
    expect(plan.map(describeChange)).toContain(
      "~ subscription pod-killer: pushConfig (pull) → http://127.0.0.2/pod-killer/; ackDeadlineSeconds 60 → 30; retryPolicy none → 10s..300s; deadLetterPolicy none → " +
        `${pubsub.topic("pod-killer-dead-letter").name} after 7`,
    );
    await applyTopology(pubsub, grown);
    expect(await planTopology(pubsub, grown)).toEqual([]);
  });

  it("refuses a subscription whose topic would have to change", async () => {
    await pubsub.topic("falco-events").createSubscription("stray");
    const topology = deriveTopology([routerDescriptor], { endpointFor });
    topology.subscriptions.push({
      name: "stray",
      topic: "quarantine",
      purpose: "test",
      ackDeadlineSeconds: 10,
    });
    const plan = await planTopology(pubsub, topology);
    expect(plan.find((c) => c.kind === "conflict")).toBeDefined();
    await expect(applyTopology(pubsub, topology)).rejects.toThrow(/topic cannot change/);
  });
});
