// `riposte sim`: argument parsing, the banner's kubectl line, seeding from files, clean stop.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSimArgs, runSimCli, SimCliUsageError } from "./cli.js";
import type { SimCluster } from "./sim.js";

describe("parseSimArgs", () => {
  it("takes several files after --seed and --rbac, and TOKEN=USER pairs", () => {
    expect(
      parseSimArgs([
        "--port",
        "0",
        "--seed",
        "a.yaml",
        "b.yaml",
        "--rbac=r.yaml",
        "--token",
        "t1=alice",
        "--https",
      ]),
    ).toMatchObject({
      port: 0,
      seeds: ["a.yaml", "b.yaml"],
      rbac: ["r.yaml"],
      tokens: { t1: "alice" },
      https: true,
    });
  });

  it.each([
    [["--port", "http"], /--port "http" is not a port number/],
    [["--seed"], /--seed needs a value/],
    [["--token", "nouser"], /must look like TOKEN=USER/],
    [["--anonymous", "maybe"], /must be full-access or deny/],
    [["--frobnicate"], /unknown argument "--frobnicate"/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(SimCliUsageError);
    expect(() => parseSimArgs(argv)).toThrow(message);
  });
});

describe("runSimCli", () => {
  it("prints the URL and a working kubectl line, serves the seed, and stops on abort", async () => {
    const dir = mkdtempSync(join(tmpdir(), "k8s-sim-cli-"));
    writeFileSync(join(dir, "extra.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n");
    const output: string[] = [];
    const controller = new AbortController();
    let started: SimCluster | undefined;
    const running = runSimCli(["--port", "0", "--demo", "--seed", join(dir, "extra.yaml")], {
      write: (text) => output.push(text),
      signal: controller.signal,
      onStarted: (sim) => {
        started = sim;
      },
    });
    await expect.poll(() => started, { timeout: 5000 }).toBeDefined();
    const sim = started as SimCluster;
    const banner = output.join("");
    expect(banner).toContain(`listening on http://127.0.0.1:${sim.port}`);
    expect(banner).toContain(`try: kubectl --server http://127.0.0.1:${sim.port} get pods -A`);
    const pods = (await (await fetch(`${sim.url}/api/v1/pods`)).json()) as { items: unknown[] };
    expect(pods.items.length).toBeGreaterThan(10);
    expect((await fetch(`${sim.url}/api/v1/namespaces/extra`)).status).toBe(200);
    controller.abort();
    await running;
    expect(output.join("")).toContain("k8s-sim: stopped");
    await expect(fetch(`${sim.url}/version`)).rejects.toThrow();
  });

  it("prints usage for --help without starting", async () => {
    const output: string[] = [];
    await runSimCli(["--help"], { write: (text) => output.push(text) });
    expect(output.join("")).toMatch(/^Usage: riposte sim \[--port N\]/);
  });

  it("names an unreadable seed file", async () => {
    await expect(runSimCli(["--seed", "/nonexistent/seed.yaml"], { write: () => {} })).rejects.toThrow(
      /cannot read \/nonexistent\/seed.yaml/,
    );
  });
});
