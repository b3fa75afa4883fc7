// Name, label and object validation with the API server's wording.

import { describe, expect, it } from "vitest";
import { findResource } from "./resources.js";
import {
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  qualifiedNameProblems,
  validationErrors,
} from "./validation.js";

function type(group: string, resource: string) {
  const found = findResource(group, group ? "v1" : "v1", resource);
  if (!found) throw new Error(`no ${resource}`);
  return found;
}

describe("names", () => {
  it.each(["web", "web-1", "a.b.c", "0abc", "x".repeat(253)])("accepts subdomain %j", (name) => {
    expect(dns1123SubdomainProblems(name)).toEqual([]);
  });
  it.each(["Web", "-web", "web-", "we_b", "", "a..b", "x".repeat(254)])("rejects subdomain %j", (name) => {
    expect(dns1123SubdomainProblems(name).length).toBeGreaterThan(0);
  });
  it("limits labels to 63 characters without dots", () => {
    expect(dns1123LabelProblems("x".repeat(63))).toEqual([]);
    expect(dns1123LabelProblems("x".repeat(64))).toEqual(["must be no more than 63 characters"]);
    expect(dns1123LabelProblems("a.b").length).toBe(1);
  });
  it("checks qualified names with optional DNS prefixes", () => {
    expect(qualifiedNameProblems("riposte.dev/isolated")).toEqual([]);
    expect(qualifiedNameProblems("Riposte.dev/isolated")[0]).toMatch(
      /^prefix part a lowercase RFC 1123 subdomain/,
    );
    expect(qualifiedNameProblems("a/b/c")[0]).toMatch(/^a qualified name must consist/);
    expect(qualifiedNameProblems("/x")).toEqual(["prefix part must be non-empty"]);
  });
});

describe("validationErrors", () => {
  it("requires a name and pod containers with images", () => {
    const errors = validationErrors(type("", "pods"), {
      metadata: {},
      spec: { containers: [{ name: "c" }] },
    });
    expect(errors.map((e) => `${e.field}: ${e.body}`)).toEqual([
      "metadata.name: Required value: name or generateName is required",
      "spec.containers[0].image: Required value",
    ]);
  });

  it("requires a workload selector matching the template labels", () => {
    const errors = validationErrors(type("apps", "deployments"), {
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "a" } },
        template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      },
    });
    expect(errors.map((e) => e.field)).toEqual(["spec.template.metadata.labels"]);
  });

  it("refuses duplicate taints and bad label values", () => {
    const errors = validationErrors(type("", "nodes"), {
      metadata: { name: "n", labels: { ok: "bad value" } },
      spec: {
        taints: [
          { key: "k", effect: "NoSchedule" },
          { key: "k", effect: "NoSchedule" },
        ],
      },
    });
    expect(errors.map((e) => [e.type, e.field])).toEqual([
      ["FieldValueInvalid", "metadata.labels"],
      ["FieldValueDuplicate", "spec.taints[1]"],
    ]);
  });

  it("checks RBAC references and NetworkPolicy types", () => {
    const binding = validationErrors(
      findResource("rbac.authorization.k8s.io", "v1", "rolebindings") ?? type("", "pods"),
      {
        metadata: { name: "b" },
        roleRef: { kind: "Thing", name: "" },
        subjects: [{ kind: "Robot", name: "r" }],
      },
    );
    expect(binding.map((e) => e.field)).toEqual(["roleRef.kind", "roleRef.name", "subjects[0].kind"]);
    const policy = validationErrors(
      findResource("networking.k8s.io", "v1", "networkpolicies") ?? type("", "pods"),
      {
        metadata: { name: "p" },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Sideways"] },
      },
    );
    expect(policy.map((e) => e.body)).toEqual([
      'Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]);
  });
});
