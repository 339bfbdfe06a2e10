// Test support for the leak canary: what the database holds, as raw files (SQLite, with its WAL and shared memory)
// and column by column (SQLite and PostgreSQL), for a search of the bytes.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ON_POSTGRES, rawSql, schemaOf } from "../helpers.ts";

export type Blob = { where: string; bytes: Buffer };

/** Every file of a data directory (coffer.db, coffer.db-wal, coffer.db-shm, …) as it is on disk right now. */
export function dataFiles(dataDir: string): Blob[] {
  return readdirSync(dataDir)
    .filter((name) => statSync(join(dataDir, name)).isFile())
    .map((name) => ({ where: name, bytes: readFileSync(join(dataDir, name)) }));
}

function asBytes(value: unknown): Buffer | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === "object") return Buffer.from(JSON.stringify(value));
  return Buffer.from(String(value));
}

/** Every value of every column of every table, one blob per column (text as UTF-8, binary as its bytes). */
export async function storedColumns(dataDir: string): Promise<Blob[]> {
  const sql = await rawSql(dataDir);
  try {
    const columns = ON_POSTGRES
      ? await sql.all(
          "select table_name as t, column_name as c from information_schema.columns where table_schema = ? order by 1, 2",
          schemaOf(dataDir),
        )
      : await sql.all(
          "select m.name as t, p.name as c from sqlite_schema m join pragma_table_info(m.name) p where m.type = 'table' order by 1, 2",
        );
    const blobs: Blob[] = [];
    for (const { t, c } of columns) {
      const rows = await sql.all(`select "${String(c)}" as v from "${String(t)}"`);
      const parts = rows.map((row) => asBytes(row["v"])).filter((part) => part !== undefined);
      blobs.push({
        where: `${String(t)}.${String(c)}`,
        bytes: Buffer.concat(parts.flatMap((p) => [p, Buffer.from("\n")])),
      });
    }
    return blobs;
  } finally {
    await sql.close();
  }
}

/** Copies the SQLite WAL into the database file and empties it (no-op on PostgreSQL). */
export async function checkpoint(dataDir: string): Promise<void> {
  if (ON_POSTGRES) return;
  const sql = await rawSql(dataDir);
  try {
    await sql.all("pragma wal_checkpoint(TRUNCATE)");
  } finally {
    await sql.close();
  }
}
