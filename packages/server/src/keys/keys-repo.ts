// SQL for instance metadata and wrapped data keys.
import type { Executor } from "../store/database.ts";

export function createKeysRepo() {
  return {
    async readMeta(db: Executor, name: string): Promise<string | undefined> {
      const row = await db
        .selectFrom("instance_meta")
        .select("value")
        .where("name", "=", name)
        .executeTakeFirst();
      return row?.value;
    },
    async writeMeta(db: Executor, name: string, value: string): Promise<void> {
      await db.insertInto("instance_meta").values({ name, value }).execute();
    },
    async updateMeta(db: Executor, name: string, value: string): Promise<void> {
      await db.updateTable("instance_meta").set({ value }).where("name", "=", name).execute();
    },
    listDataKeys: (db: Executor) =>
      db.selectFrom("data_keys").select(["project_id", "version", "wrapped_key", "created_at"]).execute(),
    async updateDataKey(db: Executor, projectId: string, version: number, wrapped: Buffer): Promise<void> {
      await db
        .updateTable("data_keys")
        .set({ wrapped_key: wrapped.toString("base64") })
        .where("project_id", "=", projectId)
        .where("version", "=", version)
        .execute();
    },
    async deleteDataKey(db: Executor, projectId: string, version: number): Promise<void> {
      await db
        .deleteFrom("data_keys")
        .where("project_id", "=", projectId)
        .where("version", "=", version)
        .execute();
    },
    /** How many stored values each data key version still protects. */
    countValuesByKeyVersion: (db: Executor) =>
      db
        .selectFrom("secret_versions as v")
        .innerJoin("secrets as s", "s.id", "v.secret_id")
        .innerJoin("environments as e", "e.id", "s.environment_id")
        .select(["e.project_id", "v.key_version", (eb) => eb.fn.countAll<number>().as("values")])
        .groupBy(["e.project_id", "v.key_version"])
        .execute(),
    async insertDataKey(
      db: Executor,
      projectId: string,
      version: number,
      wrapped: Buffer,
      at: string,
    ): Promise<void> {
      await db
        .insertInto("data_keys")
        .values({ project_id: projectId, version, wrapped_key: wrapped.toString("base64"), created_at: at })
        .execute();
    },
    async findDataKey(db: Executor, projectId: string, version: number): Promise<Buffer | undefined> {
      const row = await db
        .selectFrom("data_keys")
        .select("wrapped_key")
        .where("project_id", "=", projectId)
        .where("version", "=", version)
        .executeTakeFirst();
      return row === undefined ? undefined : Buffer.from(row.wrapped_key, "base64");
    },
  };
}

export type KeysRepo = ReturnType<typeof createKeysRepo>;
