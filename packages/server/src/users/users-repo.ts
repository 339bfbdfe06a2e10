// SQL for users and their sessions.
import type { Executor, SessionRow, UserRow } from "../store/database.ts";

export function createUsersRepo() {
  return {
    list: (db: Executor): Promise<UserRow[]> => db.selectFrom("users").selectAll().orderBy("email").execute(),
    findById: (db: Executor, id: string): Promise<UserRow | undefined> =>
      db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst(),
    findByEmail: (db: Executor, email: string): Promise<UserRow | undefined> =>
      db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst(),
    async count(db: Executor): Promise<number> {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async insert(db: Executor, row: UserRow): Promise<void> {
      await db.insertInto("users").values(row).execute();
    },
    async setPassword(db: Executor, id: string, passwordHash: string, at: string): Promise<void> {
      await db
        .updateTable("users")
        .set({ password_hash: passwordHash, updated_at: at })
        .where("id", "=", id)
        .execute();
    },
    async delete(db: Executor, id: string): Promise<void> {
      await db.deleteFrom("users").where("id", "=", id).execute();
    },
    async insertSession(db: Executor, row: SessionRow): Promise<void> {
      await db.insertInto("sessions").values(row).execute();
    },
    findSession: (db: Executor, tokenHash: string): Promise<SessionRow | undefined> =>
      db.selectFrom("sessions").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst(),
    async touchSession(db: Executor, id: string, at: string): Promise<void> {
      await db.updateTable("sessions").set({ last_seen_at: at }).where("id", "=", id).execute();
    },
    async revokeSession(db: Executor, id: string, at: string): Promise<void> {
      await db.updateTable("sessions").set({ revoked_at: at }).where("id", "=", id).execute();
    },
    async revokeUserSessions(db: Executor, userId: string, at: string, except?: string): Promise<void> {
      let query = db
        .updateTable("sessions")
        .set({ revoked_at: at })
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null);
      if (except !== undefined) query = query.where("id", "!=", except);
      await query.execute();
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
