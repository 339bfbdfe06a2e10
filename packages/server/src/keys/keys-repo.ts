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
