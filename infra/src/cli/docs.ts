// `riposte docs`: regenerates the README's configuration tables from the service descriptors.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withGeneratedDocs } from "../docs.js";
import { loadServices, repoRoot } from "../services.js";
import { type Command, parseCommandArgs } from "./command.js";

const usage =
  "Usage: riposte docs   (rewrites the env tables and the redelivery table in README.md from the service descriptors)";

export const docsCommand: Command = {
  name: "docs",
  summary: "regenerate the README's configuration tables from the descriptors",
  usage,
  async run(args) {
    const { values } = parseCommandArgs({ usage }, args, {});
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const path = join(repoRoot(), "README.md");
    const descriptors = (await loadServices()).map((service) => service.descriptor);
    writeFileSync(path, withGeneratedDocs(readFileSync(path, "utf8"), descriptors));
    console.log(`updated ${path}`);
    return 0;
  },
};
