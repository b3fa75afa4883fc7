// Plan calls as bash words: shared by the script (shell.ts) and its preflight (preflight.ts).
import type { CliCall } from "./commands.js";

const SAFE = /^[A-Za-z0-9_./:=@%+,^-]+$/;

/** One shell word: bare when safe, double-quoted when it refers to `${VARS}`, else single-quoted. */
export function shellWord(word: string): string {
  if (word !== "" && SAFE.test(word)) return word;
  if (/\$\{[A-Z][A-Z0-9_]*\}/.test(word)) {
    // Escape everything the shell would expand inside double quotes, except our own ${VARS}.
    const escaped = word.replace(/(["\\`])/g, "\\$1").replace(/\$(?!\{[A-Z][A-Z0-9_]*\})/g, "\\$");
    return `"${escaped}"`;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A call on one line when short, else one flag per continued line. */
export function renderCall(call: CliCall, indent = ""): string {
  const words = [
    ...[call.program, ...call.path, ...call.positionals].map(shellWord),
    // `--name=value` with only the value quoted reads the way people write it.
    ...call.flags.map((flag) => (flag.length === 1 ? `--${flag[0]}` : `--${flag[0]}=${shellWord(flag[1])}`)),
  ];
  const oneLine = words.join(" ");
  if (oneLine.length + indent.length <= 100) return oneLine;
  const head = [call.program, ...call.path, ...call.positionals].length;
  return [words.slice(0, head).join(" "), ...words.slice(head).map((word) => `${indent}  ${word}`)].join(
    " \\\n",
  );
}
