// The services that exist, found from their descriptors: every `services/<name>` package exporting
// `./descriptor` joins topology, deploy plan and `riposte dev` with no edit here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServiceDescriptor } from "@riposte/service-kit";

export interface ServicePackage {
  descriptor: ServiceDescriptor;
  /** Absolute path of `services/<name>`. */
  dir: string;
  /** Absolute path of the service's entry point (`src/main.ts`). */
  main: string;
}

/** The repository root (the folder holding `services/`). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

export async function loadServices(root = repoRoot()): Promise<ServicePackage[]> {
  const servicesDir = join(root, "services");
  if (!existsSync(servicesDir)) return [];
  const found: ServicePackage[] = [];
  for (const name of readdirSync(servicesDir).sort()) {
    const dir = join(servicesDir, name);
    const manifestPath = join(dir, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: Record<string, string> };
    const descriptorPath = manifest.exports?.["./descriptor"];
    if (!descriptorPath) continue;
    const module = (await import(pathToFileURL(join(dir, descriptorPath)).href)) as {
      default?: ServiceDescriptor;
    };
    if (!module.default?.name) {
      throw new Error(`${join(dir, descriptorPath)} must \`export default\` the service descriptor`);
    }
    if (module.default.name !== name) {
      throw new Error(
        `service folder services/${name} declares descriptor name "${module.default.name}"; they must match`,
      );
    }
    found.push({ descriptor: module.default, dir, main: join(dir, "src", "main.ts") });
  }
  checkLocalPortOffsets(found.map((service) => service.descriptor));
  // The router first: it is the entry of the pipeline (listed first by `riposte dev`).
  return found.sort(
    (a, b) => Number(b.descriptor.name === "router") - Number(a.descriptor.name === "router"),
  );
}

/** Each service's local port offset is a distinct non-negative integer: two services on one port cannot both start. */
export function checkLocalPortOffsets(descriptors: readonly ServiceDescriptor[]): void {
  const owners = new Map<number, string>();
  for (const { name, localPortOffset } of descriptors) {
    if (!Number.isInteger(localPortOffset) || localPortOffset < 0 || localPortOffset > 999) {
      throw new Error(
        `service ${name}: localPortOffset must be an integer from 0 to 999, got ${localPortOffset}`,
      );
    }
    const owner = owners.get(localPortOffset);
    if (owner) {
      throw new Error(
        `services ${owner} and ${name} both declare localPortOffset ${localPortOffset}; give ${name} an unused one`,
      );
    }
    owners.set(localPortOffset, name);
  }
}
