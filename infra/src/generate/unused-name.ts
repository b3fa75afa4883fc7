// The generator's tests name their service after the README's example, but a service of that name may
// really have been generated in this checkout (then "already exists"): they take a free variant.
import { existsSync } from "node:fs";
import { join } from "node:path";

export function unusedServiceName(root: string, example: string): string {
  const taken = (name: string) => existsSync(join(root, "services", name));
  let name = example;
  for (let suffix = 2; taken(name); suffix++) name = `${example}-${suffix}`;
  return name;
}
