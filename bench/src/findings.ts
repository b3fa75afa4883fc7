// The hand-written part of BENCHMARKS.md: what the profiles showed and what was changed or tried,
// kept in bench/findings.md and appended to the generated figures.
import { existsSync, readFileSync } from "node:fs";

export function readFindings(): string {
  const path = new URL("../findings.md", import.meta.url);
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
