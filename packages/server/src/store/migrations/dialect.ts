// The few column types that must differ between dialects, chosen by looking at the migration's database.
import { type Kysely, PostgresAdapter, type RawBuilder, sql } from "kysely";

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Text compared byte by byte: keys and slugs sort and page the same on both dialects
 * (SQLite's default BINARY; PostgreSQL needs the "C" collation instead of the locale's).
 */
export function sortableText(db: Kysely<unknown>): "text" | RawBuilder<unknown> {
  return isPostgres(db) ? sql`text collate "C"` : "text";
}
