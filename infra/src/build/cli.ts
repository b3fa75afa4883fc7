// `npm run build` in a service folder (and `turbo run build` over all of them) ends here: bundle the
// service whose folder is the working directory, or the services named, or --all.
import { relative } from "node:path";
import { loadServices, repoRoot } from "../services.js";
import { BUNDLE_ENTRY, bundleService, writeBuildInfo } from "./bundle.js";

export interface BuildIo {
  cwd: string;
  log(line: string): void;
  error(line: string): void;
}

const usage = `Usage: build [SERVICE…] [--all] [--minify]

Bundles services/<name>/src/main.ts into services/<name>/dist/${BUNDLE_ENTRY} (run by the Dockerfile).
Without a service name, builds the service whose folder is the working directory.`;

export async function runBuildCli(args: readonly string[], io: BuildIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.log(usage);
    return 0;
  }
  const root = repoRoot();
  const services = await loadServices(root);
  const names = args.filter((arg) => !arg.startsWith("--"));
  const unknownFlags = args.filter((arg) => arg.startsWith("--") && arg !== "--all" && arg !== "--minify");
  if (unknownFlags.length > 0) {
    io.error(`build: unknown option ${unknownFlags.join(", ")}\n\n${usage}`);
    return 2;
  }
  const selected = args.includes("--all")
    ? services
    : names.length > 0
      ? names.map((name) => services.find((service) => service.descriptor.name === name) ?? name)
      : [services.find((service) => service.dir === io.cwd) ?? `the working directory ${io.cwd}`];
  const missing = selected.filter((entry) => typeof entry === "string");
  if (missing.length > 0) {
    io.error(
      `build: no service ${missing.join(", ")} (services: ${services.map((s) => s.descriptor.name).join(", ")})`,
    );
    return 2;
  }
  for (const service of selected) {
    if (typeof service === "string") continue;
    const result = await bundleService(
      { name: service.descriptor.name, dir: service.dir, main: service.main },
      { repoRoot: root, minify: args.includes("--minify") },
    );
    writeBuildInfo(result);
    for (const warning of result.warnings) io.error(`${result.service}: warning: ${warning}`);
    const shipped = result.shipped.length
      ? ` + node_modules (${result.shipped.length} packages, ${megabytes(result.shippedBytes)})`
      : "";
    io.log(
      `${result.service}: ${relative(root, result.entry)} ${megabytes(result.bundleBytes)}${shipped} in ${result.durationMs} ms`,
    );
  }
  return 0;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
