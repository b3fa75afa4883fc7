// The patch formats against hand-checked expectations (RFC 6902/7386 and strategic merge).

import { describe, expect, it } from "vitest";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, JsonPatchError } from "./patch.js";

describe("applyJsonPatch", () => {
  const doc = { metadata: { name: "p", labels: { a: "1" } }, list: [1, 2, 3] };

  it("applies add, remove, replace, move, copy and test in order without touching the input", () => {
    const result = applyJsonPatch(doc, [
      { op: "test", path: "/metadata/name", value: "p" },
      { op: "add", path: "/metadata/labels/b~1c", value: "2" },
      { op: "replace", path: "/metadata/labels/a", value: "9" },
      { op: "remove", path: "/list/0" },
      { op: "add", path: "/list/-", value: 4 },
      { op: "copy", from: "/metadata/name", path: "/copied" },
      { op: "move", from: "/copied", path: "/moved" },
    ]);
    expect(result).toEqual({
      metadata: { name: "p", labels: { a: "9", "b/c": "2" } },
      list: [2, 3, 4],
      moved: "p",
    });
    expect(doc.metadata.labels).toEqual({ a: "1" });
  });

  it("fails a test op with a different value, or on a missing path, in the apply phase", () => {
    const failing = () => applyJsonPatch(doc, [{ op: "test", path: "/metadata/name", value: "q" }]);
    expect(failing).toThrow(JsonPatchError);
    expect(failing).toThrow("testing value /metadata/name failed");
    expect(() => applyJsonPatch(doc, [{ op: "remove", path: "/metadata/missing" }])).toThrow(
      expect.objectContaining({ name: "JsonPatchError", phase: "apply", operationIndex: 0 }),
    );
    // The index names the operation that failed, not the first one.
    expect(() =>
      applyJsonPatch(doc, [
        { op: "test", path: "/metadata/name", value: "p" },
        { op: "remove", path: "/metadata/missing" },
      ]),
    ).toThrow(expect.objectContaining({ phase: "apply", operationIndex: 1 }));
    expect(() => applyJsonPatch(doc, [{ op: "replace", path: "/nope/x", value: 1 }])).toThrow(/missing path/);
  });

  it("rejects a patch that is not a list in the decode phase", () => {
    expect(() => applyJsonPatch(doc, { op: "add" })).toThrow(expect.objectContaining({ phase: "decode" }));
  });
});

describe("applyMergePatch", () => {
  it("merges objects, deletes nulls and replaces lists", () => {
    expect(
      applyMergePatch({ a: { b: 1, c: 2 }, list: [1, 2], keep: true }, { a: { b: null, d: 3 }, list: [3] }),
    ).toEqual({ a: { c: 2, d: 3 }, list: [3], keep: true });
  });
});

describe("applyStrategicMergePatch", () => {
  const pod = {
    metadata: { labels: { app: "web" }, finalizers: ["a"], ownerReferences: [{ uid: "u1", name: "rs" }] },
    spec: {
      containers: [
        { name: "web", image: "nginx:1", env: [{ name: "A", value: "1" }] },
        { name: "sidecar", image: "envoy:1" },
      ],
      tolerations: [{ key: "x", operator: "Exists" }],
    },
  };

  it("merges container lists by name and env by name, keeping other containers", () => {
    const result = applyStrategicMergePatch(pod, {
      spec: { containers: [{ name: "web", image: "nginx:2", env: [{ name: "B", value: "2" }] }] },
    });
    expect(result).toMatchObject({
      spec: {
        containers: [
          {
            name: "web",
            image: "nginx:2",
            env: [
              { name: "A", value: "1" },
              { name: "B", value: "2" },
            ],
          },
          { name: "sidecar", image: "envoy:1" },
        ],
      },
    });
  });

  it("replaces lists without a merge key (tolerations, taints)", () => {
    const result = applyStrategicMergePatch(pod, {
      spec: { tolerations: [{ key: "y", operator: "Exists" }] },
    });
    expect(result).toMatchObject({ spec: { tolerations: [{ key: "y", operator: "Exists" }] } });
    const node = applyStrategicMergePatch(
      { spec: { taints: [{ key: "a", effect: "NoSchedule" }] } },
      { spec: { taints: null } },
    );
    expect(node).toEqual({ spec: {} });
  });

  it("honours $patch: delete, $setElementOrder, $deleteFromPrimitiveList and finalizer union", () => {
    const result = applyStrategicMergePatch(pod, {
      metadata: { finalizers: ["b"], "$deleteFromPrimitiveList/finalizers": ["a"] },
      spec: {
        "$setElementOrder/containers": [{ name: "sidecar" }, { name: "web" }],
        containers: [
          { name: "web", $patch: "delete" },
          { name: "sidecar", image: "envoy:2" },
        ],
      },
    });
    expect(result).toMatchObject({
      metadata: { finalizers: ["b"] },
      spec: { containers: [{ name: "sidecar", image: "envoy:2" }] },
    });
    const ordered = applyStrategicMergePatch(pod, {
      spec: { "$setElementOrder/containers": [{ name: "sidecar" }, { name: "web" }] },
    }) as { spec: { containers: { name: string }[] } };
    expect(ordered.spec.containers.map((c) => c.name)).toEqual(["sidecar", "web"]);
  });

  it("replaces a map with $patch: replace and retains keys with $retainKeys", () => {
    expect(applyStrategicMergePatch({ a: { x: 1, y: 2 } }, { a: { $patch: "replace", z: 3 } })).toEqual({
      a: { z: 3 },
    });
    expect(applyStrategicMergePatch({ a: { x: 1, y: 2 } }, { a: { $retainKeys: ["y"], y: 5 } })).toEqual({
      a: { y: 5 },
    });
  });
});
