// The bundles the benchmark runs: every service, built exactly as `npm run build` builds it (the same
// bundleService, the same options) but into bench/dist so a run never rewrites services/*/dist under
// someone else's feet; and the floor bundles, built the same way from bench/src/floors. A bundle is
// rebuilt only when a source it may contain changed since it was built (or with --rebuild).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadServices, repoRoot, type ServicePackage } from "@riposte/infra";
// Not part of @riposte/infra's exports: the benchmark must build exactly what `npm run build` builds.
import { BUNDLE_ENTRY, bundleService } from "@riposte/infra/build";

export const FLOORS = {
  "bare-hono": "a hono app answering 204, no client library",
  pubsub: "Pub/Sub client + bare 204 (floor of router, notifier)",
  "pubsub-k8s": "Pub/Sub + Kubernetes clients + bare 204 (floor of pod-killer, isolator, tainter)",
  "pubsub-scc": "Pub/Sub + SCC v2 clients + bare 204 (floor of scc-exporter)",
  "pubsub-k8s-lazy": "pubsub-k8s with both clients imported on the first push instead of at start",
  "pubsub-scc-all": "pubsub-scc importing the SCC package root (all API versions) instead of v2 only",
  relay:
    "Pub/Sub client that publishes what it is pushed, no work (latency and storm floors; cold start incl. first publish)",
} as const;
export type FloorName = keyof typeof FLOORS;

/** Which floor each service is judged against: the client libraries it needs. */
export const FLOOR_OF_SERVICE: Readonly<Record<string, FloorName>> = {
  router: "pubsub",
  notifier: "pubsub",
  "pod-killer": "pubsub-k8s",
  isolator: "pubsub-k8s",
  tainter: "pubsub-k8s",
  "scc-exporter": "pubsub-scc",
};

export interface Bundles {
  services: ServicePackage[];
  /** Absolute path of main.mjs per service name. */
  service: Record<string, string>;
  floor: Record<FloorName, string>;
  /** What was (re)built this run, e.g. "router (4.1 s)". */
  built: string[];
  benchDir: string;
}

const root = repoRoot();
const benchDir = join(root, "bench");
const distDir = join(benchDir, "dist");

/** Newest modification time of the files under `dirs` (skipping node_modules, dist and tests). */
function newestMtime(dirs: readonly string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stats = statSync(path);
    if (!stats.isDirectory()) {
      if (!path.endsWith(".test.ts")) newest = Math.max(newest, stats.mtimeMs);
      return;
    }
    for (const entry of readdirSync(path)) {
      if (entry === "node_modules" || entry === "dist") continue;
      visit(join(path, entry));
    }
  };
  for (const dir of dirs) visit(dir);
  return newest;
}

function isFresh(entry: string, sourcesMtime: number): boolean {
  return existsSync(entry) && statSync(entry).mtimeMs > sourcesMtime;
}

export async function ensureBundles(options: {
  rebuild: boolean;
  log: (line: string) => void;
}): Promise<Bundles> {
  const services = await loadServices(root);
  const lockMtime = statSync(join(root, "package-lock.json")).mtimeMs;
  // A service bundle holds the workspace packages and the service itself.
  const workspaceMtime = Math.max(
    lockMtime,
    newestMtime([join(root, "packages"), join(root, "services"), join(root, "infra", "src", "build")]),
  );
  const floorsMtime = Math.max(lockMtime, newestMtime([join(benchDir, "src", "floors")]));

  const jobs: { name: string; dir: string; main: string; outDir: string; fresh: boolean }[] = [
    ...services.map((service) => {
      const outDir = join(distDir, "services", service.descriptor.name);
      return {
        name: service.descriptor.name,
        dir: service.dir,
        main: service.main,
        outDir,
        fresh: isFresh(join(outDir, BUNDLE_ENTRY), workspaceMtime),
      };
    }),
    ...(Object.keys(FLOORS) as FloorName[]).map((floor) => {
      const outDir = join(distDir, "floors", floor);
      return {
        name: `floor-${floor}`,
        dir: benchDir,
        main: join(benchDir, "src", "floors", `${floor}.ts`),
        outDir,
        fresh: isFresh(join(outDir, BUNDLE_ENTRY), floorsMtime),
      };
    }),
  ];
  const stale = jobs.filter((job) => options.rebuild || !job.fresh);
  if (stale.length > 0)
    options.log(`building ${stale.length} bundle(s): ${stale.map((job) => job.name).join(", ")}`);
  const results = await Promise.all(
    stale.map((job) =>
      bundleService({ name: job.name, dir: job.dir, main: job.main }, { repoRoot: root, outDir: job.outDir }),
    ),
  );
  for (const result of results) {
    for (const warning of result.warnings) options.log(`${result.service}: esbuild warning: ${warning}`);
  }
  return {
    services,
    service: Object.fromEntries(
      services.map((service) => [
        service.descriptor.name,
        join(distDir, "services", service.descriptor.name, BUNDLE_ENTRY),
      ]),
    ),
    floor: Object.fromEntries(
      (Object.keys(FLOORS) as FloorName[]).map((floor) => [
        floor,
        join(distDir, "floors", floor, BUNDLE_ENTRY),
      ]),
    ) as Record<FloorName, string>,
    built: results.map((result) => `${result.service} (${(result.durationMs / 1000).toFixed(1)} s)`),
    benchDir,
  };
}

export function bundleBytes(entry: string): number {
  return statSync(entry).size;
}
