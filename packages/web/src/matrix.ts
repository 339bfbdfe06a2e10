// The overview matrix (keys × environments): a merge of each environment's key-ordered listing, a page at a time.
import type { Secret } from "@coffer/sdk";

/** One environment's listing, read lazily: what was fetched and not yet placed, and where to continue. */
export type EnvStream = {
  environment: string;
  buffer: Secret[];
  cursor: string | undefined;
  done: boolean;
};

export type CellState = "present" | "missing" | "differs";

export type MatrixCell = { state: CellState; secret: Secret | undefined };

export type MatrixRow = { key: string; cells: MatrixCell[] };

export type FetchPage = (
  environment: string,
  cursor: string | undefined,
) => Promise<{ secrets: Secret[]; nextCursor: string | null }>;

export function startStreams(environments: string[]): EnvStream[] {
  return environments.map((environment) => ({ environment, buffer: [], cursor: undefined, done: false }));
}

/** The server orders keys by their bytes; for the ASCII keys Coffer accepts, that is code-unit order. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Present everywhere with one version: present; absent somewhere: missing there; versions apart: differs. */
export function rowOf(key: string, secrets: (Secret | undefined)[]): MatrixRow {
  const versions = new Set(secrets.flatMap((secret) => (secret === undefined ? [] : [secret.version])));
  const apart = versions.size > 1;
  return {
    key,
    cells: secrets.map((secret) => ({
      state: secret === undefined ? "missing" : apart ? "differs" : "present",
      secret,
    })),
  };
}

export function hasGap(row: MatrixRow): boolean {
  return row.cells.some((cell) => cell.state !== "present");
}

/**
 * The next `count` rows after the given streams' position, and the streams' position after them (the
 * input is not changed, so a caller can keep it to come back to this page). Each environment's listing
 * is key-ordered, so the smallest key at the head of the buffers is the next row of the union.
 * `keep` filters rows (e.g. only those with gaps); filtered-out rows are consumed all the same.
 */
export async function nextRows(
  start: EnvStream[],
  count: number,
  fetchPage: FetchPage,
  keep: (row: MatrixRow) => boolean = () => true,
): Promise<{ rows: MatrixRow[]; streams: EnvStream[]; more: boolean }> {
  const streams = start.map((stream) => ({ ...stream, buffer: [...stream.buffer] }));
  const rows: MatrixRow[] = [];
  for (;;) {
    await Promise.all(
      streams.map(async (stream) => {
        if (stream.buffer.length > 0 || stream.done) return;
        const page = await fetchPage(stream.environment, stream.cursor);
        stream.buffer.push(...page.secrets);
        stream.cursor = page.nextCursor ?? undefined;
        stream.done = page.nextCursor === null;
      }),
    );
    const heads = streams.flatMap((stream) => (stream.buffer[0] === undefined ? [] : [stream.buffer[0].key]));
    if (heads.length === 0) return { rows, streams, more: false };
    if (rows.length === count) return { rows, streams, more: true };
    const key = heads.reduce((smallest, candidate) =>
      compareKeys(candidate, smallest) < 0 ? candidate : smallest,
    );
    const row = rowOf(
      key,
      streams.map((stream) => (stream.buffer[0]?.key === key ? stream.buffer.shift() : undefined)),
    );
    if (keep(row)) rows.push(row);
  }
}
