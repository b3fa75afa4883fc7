// The real kubectl, isolated from any real cluster, for the sim's acceptance tests. KUBECTL is
// undefined where kubectl is not on PATH (the tests then skip loudly).

import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function kubectlPath(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const KUBECTL = kubectlPath();

export function warnIfNoKubectl(suite: string): void {
  if (KUBECTL) return;
  console.warn(`\n!!! kubectl is not on PATH: the k8s-sim ${suite} kubectl tests are SKIPPED here. !!!\n`);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Kubectl = (args: string[], stdin?: string) => Promise<KubectlResult>;

/** Runs kubectl with an empty kubeconfig, a private cache and HOME, against `server`. */
export function kubectlRunner(server: string, extraArgs: string[] = []): Kubectl {
  const home = mkdtempSync(join(tmpdir(), "k8s-sim-kubectl-"));
  const kubeconfig = join(home, "empty-kubeconfig");
  writeFileSync(kubeconfig, "");
  const cacheDir = join(home, "cache");
  return (args, stdin) =>
    new Promise((resolve) => {
      const child = execFile(
        KUBECTL ?? "kubectl",
        ["--cache-dir", cacheDir, "--server", server, ...extraArgs, ...args],
        { env: { PATH: process.env.PATH ?? "", HOME: home, KUBECONFIG: kubeconfig }, timeout: 30_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
}

/** A kubectl that trusts the sim's self-signed certificate (HTTPS sims, for tokens). */
export function httpsKubectlRunner(server: string, caCert: string): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), "k8s-sim-ca-"));
  writeFileSync(join(dir, "ca.crt"), caCert);
  return kubectlRunner(server, ["--certificate-authority", join(dir, "ca.crt")]);
}
