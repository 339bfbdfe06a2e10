// Connections: named upstreams of the egress proxy, per project (base URL, header/query templates, allowed methods and paths).
import type { Kysely } from "kysely";
import { sortableText } from "./dialect.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("connections")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", sortableText(db), (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("preset", "text")
    .addColumn("base_url", "text", (c) => c.notNull())
    .addColumn("headers", "text", (c) => c.notNull())
    .addColumn("query", "text", (c) => c.notNull())
    .addColumn("methods", "text")
    .addColumn("paths", "text")
    .addColumn("timeout_ms", "integer", (c) => c.notNull())
    .addColumn("max_body_bytes", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addUniqueConstraint("connections_project_name", ["project_id", "name"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("connections").execute();
}
