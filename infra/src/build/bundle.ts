// Standalone bundles for Cloud Run: `services/<name>/dist/` holds one ESM file with every dependency
// inlined (workspace packages, zod, hono, the Google clients and their protos), the few packages that
// must stay real files beside it in `dist/node_modules`, and V8's compile cache of both (see
// compile-cache.ts). It runs with `node dist/main.mjs` and nothing else. One module for every service: the service list comes from the descriptors.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build } from "esbuild";
import {
  BUNDLE_MODULE,
  COMPILE_CACHE_DIR,
  IMAGE_USER_ID,
  LAUNCHER,
  writeCompileCache,
} from "./compile-cache.js";

export { BUNDLE_MODULE, COMPILE_CACHE_DIR, IMAGE_USER_ID };

/** What the image runs: `node main.mjs` (the Dockerfile's CMD), the launcher of service.mjs. */
export const BUNDLE_ENTRY = "main.mjs";

/** What esbuild compiles for: the Node of the runtime image, which dev and CI run too. */
export const BUNDLE_TARGET = "node24";

/**
 * Packages kept out of the bundle and shipped as files in `dist/node_modules`, each with why. A
 * package is shipped only when the bundle actually imports it.
 */
export const SHIPPED_PACKAGES: readonly { name: string; why: string }[] = [
  {
    name: "@grpc/grpc-js",
    why:
      "OpenTelemetry's grpc instrumentation patches it when it is require()d by name; inlined, it never " +
      "is and Pub/Sub and SCC calls get no spans (measured: a bundle with it inlined traced no gRPC call)",
  },
];

// ESM output because every main.ts awaits startService at top level, which esbuild cannot emit as
// CommonJS. The CommonJS libraries inside still call require() and google-gax reads __dirname, so the
// banner defines them for the bundle's own location (the combination measured to work with these
// clients: both start and publish from an empty directory, checked by the bundle test).
const ESM_BANNER = [
  'import { createRequire as __riposteCreateRequire } from "node:module";',
  'import { fileURLToPath as __riposteFileUrlToPath } from "node:url";',
  'import { dirname as __riposteDirname } from "node:path";',
  "const require = __riposteCreateRequire(import.meta.url);",
  "const __filename = __riposteFileUrlToPath(import.meta.url);",
  "const __dirname = __riposteDirname(__filename);",
].join("\n");

export interface BundleTarget {
  /** The service name (its folder under services/). */
  name: string;
  /** Absolute path of `services/<name>`. */
  dir: string;
  /** Absolute path of the entry point (`src/main.ts`). */
  main: string;
}

export interface BundleOptions {
  /** Where to write (default `<dir>/dist`); emptied first. */
  outDir?: string;
  /** The folder whose node_modules the shipped packages are copied from (default: the repo root). */
  repoRoot: string;
  /** Minify the bundle (≈25 ms faster cold start, unreadable stack traces). Default false. */
  minify?: boolean;
}

export interface ShippedPackage {
  name: string;
  version: string;
  /** Path inside the bundle folder, e.g. `node_modules/@grpc/grpc-js`. */
  path: string;
}

export interface BundleResult {
  service: string;
  outDir: string;
  /** Absolute path of `main.mjs`. */
  entry: string;
  /** Bytes of the bundle (`service.mjs`). */
  bundleBytes: number;
  /** Bytes of its compile cache. */
  compileCacheBytes: number;
  /** The shipped packages with everything they depend on. */
  shipped: ShippedPackage[];
  shippedBytes: number;
  warnings: string[];
  durationMs: number;
}

export class BundleError extends Error {
  override readonly name = "BundleError";
}

