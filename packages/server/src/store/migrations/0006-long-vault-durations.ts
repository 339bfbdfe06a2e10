// Vault's delete_version_after in milliseconds outgrows PostgreSQL's 32-bit integer after 24.8 days, and "720h"
// (30 days) is an everyday setting: the columns become 64-bit there. SQLite's integers are 64-bit already.
import type { Kysely } from "kysely";
import { isPostgres } from "./dialect.ts";

const TABLES = ["vault_secret_settings", "vault_mount_settings"] as const;

async function setType(db: Kysely<unknown>, type: "bigint" | "integer"): Promise<void> {
  if (!isPostgres(db)) return;
  for (const table of TABLES) {
    await db.schema
      .alterTable(table)
      .alterColumn("delete_version_after_ms", (c) => c.setDataType(type))
      .execute();
  }
}

export const up = (db: Kysely<unknown>) => setType(db, "bigint");
export const down = (db: Kysely<unknown>) => setType(db, "integer");
