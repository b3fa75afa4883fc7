// What the installed gcloud accepts: the flags of one command, read from its `--help` text. The deploy
// plan's flag check asks gcloud itself rather than trusting a list written from memory.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliSearchPath } from "../cli/config.js";

export class GcloudNotFoundError extends Error {
  override readonly name = "GcloudNotFoundError";
}

// Sections that define flags: "FLAGS", "REQUIRED FLAGS", "OPTIONAL FLAGS", "<GROUP> FLAGS", and the
// resource flags listed under "POSITIONAL ARGUMENTS" (e.g. `--namespace`). Prose sections only
// mention flags.
const PROSE_SECTIONS = new Set(["NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "NOTES", "API REFERENCE"]);

// A definition line is the flag alone, or followed by `=VALUE`, `[=…]`, `; default=…` or `, ` and its
// aliases (`--[no-]pap, --[no-]public-access-prevention`, `--location=LOCATION, -l LOCATION`); a line
// of prose that happens to start with a flag ("--min to set …") is not one.
const DEFINITION = /^--(\[no-\])?([a-z][a-z0-9-]*)(?=$|=|\[|;|,)/;

/** Every flag `gcloud <command> --help` defines, `--[no-]x` giving both `x` and `no-x`. */
export function flagsInHelp(help: string): Set<string> {
  const flags = new Set<string>();
  let section = "";
  for (const line of help.split("\n")) {
    if (/^[A-Z][A-Z /-]*$/.test(line.trimEnd())) {
      section = line.trim();
      continue;
    }
    if (section === "GCLOUD WIDE FLAGS") {
      for (const match of line.matchAll(/--([a-z][a-z0-9-]*)/g)) flags.add(match[1] as string);
      continue;
    }
    if (PROSE_SECTIONS.has(section)) continue;
    if (!DEFINITION.test(line.trim())) continue;
    for (const alias of line.trim().split(", ")) {
      const match = DEFINITION.exec(alias);
      if (!match) continue;
      const name = match[2] as string;
      flags.add(name);
      if (match[1]) flags.add(`no-${name}`);
    }
  }
  return flags;
}

/** `gcloud <path> --help` as plain text, with a throwaway config dir, no prompts and only our PATH. */
export async function gcloudHelp(
  path: readonly string[],
  gcloud = "gcloud",
  searchPath = cliSearchPath(),
): Promise<string> {
  const config = mkdtempSync(join(tmpdir(), "riposte-gcloud-"));
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        gcloud,
        [...path, "--help"],
        {
          env: {
            PATH: searchPath,
            HOME: config,
            CLOUDSDK_CONFIG: config,
            CLOUDSDK_CORE_DISABLE_PROMPTS: "1",
            // No bold/underline escapes in the help text.
            TERM: "dumb",
          },
          maxBuffer: 8 * 1024 * 1024,
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
            reject(
              new GcloudNotFoundError(
                "gcloud is not installed: apt-get install google-cloud-cli (see the README's prerequisites)",
              ),
            );
          } else if (error) {
            reject(new Error(`gcloud ${path.join(" ")} --help failed: ${stderr.trim() || error.message}`));
          } else resolve(stdout);
        },
      );
    });
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}
