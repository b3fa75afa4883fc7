import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envDocs, withEnvDocs } from "./docs.js";
import { loadServices, repoRoot } from "./services.js";

// Loading every descriptor imports each service's dependencies: slow on a busy machine.
describe("README configuration tables", { timeout: 60_000 }, () => {
  it("match the service descriptors (run `npx riposte docs` after changing an env schema)", async () => {
    const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
    const docs = envDocs((await loadServices()).map((service) => service.descriptor));
    expect(withEnvDocs(readme, docs)).toBe(readme);
    expect(docs).toContain("| `CLUSTERS` | **required** |");
    expect(docs).toContain("| `DEDUP_WINDOW_SECONDS` | `60` |");
  });
});
