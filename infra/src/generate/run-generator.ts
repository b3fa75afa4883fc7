// Runs a turbo (Plop) generator config without turbo: answers come from arguments in prompt order,
// exactly as `turbo gen <name> --args …` bypasses the prompts, each checked by its prompt's validate.
// Used by the generator's test and as a fallback when `turbo gen` cannot fetch @turbo/gen.
import { pathToFileURL } from "node:url";
import type { Answers, GeneratorConfig, PlopApi } from "../../../turbo/generators/config.js";

export class GeneratorInputError extends Error {
  override readonly name = "GeneratorInputError";
}

export async function runGenerator(
  configPath: string,
  generatorName: string,
  args: readonly string[],
  root: string,
): Promise<string[]> {
  const module = (await import(pathToFileURL(configPath).href)) as { default: (plop: PlopApi) => void };
  const generators = new Map<string, GeneratorConfig>();
  module.default({
    setGenerator: (name, config) => generators.set(name, config),
    getDestBasePath: () => root,
  });
  const generator = generators.get(generatorName);
  if (!generator) {
    throw new GeneratorInputError(
      `no generator ${JSON.stringify(generatorName)} in ${configPath} (it has ${[...generators.keys()].join(", ")})`,
    );
  }
  const answers: Answers = { turbo: { paths: { root } } };
  generator.prompts.forEach((prompt, index) => {
    const value = args[index] ?? prompt.default;
    if (value === undefined) throw new GeneratorInputError(`${prompt.name}: missing (${prompt.message})`);
    const valid = prompt.validate?.(value) ?? true;
    if (valid !== true) throw new GeneratorInputError(`${prompt.name}: ${valid}`);
    answers[prompt.name] = value;
  });
  const results: string[] = [];
  for (const action of generator.actions) results.push(await action(answers));
  return results;
}
