// V8's compile cache, made when the bundle is built and shipped in it: at start-up Node then reads the
// compiled code of the ~10 MB bundle instead of parsing and compiling its source. The cache must be
// on before the bundle is compiled, so `main.mjs` is a small launcher that turns it on and then
// imports the bundle (`service.mjs`). The cache is "portable" (its entries are keyed by the path
// relative to the cache folder), so it is valid wherever the folder is copied, e.g. /app in the image.
import { execFile } from "node:child_process";
import { chmodSync, lstatSync, readdirSync, renameSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

/** The bundle itself; `main.mjs` (BUNDLE_ENTRY) imports it once the compile cache is on. */
export const BUNDLE_MODULE = "service.mjs";

/**
 * The compile cache's folder beside the bundle. Node keeps one subfolder per Node version, V8 flags
 * and user id in it (`v24.21.0-x64-964aae3f-65532`): it reads only the subfolder of the uid running it.
 */
export const COMPILE_CACHE_DIR = "compile-cache";

/** The user the image runs as (the distroless `nonroot` user; the Dockerfile's USER). */
export const IMAGE_USER_ID = 65532;

/**
 * The launcher. Node accepts a cache entry only for the same source and the same Node version (and
 * V8 flags); anything else, or a folder it cannot read or write, falls back to compiling as if there
 * were no cache, and never stops the start. `NODE_DISABLE_COMPILE_CACHE=1` turns it off (the
 * benchmark measures with and without).
 */
export const LAUNCHER = `// Turns Node's compile cache on (made at build time, in ./${COMPILE_CACHE_DIR}), then starts the service.
import { enableCompileCache } from "node:module";
import { fileURLToPath } from "node:url";

enableCompileCache({ directory: fileURLToPath(new URL("./${COMPILE_CACHE_DIR}", import.meta.url)), portable: true });
await import("./${BUNDLE_MODULE}");
`;

const STOP = "riposte: compiled, not run";

// Run by the Node that builds (the project's Node, which the image runs too). A module graph is
// compiled whole before any of it runs, so importing the bundle after a module that throws compiles
// it (and caches the code) without starting the service. The two tiny data: modules get cache entries
// of their own (≈ 1 KB); they are never read. The shipped packages (required by name at run time)
// are loaded too, so that their files are in the cache as well.
const GENERATOR = `
import { constants, createRequire, enableCompileCache, flushCompileCache } from "node:module";
const [directory, bundleUrl, ...shipped] = process.argv.slice(1);
const enabled = enableCompileCache({ directory, portable: true });
if (enabled.status !== constants.compileCacheStatus.ENABLED) throw new Error(enabled.message);
const STOP = ${JSON.stringify(STOP)};
const stop = "data:text/javascript," + encodeURIComponent("throw new Error(" + JSON.stringify(STOP) + ")");
const graph = "import " + JSON.stringify(stop) + "; import " + JSON.stringify(bundleUrl) + ";";
await import("data:text/javascript," + encodeURIComponent(graph)).catch((error) => {
  if (error?.message !== STOP) throw error;
});
const require = createRequire(bundleUrl);
for (const name of shipped) require(name);
flushCompileCache();
`;

/**
 * Writes the compile cache of `outDir`'s bundle (and of the shipped packages) into
 * `outDir/compile-cache`, readable by everyone: the image copies it as root and runs as uid 65532.
 * Returns the cache's size in bytes.
 */
export async function writeCompileCache(
  outDir: string,
  shippedPackages: readonly string[],
  nodePath = process.execPath,
): Promise<number> {
  const directory = join(outDir, COMPILE_CACHE_DIR);
  await promisify(execFile)(
    nodePath,
    [
      "--input-type=module",
      "-e",
      GENERATOR,
      directory,
      pathToFileURL(join(outDir, BUNDLE_MODULE)).href,
      ...shippedPackages,
    ],
    // None of the build's environment: a shipped package's top level may read it.
    { cwd: outDir, env: {} },
  );
  forImageUser(directory);
  return makeReadable(directory);
}

/**
 * Node wrote the subfolder of the uid that built; the image runs as IMAGE_USER_ID. The subfolder is
 * renamed for the image's user, and the builder's name kept as a link to it, so local runs
 * (`node dist/main.mjs`, the tests, the benchmark) read the same cache.
 */
function forImageUser(directory: string): void {
  const builderSuffix = `-${process.getuid?.() ?? 0}`;
  for (const name of readdirSync(directory)) {
    if (!name.endsWith(builderSuffix) || lstatSync(join(directory, name)).isSymbolicLink()) continue;
    const imageName = `${name.slice(0, -builderSuffix.length)}-${IMAGE_USER_ID}`;
    if (imageName === name) continue;
    renameSync(join(directory, name), join(directory, imageName));
    symlinkSync(imageName, join(directory, name));
  }
}

/** chmod a+rX over the folder (Node writes its cache files 0600); the total size of its files. */
function makeReadable(path: string): number {
  if (lstatSync(path).isSymbolicLink()) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) {
    chmodSync(path, 0o644);
    return stats.size;
  }
  chmodSync(path, 0o755);
  let total = 0;
  for (const entry of readdirSync(path)) total += makeReadable(join(path, entry));
  return total;
}
