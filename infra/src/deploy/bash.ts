// Plan calls as bash words: shared by the script (shell.ts) and its preflight (preflight.ts).
import { type CliCall, wordParts } from "./commands.js";

const SAFE = /^[A-Za-z0-9_./:=@%+,^-]+$/;

/** Text as one bash word that bash reads back exactly: bare when safe, else single-quoted. */
export function literalWord(text: string): string {
  if (text !== "" && SAFE.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * One shell word. Only plan variables (planVariable) become `${NAME}`, inside double quotes; all other
 * text is literal: a word whose text is all safe reads as one double-quoted string, any other text is
 * single-quoted piece by piece, so a user's `$(…)`, backquote or `${HOME}` is never expanded.
 */
export function shellWord(word: string): string {
  const { literals, variables } = wordParts(word);
  if (variables.length === 0) return literalWord(word);
  const refs = variables.map((name) => `\${${name}}`);
  if (literals.every((text) => text === "" || SAFE.test(text))) {
    return `"${literals.map((text, index) => `${text}${refs[index] ?? ""}`).join("")}"`;
  }
  return literals
    .map((text, index) => `${text === "" ? "" : literalWord(text)}${refs[index] ? `"${refs[index]}"` : ""}`)
    .join("");
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
