// Glob patterns as playbook authors expect them: `*` any run of characters, `?` one character,
// everything else literal. Anchored and case-sensitive (Falco rule names are).

export type Glob = (value: string) => boolean;

export function compileGlob(pattern: string): Glob {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  let source = "";
  for (const char of pattern) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
  }
  const regexp = new RegExp(`^${source}$`, "u");
  return (value) => regexp.test(value);
}

export function compileGlobs(patterns: readonly string[]): Glob {
  const globs = patterns.map(compileGlob);
  return (value) => globs.some((glob) => glob(value));
}
