// SQL for API tokens.
import type { ApiTokenRow, Executor } from "../store/database.ts";

export function createTokensRepo() {
  return {
    findByHash: (db: Executor, hash: string): Promise<ApiTokenRow | undefined> =>
      db.selectFrom("api_tokens").selectAll().where("token_hash", "=", hash).executeTakeFirst(),
    findById: (db: Executor, id: string): Promise<ApiTokenRow | undefined> =>
      db.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst(),
    listActive: (db: Executor): Promise<ApiTokenRow[]> =>
      db.selectFrom("api_tokens").selectAll().where("revoked_at", "is", null).orderBy("created_at").execute(),
    async insert(db: Executor, row: ApiTokenRow): Promise<void> {
      await db.insertInto("api_tokens").values(row).execute();
    },
    async revoke(db: Executor, id: string, at: string): Promise<void> {
      await db.updateTable("api_tokens").set({ revoked_at: at }).where("id", "=", id).execute();
    },
    async revokeByCreator(db: Executor, createdBy: string, at: string): Promise<void> {
      await db
        .updateTable("api_tokens")
        .set({ revoked_at: at })
        .where("created_by", "=", createdBy)
        .where("revoked_at", "is", null)
        .execute();
    },
    async touch(db: Executor, id: string, at: string): Promise<void> {
      await db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
    },
  };
}

export type TokensRepo = ReturnType<typeof createTokensRepo>;
