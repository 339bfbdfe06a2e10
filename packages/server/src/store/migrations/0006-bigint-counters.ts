// Counters that outgrow PostgreSQL's 32-bit integer (SQLite's integers are 64-bit already, so it has nothing to do):
// - the audit log's sequence numbers: 2^31 events is 25 days at 1,000 audited requests a second, and then every
//   audited request would fail;
// - Vault's delete_version_after in milliseconds: past 24.8 days, and "720h" (30 days) is an everyday setting.
// On PostgreSQL the change rewrites the tables once, at the start-up that runs it. node-postgres returns these columns
// as text; the code that reads them turns them into numbers (far below 2^53).
import type { Kysely } from "kysely";
import { isPostgres } from "./dialect.ts";

const COLUMNS = [
  ["audit_events", "seq"],
  ["audit_head", "seq"],
  ["vault_secret_settings", "delete_version_after_ms"],
  ["vault_mount_settings", "delete_version_after_ms"],
] as const;

async function setType(db: Kysely<unknown>, type: "bigint" | "integer"): Promise<void> {
  if (!isPostgres(db)) return;
  for (const [table, column] of COLUMNS) {
    await db.schema
      .alterTable(table)
      .alterColumn(column, (c) => c.setDataType(type))
      .execute();
  }
}

export const up = (db: Kysely<unknown>) => setType(db, "bigint");
export const down = (db: Kysely<unknown>) => setType(db, "integer");