export async function bundleService(target: BundleTarget, options: BundleOptions): Promise<BundleResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir ?? join(target.dir, "dist"));
  if (!existsSync(target.main)) {
    throw new BundleError(`${target.name}: entry point ${target.main} does not exist`);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, BUNDLE_ENTRY);
  const bundle = join(outDir, BUNDLE_MODULE);

  const result = await build({
    entryPoints: [target.main],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "esm",
    banner: { js: ESM_BANNER },
    external: SHIPPED_PACKAGES.map((pkg) => pkg.name),
    minify: options.minify ?? false,
    // No keepNames: it wraps every function and class the bundle creates at run time in __name() (a
    // defineProperty each time; ≈ 10 % of parsing an alert in a profile). Nothing is minified, so names
    // stay as written, and Riposte's error classes set `name` themselves.
    keepNames: false,
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
    absWorkingDir: options.repoRoot,
  }).catch((error: unknown) => {
    throw new BundleError(`${target.name}: esbuild failed: ${(error as Error).message}`);
  });

  const imported = new Set(
    Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((entry) => entry.external).map((entry) => entry.path),
    ),
  );
  const shipped: ShippedPackage[] = [];
  const seen = new Set<string>();
  for (const pkg of SHIPPED_PACKAGES) {
    if (!imported.has(pkg.name)) continue;
    for (const found of packageClosure(pkg.name, options.repoRoot)) {
      if (seen.has(found.dir)) continue;
      seen.add(found.dir);
      const path = bundlePathOf(found.dir, options.repoRoot);
      copyPackage(found.dir, join(outDir, path));
      shipped.push({ name: found.name, version: found.version, path });
    }
  }
  shipped.sort((a, b) => a.path.localeCompare(b.path));
  writeFileSync(entry, LAUNCHER);
  const compileCacheBytes = await writeCompileCache(
    outDir,
    SHIPPED_PACKAGES.filter((pkg) => imported.has(pkg.name)).map((pkg) => pkg.name),
  ).catch((error: unknown) => {
    throw new BundleError(`${target.name}: compile cache: ${(error as Error).message}`);
  });

  return {
    service: target.name,
    outDir,
    entry,
    bundleBytes: statSync(bundle).size,
    compileCacheBytes,
    shipped,
    shippedBytes: shipped.reduce((sum, pkg) => sum + folderBytes(join(outDir, pkg.path)), 0),
    warnings: result.warnings.map((warning) => warning.text),
    durationMs: Math.round(performance.now() - started),
  };
}

interface InstalledPackage {
  name: string;
  version: string;
  dir: string;
}

/**
 * The package `name` as Node would find it from `fromDir`, and everything it depends on at run time
 * (dependencies and installed optionalDependencies; type packages and peers are left out).
 */
export function packageClosure(name: string, fromDir: string): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const visit = (packageName: string, from: string, requiredBy: string) => {
    const dir = findPackageDir(packageName, from);
    if (!dir) {
      throw new BundleError(
        `cannot ship ${packageName} (needed by ${requiredBy}): not installed in a node_modules above ${from}`,
      );
    }
    if (found.has(dir)) return;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      version?: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    found.set(dir, { name: packageName, version: manifest.version ?? "0.0.0", dir });
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith("@types/")) continue;
      visit(dependency, dir, packageName);
    }
    for (const optional of Object.keys(manifest.optionalDependencies ?? {})) {
      if (findPackageDir(optional, dir)) visit(optional, dir, packageName);
    }
  };
  visit(name, fromDir, "the bundle");
  return [...found.values()];
}

/** Node's lookup: `<dir>/node_modules/<name>` from `from` up to the filesystem root. */
function findPackageDir(name: string, from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Keeps the node_modules nesting below the repo root, so each package finds the versions it found there. */
function bundlePathOf(packageDir: string, repoRoot: string): string {
  const parts = relative(repoRoot, packageDir).split(sep);
  const first = parts.indexOf("node_modules");
  if (first < 0) throw new BundleError(`${packageDir} is not inside a node_modules folder`);
  return parts.slice(first).join("/");
}

// Sources, type declarations, source maps and docs are not needed to run; everything else is kept
// (the grpc-js .proto files, JSON, licences).
const NOT_SHIPPED = /\.(ts|mts|cts|map|md|markdown)$/;

function copyPackage(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (source) => {
      const rel = relative(from, source);
      if (rel === "") return true;
      // Nested node_modules hold other packages: copied only if they are in the closure.
      if (rel.split(sep).includes("node_modules")) return false;
      return !NOT_SHIPPED.test(source);
    },
  });
}

function folderBytes(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += folderBytes(join(path, entry));
  return total;
}

/** Writes a small record of what was built (read by the bundle test and by people debugging an image). */
export function writeBuildInfo(result: BundleResult): void {
  writeFileSync(
    join(result.outDir, "build-info.json"),
    `${JSON.stringify(
      {
        service: result.service,
        entry: BUNDLE_ENTRY,
        bundleBytes: result.bundleBytes,
        compileCacheBytes: result.compileCacheBytes,
        shipped: result.shipped.map((pkg) => `${pkg.name}@${pkg.version}`),
      },
      null,
      2,
    )}\n`,
  );
}
