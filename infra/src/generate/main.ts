// `node --import tsx infra/src/generate/main.ts service <name> "<description>"` or `… actioner <action>
// <service> "<description>"` from the repository root: the same generators as `turbo gen service|actioner
// --args …`, without turbo.
import { join } from "node:path";
import { repoRoot } from "../services.js";
import { GeneratorInputError, runGenerator } from "./run-generator.js";

const [generatorName = "service", ...args] = process.argv.slice(2);
const root = repoRoot();
try {
  for (const line of await runGenerator(
    join(root, "turbo", "generators", "config.ts"),
    generatorName,
    args,
    root,
  )) {
    console.log(line);
  }
} catch (error) {
  console.error(`generate ${generatorName}: ${(error as Error).message}`);
  process.exitCode = error instanceof GeneratorInputError ? 2 : 1;
}
