// The audit log: hash-chained events and the one-row chain head that each append moves forward.
import type { Kysely } from "kysely";

/** prev_hash of the first event; mirrored in audit/audit-chain.ts (a migration never imports live code). */
const GENESIS_HASH = "0".repeat(64);

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("audit_events")
    // Assigned by the writer (head seq + 1), never by the database: the chain needs gap-free numbers.
    .addColumn("seq", "integer", (c) => c.primaryKey())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("time", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("actor_name", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("project", "text")
    .addColumn("environment", "text")
    .addColumn("secret_key", "text")
    .addColumn("version", "integer")
    .addColumn("request_id", "text")
    .addColumn("source_ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("details", "text", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_events_project_seq")
    .on("audit_events")
    .columns(["project", "seq"])
    .execute();
  await db.schema.createIndex("audit_events_time").on("audit_events").column("time").execute();

  await db.schema
    .createTable("audit_head")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  // The row always exists, so that PostgreSQL can lock it (FOR UPDATE) even before the first event.
  await db
    .insertInto("audit_head" as never)
    .values({ id: 1, seq: 0, hash: GENESIS_HASH } as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("audit_head").execute();
  await db.schema.dropTable("audit_events").execute();
}
