import { describe, expect, it } from "vitest";
import { exampleAlert } from "../test-alerts.js";
import { compileGlob } from "./glob.js";
import { parsePlaybooks } from "./load.js";

/** Compiles one playbook with the given match block (YAML flow or block text) and returns its predicate. */
function matcher(match: string) {
  const [playbook] = parsePlaybooks(
    `playbooks:\n  - name: t\n    actions: [notify]\n    match:\n${match.replace(/^/gm, "      ")}\n`,
  );
  if (!playbook) throw new Error("no playbook");
  return playbook.matches;
}

const shell = exampleAlert("modern-terminal-shell.json"); // Notice, syscall, shop/web-7d9f8c6b5-abcde
const critical = exampleAlert("sidekick-critical-drop-exec.json"); // Critical, jobs/batch-worker-…
const host = exampleAlert("host-level.json"); // Error, container.id host
const audit = exampleAlert("k8saudit-exec.json"); // k8s_audit, shop/frontend-…

describe("globs", () => {
  it("match literally except * and ?", () => {
    expect(compileGlob("Terminal shell*")("Terminal shell in container")).toBe(true);
    expect(compileGlob("a.b")("axb")).toBe(false);
    expect(compileGlob("gke-?")("gke-1")).toBe(true);
    expect(compileGlob("gke-?")("gke-12")).toBe(false);
    expect(compileGlob("(x)[y]")("(x)[y]")).toBe(true);
  });
});

describe("match operators", () => {
  it("an empty match matches everything", () => {
    expect(matcher("{}")(shell)).toBe(true);
  });

  it("rules: exact and glob", () => {
    expect(matcher("rules: Terminal shell in container")(shell)).toBe(true);
    expect(matcher("rules: Terminal shell")(shell)).toBe(false);
    expect(matcher('rules: ["Drop and *", "Terminal * container"]')(shell)).toBe(true);
    expect(matcher('rules: ["Drop and *"]')(shell)).toBe(false);
  });

  it.each([
    [">= Notice", true, true, true],
    ["> Notice", false, true, true],
    [">= Critical", false, true, false],
    ["<= Notice", true, false, false],
    ["< Critical", true, false, true],
    ["== Error", false, false, true],
    ["Error", false, false, true],
    ["!= Error", true, true, false],
    [">= info", true, true, true],
    ["> CRITICAL", false, false, false],
  ])("priority %s (Notice, Critical, Error)", (condition, notice, crit, error) => {
    const match = matcher(`priority: "${condition}"`);
    expect([match(shell), match(critical), match(host)]).toEqual([notice, crit, error]);
  });

  it("source: one or any of several; absent never matches", () => {
    expect(matcher("source: k8s_audit")(audit)).toBe(true);
    expect(matcher("source: [syscall, k8s_audit]")(shell)).toBe(true);
    expect(matcher("source: k8s_audit")(shell)).toBe(false);
    expect(matcher("source: syscall")(exampleAlert("2019-terminal-shell-pod.json"))).toBe(false);
  });

  it("tags: any_of, all_of, list shorthand", () => {
    const tags = shell.tags;
    expect(tags.length).toBeGreaterThan(1);
    expect(matcher(`tags: { any_of: [nope, ${tags[0]}] }`)(shell)).toBe(true);
    expect(matcher(`tags: { all_of: [${tags[0]}, ${tags[1]}] }`)(shell)).toBe(true);
    expect(matcher(`tags: { all_of: [${tags[0]}, nope] }`)(shell)).toBe(false);
    expect(matcher(`tags: [nope, ${tags[1]}]`)(shell)).toBe(true);
    expect(matcher("tags: [nope]")(shell)).toBe(false);
  });

  it("namespaces: include and exclude globs", () => {
    expect(matcher("namespaces: { include: [sh*] }")(shell)).toBe(true);
    expect(matcher("namespaces: { include: [jobs] }")(shell)).toBe(false);
    expect(matcher("namespaces: { exclude: [shop] }")(shell)).toBe(false);
    expect(matcher("namespaces: { exclude: [kube-*] }")(shell)).toBe(true);
    // No namespace known: include cannot match, exclude does not exclude.
    expect(matcher("namespaces: { include: ['*'] }")(host)).toBe(false);
    expect(matcher("namespaces: { exclude: ['*'] }")(host)).toBe(true);
  });

  it("cluster: from the configured output field", () => {
    const prod = exampleAlert("modern-terminal-shell.json", { fields: { cluster: "prod-eu" } });
    expect(matcher("cluster: prod-*")(prod)).toBe(true);
    expect(matcher("cluster: staging")(prod)).toBe(false);
    expect(matcher("cluster: '*'")(shell)).toBe(false);
  });

  it("target: container or host", () => {
    expect(matcher("target: container")(shell)).toBe(true);
    expect(matcher("target: container")(exampleAlert("2019-terminal-shell-no-pod.json"))).toBe(true);
    expect(matcher("target: host")(host)).toBe(true);
    expect(matcher("target: container")(host)).toBe(false);
    expect(matcher("target: any")(host)).toBe(true);
  });

  it("output_fields: equals, glob, in, exists", () => {
    expect(matcher("output_fields: { proc.name: bash }")(shell)).toBe(
      shell.outputFields["proc.name"] === "bash",
    );
    expect(matcher("output_fields: { container.id: { equals: host } }")(host)).toBe(true);
    expect(matcher("output_fields: { container.image.repository: { glob: 'docker.io/*' } }")(shell)).toBe(
      true,
    );
    expect(matcher("output_fields: { k8s.ns.name: { in: [jobs, shop] } }")(shell)).toBe(true);
    expect(matcher("output_fields: { k8s.ns.name: { in: [jobs] } }")(shell)).toBe(false);
    expect(matcher("output_fields: { k8s.pod.name: { exists: true } }")(shell)).toBe(true);
    // "<NA>" means absent.
    const na = exampleAlert("na-fields.json");
    expect(matcher("output_fields: { k8s.pod.name: { exists: false } }")(na)).toBe(true);
    expect(matcher("output_fields: { k8s.pod.name: { glob: '*' } }")(na)).toBe(false);
    expect(matcher("output_fields: { no.such.field: { exists: false } }")(shell)).toBe(true);
  });

  it("output_fields: numbers and big integers compare by text", () => {
    const alert = exampleAlert("modern-terminal-shell.json", { fields: { "proc.pid": 4242 } });
    expect(matcher("output_fields: { proc.pid: 4242 }")(alert)).toBe(true);
    expect(matcher("output_fields: { proc.pid: { in: ['4242', 1] } }")(alert)).toBe(true);
    const big = exampleAlert("informational.json");
    const time = big.outputFields["evt.time"];
    if (time !== undefined) expect(matcher(`output_fields: { evt.time: '${String(time)}' }`)(big)).toBe(true);
  });

  it("combines conditions with AND", () => {
    expect(
      matcher("rules: Terminal shell in container\npriority: '>= Notice'\nnamespaces: { include: [shop] }")(
        shell,
      ),
    ).toBe(true);
    expect(matcher("rules: Terminal shell in container\npriority: '>= Warning'")(shell)).toBe(false);
  });
});

