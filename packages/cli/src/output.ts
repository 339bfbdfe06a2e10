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
