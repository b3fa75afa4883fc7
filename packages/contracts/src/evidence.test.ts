// The bundle's object names come partly from an alert: every hostile segment must be refused before
// it can reach Cloud Storage (climbing out of the prefix, landing in another incident's, a hidden name).
import { describe, expect, it } from "vitest";
import {
  containerLogObject,
  EvidenceManifest,
  evidenceLocationProblem,
  evidencePrefix,
  isEvidenceObjectName,
} from "./evidence.js";

const incident = "0123456789abcdef0123456789abcdef";
const location = { cluster: "prod", namespace: "shop", pod: "web-7d9f8c6b5-abcde", incident };

describe("evidencePrefix", () => {
  it("is <cluster>/<namespace>/<pod>/<incident>/", () => {
    expect(evidencePrefix(location)).toBe(`prod/shop/web-7d9f8c6b5-abcde/${incident}/`);
    expect(evidencePrefix({ ...location, pod: "web.v2" })).toBe(`prod/shop/web.v2/${incident}/`);
  });

  it.each([
    ["pod", "../../other"],
    ["pod", "a/b"],
    ["pod", ".."],
    ["pod", "Web"],
    ["pod", "web\u0000"],
    ["pod", "x".repeat(254)],
    ["namespace", "shop/../kube-system"],
    ["namespace", "a.b"],
    ["cluster", ""],
    ["cluster", "prod/x"],
    ["incident", "../0123456789abcdef0123456789abcd"],
    ["incident", "0123456789ABCDEF0123456789ABCDEF"],
  ] as const)("refuses %s %j, naming the segment", (field, value) => {
    const hostile = { ...location, [field]: value };
    expect(evidenceLocationProblem(hostile)).toMatch(new RegExp(`^${field} `));
    expect(() => evidencePrefix(hostile)).toThrow(new RegExp(`no evidence prefix: ${field} `));
  });
});

describe("object names", () => {
  it("a container's current and previous logs", () => {
    expect(containerLogObject("web", false)).toBe("logs/web.log");
    expect(containerLogObject("web", true)).toBe("logs/web.previous.log");
  });

  it.each(["../web", "a/b", "Web", ".hidden", "", "x".repeat(64)])("refuses container %j", (name) => {
    expect(() => containerLogObject(name, false)).toThrow(/container name .* is not a DNS-1123 label/);
  });

  it.each([
    ["pod.json", true],
    ["logs/web.previous.log", true],
    ["manifest.json", false],
    ["../pod.json", false],
    ["logs/../../x", false],
    ["/pod.json", false],
    ["logs/.hidden", false],
    ["a/b/c/d", false],
    ["POD.json", false],
  ])("%j is an object name: %s", (name, expected) => {
    expect(isEvidenceObjectName(name)).toBe(expected);
  });
});

describe("EvidenceManifest", () => {
  const manifest = {
    v: 1,
    ...location,
    podUid: "6f1f4c1e-2b1a-4f7e-9d0c-1a2b3c4d5e6f",
    capturedAt: "2026-12-06T06:00:00.000Z",
    captureId: "3b241101-e2bb-4255-8caf-4136c566a962",
    objects: [{ name: "pod.json", size: 10, sha256: "a".repeat(64), contentType: "application/json" }],
    missing: [],
  };

  it("parses a manifest and refuses unknown fields and hostile object names", () => {
    expect(EvidenceManifest.parse(manifest)).toEqual(manifest);
    expect(EvidenceManifest.safeParse({ ...manifest, extra: 1 }).success).toBe(false);
    const climbing = { ...manifest, objects: [{ ...manifest.objects[0], name: "../../x" }] };
    expect(EvidenceManifest.safeParse(climbing).error?.issues[0]?.path).toEqual(["objects", 0, "name"]);
    const badHash = { ...manifest, objects: [{ ...manifest.objects[0], sha256: "A".repeat(64) }] };
    expect(EvidenceManifest.safeParse(badHash).success).toBe(false);
  });
});
