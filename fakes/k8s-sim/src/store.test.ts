// The object store: one resourceVersion counter, etcd key order, indexes and watch history.

import { describe, expect, it } from "vitest";
import { createObjectStore } from "./store.js";

const pod = (namespace: string, name: string, node: string, rv: number) => ({
  metadata: { namespace, name, resourceVersion: String(rv) },
  spec: { nodeName: node },
});

describe("createObjectStore", () => {
  it("orders objects like etcd keys and serves indexed lookups", () => {
    const store = createObjectStore({
      indexes: { "core/pods": { "spec.nodeName": (p) => String((p.spec as { nodeName: string }).nodeName) } },
    });
    store.put("core/pods", pod("b", "x", "n1", store.nextResourceVersion()), "ADDED");
    store.put("core/pods", pod("a-b", "y", "n2", store.nextResourceVersion()), "ADDED");
    store.put("core/pods", pod("a", "z", "n1", store.nextResourceVersion()), "ADDED");
    expect(store.list("core/pods").map((p) => (p.metadata as { name: string }).name)).toEqual([
      "y",
      "z",
      "x",
    ]);
    expect(
      store
        .list("core/pods", { indexed: { field: "spec.nodeName", value: "n1" } })
        .map((p) => (p.metadata as { name: string }).name),
    ).toEqual(["z", "x"]);
    store.put("core/pods", pod("a", "z", "n2", store.nextResourceVersion()), "MODIFIED");
    expect(store.list("core/pods", { indexed: { field: "spec.nodeName", value: "n1" } })).toHaveLength(1);
    store.remove("core/pods", "b", "x", store.nextResourceVersion());
    expect(store.list("core/pods", { indexed: { field: "spec.nodeName", value: "n1" } })).toEqual([]);
    expect(store.count("core/pods")).toBe(2);
  });

  it("replays history after a resourceVersion and expires what it no longer holds", () => {
    const store = createObjectStore({ historySize: 2 });
    const rv1 = store.nextResourceVersion();
    store.put("core/pods", pod("a", "p1", "n", rv1), "ADDED");
    const rv2 = store.nextResourceVersion();
    store.put("core/pods", pod("a", "p2", "n", rv2), "ADDED");
    const versions = (since: number) => {
      const events = store.eventsSince(since);
      return events === "expired" ? events : events.map((e) => e.resourceVersion);
    };
    expect(versions(rv1)).toEqual([rv2]);
    const rv3 = store.nextResourceVersion();
    store.put("core/pods", pod("a", "p3", "n", rv3), "ADDED");
    expect(versions(rv1)).toEqual([rv2, rv3]);
    expect(store.eventsSince(rv1 - 1)).toBe("expired");
    expect(store.eventsSince(rv3)).toEqual([]);
  });
});
