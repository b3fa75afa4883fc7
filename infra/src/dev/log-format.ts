// Turning the services' JSON log lines into readable, prefixed terminal lines. Log fields carry
// attacker-controlled text (rule output, pod names), so control characters are made visible: an
// alert must not be able to move the cursor or recolour the operator's terminal.

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];
const SEVERITY_COLOR: Record<string, number> = { WARNING: 33, ERROR: 31, CRITICAL: 31, DEBUG: 90 };
const HIDDEN_FIELDS = new Set(["severity", "message", "time", "service", "version", "pid", "hostname"]);

// C0/C1 controls (except tab), line separators and every bidi control (overrides, isolates and the
// implicit marks ALM U+061C, LRM U+200E, RLM U+200F) that could forge, reorder or hide text.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function makeVisible(text: string): string {
  return text.replace(INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function colorFor(index: number, useColor: boolean): (text: string) => string {
  const code = COLORS[index % COLORS.length];
  return useColor ? (text) => `\u001b[${code}m${text}\u001b[0m` : (text) => text;
}

function compactValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** One log line from a service: JSON lines become `HH:MM:SS SEVERITY message key=value…`. */
export function formatLogLine(line: string, useColor: boolean): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return makeVisible(line);
    entry = parsed as Record<string, unknown>;
  } catch {
    return makeVisible(line);
  }
  const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
  const severity = typeof entry.severity === "string" ? entry.severity : "INFO";
  const message = typeof entry.message === "string" ? entry.message : "";
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN_FIELDS.has(key) && !key.startsWith("logging.googleapis.com/"))
    .map(([key, value]) => `${key}=${compactValue(value)}`)
    .join(" ");
  const color = SEVERITY_COLOR[severity];
  const label = useColor && color ? `\u001b[${color}m${severity.padEnd(7)}\u001b[0m` : severity.padEnd(7);
  // Escape before colouring, so only our own colour codes reach the terminal.
  return `${time} ${label} ${makeVisible(`${message}${fields ? `  ${fields}` : ""}`)}`;
}
