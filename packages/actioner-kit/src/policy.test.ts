import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { classifyKubernetesError } from "./errors.js";
import {
  effectivePolicy,
  InvalidSafetyOverridesError,
  protectedNamespaceReason,
  protectedPodReason,
  type SafetyPolicy,
} from "./policy.js";

const base: SafetyPolicy = {
  protectedNamespaces: ["kube-system", "gke-*", "falco", "riposte"],
  allowDaemonSetPods: false,
  allowMirrorPods: false,
};

describe("safety policy", () => {
  it("a playbook can protect more namespaces, never fewer", () => {
    const policy = effectivePolicy(base, { protectedNamespaces: ["payments"] });
    for (const namespace of ["kube-system", "gke-managed", "falco", "riposte", "payments"]) {
      expect(protectedNamespaceReason(policy, namespace), namespace).toBeDefined();
    }
    expect(
      protectedNamespaceReason(effectivePolicy(base, { protectedNamespaces: [] }), "kube-system"),
    ).toBeDefined();
    expect(protectedNamespaceReason(policy, "shop")).toBeUndefined();
  });

  it("a namespace the operator took out of the defaults is protected again by a playbook that lists it", () => {
    const operator: SafetyPolicy = { ...base, unprotectedNamespaces: ["gke-managed-cim"] };
    expect(protectedNamespaceReason(operator, "gke-managed-cim")).toBeUndefined();
    const playbook = effectivePolicy(operator, { protectedNamespaces: ["gke-*"] });
    expect(protectedNamespaceReason(playbook, "gke-managed-cim")).toMatch(/protected/);
  });

  it.each([
    { protectedNamespaces: ["payments"], allowDaemonSetPods: "false" },
    { protectedNamespaces: "payments" },
    { protected_namespaces: ["payments"] },
    "payments",
  ])(
    "a malformed override %j fails closed: it throws, naming the field (the runner refuses)",
    (overrides) => {
      expect(() => effectivePolicy(base, overrides)).toThrow(InvalidSafetyOverridesError);
      expect(() => effectivePolicy(base, overrides)).toThrow(/safety/);
    },
  );

  it("the allow flags come from the command when given", () => {
    expect(effectivePolicy(base, { allowDaemonSetPods: true }).allowDaemonSetPods).toBe(true);
    expect(effectivePolicy(base, undefined)).toEqual({ ...base, unprotectedNamespaces: [] });
    const daemonSetPod = { metadata: { ownerReferences: [{ kind: "DaemonSet", name: "node-exporter" }] } };
    expect(protectedPodReason(base, daemonSetPod)).toMatch(/DaemonSet node-exporter/);
    expect(
      protectedPodReason(effectivePolicy(base, { allowDaemonSetPods: true }), daemonSetPod),
    ).toBeUndefined();
  });
});

describe("Kubernetes error classes", () => {
  const status = (code: number, message = "x") =>
    new ApiException(code, "", JSON.stringify({ kind: "Status", message }), {});
  it.each([
    [404, "not-found"],
    [409, "conflict"],
    [403, "forbidden"],
    [401, "unauthorized"],
    [422, "invalid"],
    [429, "transient"],
    [500, "transient"],
    [503, "transient"],
  ])("%i is %s", (code, kind) => {
    expect(classifyKubernetesError(status(code)).kind).toBe(kind);
  });

  it("no answer at all is transient", () => {
    expect(classifyKubernetesError(new Error("ECONNRESET")).kind).toBe("transient");
  });
});
