import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { routerEnv } from "../config.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./default-playbooks.js";
import { loadConfiguredPlaybooks, playbookSourceLog } from "./source.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("the playbooks the router runs", () => {
  it("a mounted file: its path, the deploy's PLAYBOOKS_VERSION, the sha256 of its bytes and the count", () => {
    const dir = mkdtempSync(join(tmpdir(), "riposte-source-"));
    const file = join(dir, "playbooks.yaml");
    const yaml = "playbooks:\n  - { name: only, match: { rules: x }, actions: [notify] }\n";
    writeFileSync(file, yaml);
    const source = loadConfiguredPlaybooks(
      loadConfig(routerEnv, { PLAYBOOKS_FILE: file, PLAYBOOKS_VERSION: "7" }),
    );
    expect(source).toMatchObject({ file, version: "7", sha256: sha256(yaml) });
    expect(source.playbooks.map((playbook) => playbook.name)).toEqual(["only"]);
    expect(playbookSourceLog(source)).toEqual({
      fields: { playbooksFile: file, playbooksVersion: "7", playbooksSha256: sha256(yaml), playbooks: 1 },
      message: `loaded 1 playbook from ${file} (version 7, sha256 ${sha256(yaml).slice(0, 12)})`,
    });
  });

  it("unset PLAYBOOKS_FILE: the shipped defaults, named as such, no version", () => {
    const source = loadConfiguredPlaybooks(loadConfig(routerEnv, {}));
    expect(source).toMatchObject({
      file: "default playbooks (built in)",
      sha256: sha256(DEFAULT_PLAYBOOKS_YAML),
    });
    expect(source.version).toBeUndefined();
    expect(playbookSourceLog(source).message).toMatch(
      /^loaded 5 playbooks from default playbooks \(built in\) \(no version, sha256 [0-9a-f]{12}\)$/,
    );
  });
});
