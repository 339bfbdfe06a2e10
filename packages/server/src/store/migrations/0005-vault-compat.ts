// Vault KV v2 compatibility: per-version deletion and destruction, and the per-secret and per-environment KV settings.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Soft delete (Vault's `deletion_time`, possibly in the future) and destroy (the ciphertexts are removed).
  await db.schema.alterTable("secret_versions").addColumn("deletion_time", "text").execute();
  await db.schema
    .alterTable("secret_versions")
    .addColumn("destroyed", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // Fields written through the Vault API with a non-string JSON value, stored as its JSON text.
  await db.schema.alterTable("secret_versions").addColumn("json_fields", "text").execute();

  // A row only for secrets whose KV metadata was set through the Vault API; no row means all defaults.
  await db.schema
    .createTable("vault_secret_settings")
    .addColumn("secret_id", "text", (c) => c.primaryKey().references("secrets.id").onDelete("cascade"))
    .addColumn("max_versions", "integer", (c) => c.notNull())
    .addColumn("cas_required", "integer", (c) => c.notNull())
    .addColumn("delete_version_after_ms", "integer", (c) => c.notNull())
    .execute();

  // The KV mount configuration (`{mount}/config`) of an environment.
  await db.schema
    .createTable("vault_mount_settings")
    .addColumn("environment_id", "text", (c) =>
      c.primaryKey().references("environments.id").onDelete("cascade"),
    )
    .addColumn("max_versions", "integer", (c) => c.notNull())
    .addColumn("cas_required", "integer", (c) => c.notNull())
    .addColumn("delete_version_after_ms", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("vault_mount_settings").execute();
  await db.schema.dropTable("vault_secret_settings").execute();
  for (const column of ["json_fields", "destroyed", "deletion_time"]) {
    await db.schema.alterTable("secret_versions").dropColumn(column).execute();
  }
}
