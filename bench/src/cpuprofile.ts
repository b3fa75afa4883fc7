// Reading a V8 CPU profile (`node --cpu-prof`) into the functions that took the most time, so that a
// missed goal comes with what the profile showed. Self time is time in the function's own code; total
// time includes what it called.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  /** `name (file:line)`, the file shortened to its package or repository path. */
  where: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const repo = url.indexOf("/main/");
  return repo >= 0 ? url.slice(repo + "/main/".length) : url.replace(/^file:\/\//, "");
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileEntry[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  let allUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    allUs += delta;
    const node = byId.get(id);
    if (!node) return;
    const key = keyOf(node);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    // Each function on the stack once, however deep the recursion.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (!frame) break;
      const frameKey = keyOf(frame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      totalUs.set(frameKey, (totalUs.get(frameKey) ?? 0) + delta);
    }
  });
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, self]) => ({
      where,
      selfMs: self / 1000,
      totalMs: (totalUs.get(where) ?? self) / 1000,
      selfShare: allUs > 0 ? self / allUs : 0,
    }));
}

function keyOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || "(anonymous)";
  return url ? `${name} (${shortUrl(url)}:${lineNumber + 1})` : name;
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
}

/** Prints the top entries of a profile file, e.g. `node --import tsx bench/src/cpuprofile.ts FILE`. */
export function formatProfile(entries: readonly ProfileEntry[]): string {
  return entries
    .map(
      (entry) =>
        `${(entry.selfShare * 100).toFixed(1).padStart(5)} %  self ${entry.selfMs.toFixed(0).padStart(6)} ms  ` +
        `total ${entry.totalMs.toFixed(0).padStart(6)} ms  ${entry.where}`,
    )
    .join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/src/cpuprofile.ts PROFILE.cpuprofile [TOP]\n");
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfile(readProfile(file), Number(top ?? 25)))}\n`);
}
