// The generator's tests name their service (and action) after the README's example, but one of that
// name may really have been generated in this checkout (then "already exists"): they take a free variant.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { catalogueActions } from "../../../turbo/generators/config.js";

export function unusedServiceName(root: string, example: string): string {
  const taken = (name: string) => existsSync(join(root, "services", name));
  let name = example;
  for (let suffix = 2; taken(name); suffix++) name = `${example}-${suffix}`;
  return name;
}

/** An action name the catalogue does not have yet: `example`, or a numbered variant of it. */
export function unusedActionName(root: string, example: string): string {
  const taken = new Set(catalogueActions(root) ?? []);
  let name = example;
  for (let suffix = 2; taken.has(name); suffix++) name = `${example}-${suffix}`;
  return name;
}
