// SQL for project memberships (people and their role in a project).
import type { Executor, MemberRow } from "../store/database.ts";

export function createMembersRepo() {
  return {
    listByProject: (db: Executor, projectId: string) =>
      db
        .selectFrom("project_members as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .select(["m.project_id", "m.user_id", "m.role", "m.permissions", "m.created_at", "u.email", "u.name"])
        .where("m.project_id", "=", projectId)
        .orderBy("u.email")
        .execute(),
    listByUser: (db: Executor, userId: string): Promise<MemberRow[]> =>
      db.selectFrom("project_members").selectAll().where("user_id", "=", userId).execute(),
    find: (db: Executor, projectId: string, userId: string): Promise<MemberRow | undefined> =>
      db
        .selectFrom("project_members")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("user_id", "=", userId)
        .executeTakeFirst(),
    async countOwners(db: Executor, projectId: string): Promise<number> {
      const row = await db
        .selectFrom("project_members")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("project_id", "=", projectId)
        .where("role", "=", "owner")
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async insert(db: Executor, row: MemberRow): Promise<void> {
      await db.insertInto("project_members").values(row).execute();
    },
    async update(
      db: Executor,
      projectId: string,
      userId: string,
      changes: Pick<MemberRow, "role" | "permissions">,
    ) {
      await db
        .updateTable("project_members")
        .set(changes)
        .where("project_id", "=", projectId)
        .where("user_id", "=", userId)
        .execute();
    },
    async remove(db: Executor, projectId: string, userId: string): Promise<void> {
      await db
        .deleteFrom("project_members")
        .where("project_id", "=", projectId)
        .where("user_id", "=", userId)
        .execute();
    },
  };
}

export type MembersRepo = ReturnType<typeof createMembersRepo>;
