// Tests of the Kubernetes/container name validators the actioners rely on.

import { describe, expect, it } from "vitest";
import {
  isContainerId,
  isContainerName,
  isDns1123Label,
  isDns1123Subdomain,
  isImageReference,
  isPodUid,
} from "./k8s-names.js";

describe("name validators", () => {
  it("DNS-1123 label (namespaces)", () => {
    for (const ok of ["shop", "a", "kube-system", "a1", "1a", "x".repeat(63)])
      expect(isDns1123Label(ok)).toBe(true);
    for (const bad of [
      "",
      "Shop",
      "-a",
      "a-",
      "a.b",
      "a_b",
      "x".repeat(64),
      "../x",
      "fr\u043entend",
      "a b",
      "ß",
    ]) {
      expect(isDns1123Label(bad), bad).toBe(false);
    }
  });

  it("DNS-1123 subdomain (pods, nodes)", () => {
    for (const ok of [
      "web-7d9f8c6b5-abcde",
      "gke-prod-default-pool-3f1c2a9e-7xkq",
      "a.b.c",
      "x".repeat(253),
    ]) {
      expect(isDns1123Subdomain(ok)).toBe(true);
    }
    for (const bad of [
      "",
      "../../nodes/x",
      "a..b",
      ".a",
      "a.",
      "A",
      "x".repeat(254),
      "a/b",
      "fr\u043entend",
      "a\n",
    ]) {
      expect(isDns1123Subdomain(bad), bad).toBe(false);
    }
  });

  it("pod UID, container ID, container name, image", () => {
    expect(isPodUid("2f9c6a1e-8b3d-4c7a-9e21-5d4f3b2a1c09")).toBe(true);
    expect(isPodUid("2F9C6A1E-8B3D-4C7A-9E21-5D4F3B2A1C09")).toBe(false);
    expect(isPodUid("2f9c6a1e8b3d4c7a9e215d4f3b2a1c09")).toBe(false);
    expect(isContainerId("host")).toBe(true);
    expect(isContainerId("06b29170462e")).toBe(true);
    expect(isContainerId("a".repeat(64))).toBe(true);
    for (const bad of ["HOST", "06B29170462E", "06b29170462", "a".repeat(63), "containerd://06b29170462e"]) {
      expect(isContainerId(bad), bad).toBe(false);
    }
    expect(isContainerName("web")).toBe(true);
    expect(isContainerName("k8s_POD_x.y-1")).toBe(true);
    expect(isContainerName("-web")).toBe(false);
    expect(isContainerName("we b")).toBe(false);
    expect(isImageReference("us-docker.pkg.dev/acme/shop/checkout:2.4.1")).toBe(true);
    expect(isImageReference("localhost:5000/x@sha256:abc")).toBe(true);
    expect(isImageReference("nginx latest")).toBe(false);
    expect(isImageReference("<NA>")).toBe(false);
  });
});
