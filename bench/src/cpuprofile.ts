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

/**
 * The module each line of an esbuild bundle came from: esbuild (not minified) starts every module with
 * a `// node_modules/pkg/file.js` or `// packages/x/src/file.ts` comment.
 */
function bundleModules(url: string): { line: number; path: string }[] {
  const marks: { line: number; path: string }[] = [];
  try {
    const lines = readFileSync(new URL(url), "utf8").split("\n");
    lines.forEach((text, index) => {
      if (/^\/\/ (node_modules|packages|services|infra|bench)\//.test(text))
        marks.push({ line: index, path: text.slice(3) });
    });
  } catch {
    // not a readable file: no attribution
  }
  return marks;
}

function moduleAt(marks: readonly { line: number; path: string }[], line: number): string | undefined {
  let low = 0;
  let high = marks.length - 1;
  let found: string | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const mark = marks[middle] as { line: number; path: string };
    if (mark.line <= line) {
      found = mark.path;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** Self time per package (node_modules), workspace folder or Node internals: where a process spends its CPU. */
export function selfTimeByOwner(
  profile: CpuProfile,
  top = 15,
): { owner: string; selfMs: number; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const bundles = new Map<string, { line: number; path: string }[]>();
  const ownerOfFrame = (frame: ProfileNode["callFrame"]): string => {
    if (frame.url.startsWith("file://") && frame.url.endsWith(".mjs")) {
      let marks = bundles.get(frame.url);
      if (!marks) {
        marks = bundleModules(frame.url);
        bundles.set(frame.url, marks);
      }
      const path = moduleAt(marks, frame.lineNumber);
      if (path) return ownerOf(`/main/${path}`, frame.functionName);
    }
    return ownerOf(frame.url, frame.functionName);
  };
  const owners = new Map<string, number>();
  let allUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    allUs += delta;
    const node = byId.get(id);
    const owner = node ? ownerOfFrame(node.callFrame) : "(unknown)";
    owners.set(owner, (owners.get(owner) ?? 0) + delta);
  });
  return [...owners.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([owner, us]) => ({ owner, selfMs: us / 1000, share: allUs > 0 ? us / allUs : 0 }));
}

function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.startsWith("node:")) return "node internals";
  const repo = /\/main\/((?:packages|services)\/[^/]+|[^/]+)\//.exec(url);
  return repo?.[1] ?? url;
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
  const [file, top, by] = process.argv.slice(2);
  if (!file) {
    process.stderr.write(
      "usage: node --import tsx bench/src/cpuprofile.ts PROFILE.cpuprofile [TOP] [owner]\n",
    );
    process.exit(2);
  }
  const profile = readProfile(file);
  if (by === "owner") {
    for (const entry of selfTimeByOwner(profile, Number(top ?? 25))) {
      process.stdout.write(
        `${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.selfMs.toFixed(0).padStart(6)} ms  ${entry.owner}\n`,
      );
    }
  } else {
    process.stdout.write(`${formatProfile(summarizeProfile(profile, Number(top ?? 25)))}\n`);
  }
}
