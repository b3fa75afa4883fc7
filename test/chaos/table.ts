// The chaos table as a person reads it in the test output: one row per action, one column per
// terminal state, then what did not end (unaccounted) and what happened twice (doubled).
import { type ActionRow, type Ledger, TERMINAL_STATES } from "./ledger.js";

const COLUMNS = [
  "expected",
  ...TERMINAL_STATES,
  "unaccounted",
  "doubled",
  "redelivered",
  "changed",
  "also-DLQ'd",
  "in a DLQ",
  "published",
] as const;

function cells(row: ActionRow): string[] {
  return [
    row.action,
    String(row.expected),
    ...TERMINAL_STATES.map((state) => String(row.states[state])),
    String(row.unaccounted),
    row.doubled === undefined ? "-" : String(row.doubled),
    String(row.redelivered),
    String(row.changed),
    String(row.alsoDeadLettered),
    String(row.deadLettered),
    row.published === undefined ? "-" : String(row.published),
  ];
}

/** A fixed-width text table; numbers right-aligned. */
export function formatLedgerTable(ledger: Pick<Ledger, "rows" | "total">): string {
  const header = ["action", ...COLUMNS];
  const body = [...ledger.rows, ledger.total].map(cells);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((line) => (line[column] ?? "").length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const rows = body.map(render);
  return [render(header), rule, ...rows.slice(0, -1), rule, rows.at(-1) ?? ""].join("\n");
}
