// Which playbooks this router instance runs, and the start-up log line that makes it auditable: the
// file, the Secret Manager version the deploy pinned, and the sha256 of the bytes actually read.
import { playbooksFilePath, type RouterConfig } from "../config.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./default-playbooks.js";
import { parsePlaybooks, readPlaybookFile, sha256Of } from "./load.js";
import type { CompiledPlaybook } from "./match.js";

export const DEFAULT_PLAYBOOKS_SOURCE = "default playbooks (built in)";

export interface PlaybookSource {
  /** The file read, or DEFAULT_PLAYBOOKS_SOURCE. */
  file: string;
  /** PLAYBOOKS_VERSION: the secret version the deploy mounted, when it said. */
  version: string | undefined;
  sha256: string;
  playbooks: CompiledPlaybook[];
}

/** Loads PLAYBOOKS_FILE (or the shipped playbooks); an invalid file throws PlaybookError. */
export function loadConfiguredPlaybooks(config: RouterConfig, processCwd?: string): PlaybookSource {
  const file = playbooksFilePath(config, processCwd);
  const version = config.PLAYBOOKS_VERSION;
  if (!file) {
    return {
      file: DEFAULT_PLAYBOOKS_SOURCE,
      version,
      sha256: sha256Of(DEFAULT_PLAYBOOKS_YAML),
      playbooks: parsePlaybooks(DEFAULT_PLAYBOOKS_YAML, DEFAULT_PLAYBOOKS_SOURCE),
    };
  }
  return { file, version, ...readPlaybookFile(file) };
}

export function playbookSourceLog(source: PlaybookSource): {
  fields: Record<string, string | number | null>;
  message: string;
} {
  const count = source.playbooks.length;
  return {
    fields: {
      playbooksFile: source.file,
      playbooksVersion: source.version ?? null,
      playbooksSha256: source.sha256,
      playbooks: count,
    },
    message: `loaded ${count} playbook${count === 1 ? "" : "s"} from ${source.file} (${
      source.version ? `version ${source.version}` : "no version"
    }, sha256 ${source.sha256.slice(0, 12)})`,
  };
}
