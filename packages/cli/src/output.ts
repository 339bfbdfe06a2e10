// Rendering for people (aligned tables, short dates) and for scripts (pretty JSON).

import type { Writer } from "./io.ts";

export interface Column<Row> {
  header: string;
  value(row: Row): string;
}

export function writeJson(out: Writer, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes rows under upper-case headers, columns padded to their widest cell; `empty` when no rows. */
export function writeTable<Row>(out: Writer, columns: Column<Row>[], rows: Row[], empty: string): void {
  if (rows.length === 0) {
    out.write(`${empty}\n`);
    return;
  }
  const cells = [
    columns.map((column) => column.header),
    ...rows.map((row) => columns.map((c) => c.value(row))),
  ];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => width(line[index] ?? ""))));
  for (const line of cells) {
    const padded = line.map((cell, index) =>
      index === line.length - 1 ? cell : cell + " ".repeat((widths[index] ?? 0) - width(cell)),
    );
    out.write(`${padded.join("  ").trimEnd()}\n`);
  }
}

export interface FixedColumn<Row> extends Column<Row> {
  /** Cells are shortened to this width and padded to it (the last column is not padded). */
  width: number;
}

/**
 * A table whose rows arrive over time (`audit tail --follow`): the widths are fixed in advance, so
 * that later rows line up with earlier ones. The header is written before the first row.
 */
export function tableWriter<Row>(out: Writer, columns: FixedColumn<Row>[]): (rows: Row[]) => void {
  let headerWritten = false;
  const writeLine = (cells: string[]): void => {
    const fitted = cells.map((text, index) => {
      const column = columns[index]!;
      const shortened = cell(text, column.width);
      return index === cells.length - 1 ? shortened : shortened + " ".repeat(column.width - width(shortened));
    });
    out.write(`${fitted.join("  ").trimEnd()}\n`);
  };
  return (rows) => {
    if (rows.length === 0) return;
    if (!headerWritten) writeLine(columns.map((column) => column.header));
    headerWritten = true;
    for (const row of rows) writeLine(columns.map((column) => column.value(row)));
  };
}

/** One compact JSON document per line (JSON Lines), the format log shippers read. */
export function writeJsonLines(out: Writer, values: readonly unknown[]): void {
  if (values.length > 0) out.write(values.map((value) => `${JSON.stringify(value)}\n`).join(""));
}

/** Display width, counting code points so that accented names do not skew the columns. */
function width(text: string): number {
  return [...text].length;
}

/** Keeps a table cell on one line and within reason. */
export function cell(text: string | null | undefined, max = 60): string {
  if (text === null || text === undefined || text === "") return "-";
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `2025-03-01T12:34:56.789Z` → `2025-03-01 12:34` (UTC), or `-` when absent. */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return "-";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** `2025-03-01T12:34:56.789Z` → `2025-03-01 12:34:56` (UTC), for events where the second matters. */
export function dateTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** `1 event`, `3 events`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export interface Actor {
  type?: string;
  id?: string;
  name?: string | null;
}

export function actorName(actor: Actor | null | undefined): string {
  if (!actor) return "-";
  return actor.name || actor.id || "-";
}

export function list(items: readonly string[] | null | undefined, whenEmpty = "-"): string {
  return items && items.length > 0 ? items.join(",") : whenEmpty;
}
