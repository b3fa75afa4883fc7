// The project brings its own Node (the root devDependency `node`): npm scripts, npx, the vitest workers
// and every service `riposte dev` and the e2e harness start run on it, whatever Node ran `npm ci`.
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot, type ServicePackage } from "../services.js";
import { spawnService } from "./service-process.js";

/** The major of the exact version pinned in the root package.json. */
function pinnedNodeMajor(): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
    devDependencies?: Record<string, string>;
  };
  const pinned = manifest.devDependencies?.node ?? "";
  expect(pinned, "root devDependencies.node is an exact version").toMatch(/^\d+\.\d+\.\d+$/);
  return pinned.split(".")[0] ?? "";
}

describe("the project's Node", () => {
  const dir = mkdtempSync(join(tmpdir(), "riposte-node-version-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is Node 24, pinned exactly", () => {
    expect(pinnedNodeMajor()).toBe("24");
  });

  it("runs this vitest worker", () => {
    expect(process.versions.node.split(".")[0]).toBe(pinnedNodeMajor());
  });

  it("runs a service started the way riposte dev and the e2e harness start one", async () => {
    // A TypeScript entry, as a service's src/main.ts: spawnService runs it with --import tsx from the
    // service's folder (any workspace resolves tsx).
    const main = join(dir, "main.ts");
    writeFileSync(main, "const version: string = process.versions.node;\nconsole.log(version);\n");
    const service = {
      descriptor: { name: "version-probe" },
      dir: join(repoRoot(), "infra"),
      main,
    } as ServicePackage;
    const lines: string[] = [];
    const running = spawnService({
      service,
      port: 0,
      env: {},
      prefix: "",
      useColor: false,
      raw: true,
      write: (line) => lines.push(line),
    });
    await once(running.child, "close");
    expect(running.child.exitCode, running.stderrTail.join("\n")).toBe(0);
    expect(lines.at(-1)?.split(".")[0]).toBe(pinnedNodeMajor());
  });
});
