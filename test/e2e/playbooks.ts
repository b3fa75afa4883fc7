// Playbooks for end-to-end tests about one actioner rather than the chain: the shipped defaults with
// the Critical kill at once (services/router/src/testing/playbooks.ts), as a file for PLAYBOOKS_FILE.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsWithKillAtOnce } from "@riposte/router/testing";

export { defaultsWithKillAtOnce };

/** A file of them, for the router's PLAYBOOKS_FILE. */
export function killAtOncePlaybooksFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "riposte-e2e-playbooks-")), "playbooks.yaml");
  writeFileSync(file, defaultsWithKillAtOnce());
  return file;
}
