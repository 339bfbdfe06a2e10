// SQL for the Vault KV view of secrets: KV settings, version states (deleted, destroyed), pruning and key listing.
import { sql } from "kysely";
import type { Executor, VaultMountSettingsRow, VaultSecretSettingsRow } from "../store/database.ts";

export type VersionStateRow = {
  version: number;
  created_at: string;
  deletion_time: string | null;
  destroyed: number;
};

export type KeyListingRow = { key: string; deletion_time: string | null; destroyed: number | null };

export function createVaultRepo() {
  return {
    secretSettings: (db: Executor, secretId: string): Promise<VaultSecretSettingsRow | undefined> =>
      db.selectFrom("vault_secret_settings").selectAll().where("secret_id", "=", secretId).executeTakeFirst(),

    async saveSecretSettings(db: Executor, row: VaultSecretSettingsRow): Promise<void> {
      const { secret_id: _, ...changes } = row;
      await db
        .insertInto("vault_secret_settings")
        .values(row)
        .onConflict((conflict) => conflict.column("secret_id").doUpdateSet(changes))
        .execute();
    },

    mountSettings: (db: Executor, environmentId: string): Promise<VaultMountSettingsRow | undefined> =>
      db
        .selectFrom("vault_mount_settings")
        .selectAll()
        .where("environment_id", "=", environmentId)
        .executeTakeFirst(),

    async saveMountSettings(db: Executor, row: VaultMountSettingsRow): Promise<void> {
      const { environment_id: _, ...changes } = row;
      await db
        .insertInto("vault_mount_settings")
        .values(row)
        .onConflict((conflict) => conflict.column("environment_id").doUpdateSet(changes))
        .execute();
    },

    /** Every retained version of a secret, oldest first, without its ciphertexts. */
    versionStates: (db: Executor, secretId: string): Promise<VersionStateRow[]> =>
      db
        .selectFrom("secret_versions")
        .select(["version", "created_at", "deletion_time", "destroyed"])
        .where("secret_id", "=", secretId)
        .orderBy("version")
        .execute(),

    async setDeletionTime(db: Executor, secretId: string, version: number, at: string | null): Promise<void> {
      await db
        .updateTable("secret_versions")
        .set({ deletion_time: at })
        .where("secret_id", "=", secretId)
        .where("version", "=", version)
        .execute();
    },

    /** Destroys a version: its ciphertexts are removed from the row, not merely flagged. */
    async destroyVersion(db: Executor, secretId: string, version: number): Promise<void> {
      await db
        .updateTable("secret_versions")
        .set({ destroyed: 1, ciphertexts: "{}" })
        .where("secret_id", "=", secretId)
        .where("version", "=", version)
        .execute();
    },

    /** Removes the versions up to and including `lastPruned` (KV max_versions). */
    async pruneVersions(db: Executor, secretId: string, lastPruned: number): Promise<void> {
      await db
        .deleteFrom("secret_versions")
        .where("secret_id", "=", secretId)
        .where("version", "<=", lastPruned)
        .execute();
    },

    /** Keys under a folder prefix ("" for all, else ending in "/"), sorted, with their current version's state. */
    listKeys(db: Executor, environmentId: string, prefix: string): Promise<KeyListingRow[]> {
      let query = db
        .selectFrom("secrets as s")
        .leftJoin("secret_versions as v", (join) =>
          join.onRef("v.secret_id", "=", "s.id").onRef("v.version", "=", "s.current_version"),
        )
        .select(["s.key", "v.deletion_time", "v.destroyed"])
        .where("s.environment_id", "=", environmentId);
      if (prefix !== "") {
        query = query.where(sql<string>`substr(${sql.ref("s.key")}, 1, ${prefix.length})`, "=", prefix);
      }
      return query.orderBy("s.key").execute();
    },
  };
}

export type VaultRepo = ReturnType<typeof createVaultRepo>;
