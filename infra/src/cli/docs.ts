// `riposte docs`: regenerates the README's configuration tables from the service descriptors.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { envDocs, withEnvDocs } from "../docs.js";
import { loadServices, repoRoot } from "../services.js";
import { type Command, parseCommandArgs } from "./command.js";

const usage = "Usage: riposte docs   (rewrites the env tables in README.md from the service descriptors)";

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
    const docs = envDocs((await loadServices()).map((service) => service.descriptor));
    writeFileSync(path, withEnvDocs(readFileSync(path, "utf8"), docs));
    console.log(`updated ${path}`);
    return 0;
  },
};
