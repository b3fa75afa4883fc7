// Label and field selector parsing and matching, as the API server understands them.

import { describe, expect, it } from "vitest";
import {
  formatLabelSelector,
  labelSelectorFromObject,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from "./selectors.js";

describe("label selectors", () => {
  const labels = { app: "web", tier: "front", "example.com/team": "a" };

  it.each([
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (web,db)", true],
    ["app in (db)", false],
    ["app notin (db)", true],
    ["missing notin (db)", true],
    ["app", true],
    ["!app", false],
    ["!missing", true],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["example.com/team=a", true],
    ["  app = web ,  tier in ( front , back ) ", true],
    ["", true],
  ])("%s → %s", (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it("compares integers with > and <", () => {
    expect(matchesLabels(parseLabelSelector("replicas>2"), { replicas: "3" })).toBe(true);
    expect(matchesLabels(parseLabelSelector("replicas<2"), { replicas: "3" })).toBe(false);
  });

  it.each(["app in web", "=web", "app in ()", "Bad Key=x", "app=web,", "app notin"])(
    "rejects %j",
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
    },
  );

  it("accepts an empty value, which matches an empty label", () => {
    expect(matchesLabels(parseLabelSelector("app="), { app: "" })).toBe(true);
    expect(matchesLabels(parseLabelSelector("app="), { app: "web" })).toBe(false);
  });

  it("formats LabelSelector objects like metav1.FormatLabelSelector", () => {
    expect(
      formatLabelSelector(
        labelSelectorFromObject({
          matchLabels: { tier: "front", app: "web" },
          matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }],
        }),
      ),
    ).toBe("app=web,env in (dev,prod),tier=front");
    expect(formatLabelSelector(labelSelectorFromObject({}))).toBe("<none>");
  });
});

describe("field selectors", () => {
  it("parses =, == and != with escapes", () => {
    expect(parseFieldSelector("spec.nodeName=n1,status.phase!=Failed,metadata.name==a\\,b")).toEqual([
      { field: "spec.nodeName", operator: "=", value: "n1" },
      { field: "status.phase", operator: "!=", value: "Failed" },
      { field: "metadata.name", operator: "=", value: "a,b" },
    ]);
  });

  it("rejects a term without an operator", () => {
    expect(() => parseFieldSelector("spec.nodeName")).toThrow(/invalid selector/);
  });
});