/** The playbook's `explain`: the first condition (in match order) the alert fails, in words. */
function why(match: string, alert: ReturnType<typeof exampleAlert>) {
  const [playbook] = parsePlaybooks(
    `playbooks:\n  - name: t\n    actions: [notify]\n    match:\n${match.replace(/^/gm, "      ")}\n`,
  );
  if (!playbook) throw new Error("no playbook");
  return playbook.explain(alert);
}

describe("explain: the first condition that failed", () => {
  it("is undefined exactly when the playbook matches", () => {
    for (const match of ["{}", "priority: '>= Notice'", "namespaces: { include: [shop] }"]) {
      expect(why(match, shell)).toBeUndefined();
    }
  });

  it("priority: the alert's priority against the bound", () => {
    expect(why("priority: '>= Critical'", shell)).toEqual({
      condition: "priority",
      reason: "priority Notice < Critical",
    });
    expect(why("priority: '<= Notice'", critical)?.reason).toBe("priority Critical > Notice");
    expect(why("priority: '!= Notice'", shell)?.reason).toBe("priority Notice, excluded by != Notice");
  });

  it("namespaces: excluded, not included, or unknown", () => {
    const system = exampleAlert("modern-terminal-shell.json", { fields: { "k8s.ns.name": "kube-system" } });
    expect(why("namespaces: { exclude: [kube-*] }", system)).toEqual({
      condition: "namespaces.exclude",
      reason: "namespace kube-system excluded (kube-*)",
    });
    expect(why("namespaces: { include: [pay*, jobs] }", shell)?.reason).toBe(
      "namespace shop not included (pay*, jobs)",
    );
    expect(why("namespaces: { include: [shop] }", host)?.reason).toBe(
      "no namespace in the alert (include: shop)",
    );
  });

  it("names the first failing condition in match order, not a later one", () => {
    const failure = why("rules: Nope\npriority: '>= Critical'", shell);
    expect(failure?.condition).toBe("rules");
    expect(failure?.reason).toBe('rule "Terminal shell in container" is none of: Nope');
  });

  it("source, tags, cluster, target and output fields", () => {
    expect(why("source: k8s_audit", shell)?.reason).toBe("source syscall, not one of: k8s_audit");
    expect(why("source: syscall", exampleAlert("2019-terminal-shell-pod.json"))?.reason).toBe(
      "no source in the alert (wanted: syscall)",
    );
    expect(why("tags: [nope]", shell)?.reason).toBe("no tag among: nope");
    expect(why(`tags: { all_of: [${shell.tags[0]}, nope] }`, shell)?.reason).toBe("tag nope missing");
    expect(why("cluster: prod-*", shell)?.reason).toBe("no cluster in the alert (wanted: prod-*)");
    expect(why("target: host", shell)?.reason).toBe("target container, not host");
    expect(why("output_fields: { proc.name: zsh }", shell)).toEqual({
      condition: "output_fields.proc.name",
      reason: "proc.name bash, not equal to zsh",
    });
    expect(why("output_fields: { proc.name: { in: [zsh, sh] } }", shell)?.reason).toBe(
      "proc.name bash, not one of: zsh, sh",
    );
    expect(why("output_fields: { proc.name: { glob: 'z*' } }", shell)?.reason).toBe(
      "proc.name bash, does not match z*",
    );
    expect(why("output_fields: { no.such: { exists: true } }", shell)?.reason).toBe("no.such absent");
    expect(why("output_fields: { proc.name: { exists: false } }", shell)?.reason).toBe(
      "proc.name present (bash)",
    );
  });
});
