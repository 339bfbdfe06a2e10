// SQL for connections, the named upstreams of the egress proxy.
import type { ConnectionRow, Executor } from "../store/database.ts";

export function createConnectionsRepo() {
  return {
    list: (db: Executor, projectId: string): Promise<ConnectionRow[]> =>
      db.selectFrom("connections").selectAll().where("project_id", "=", projectId).orderBy("name").execute(),

    findByName: (db: Executor, projectId: string, name: string): Promise<ConnectionRow | undefined> =>
      db
        .selectFrom("connections")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("name", "=", name)
        .executeTakeFirst(),

    async insert(db: Executor, row: ConnectionRow): Promise<void> {
      await db.insertInto("connections").values(row).execute();
    },

    /** Optimistic update: succeeds only if nobody changed the connection since `expectedUpdatedAt`. */
    async update(
      db: Executor,
      id: string,
      expectedUpdatedAt: string,
      changes: Partial<ConnectionRow>,
    ): Promise<boolean> {
      const result = await db
        .updateTable("connections")
        .set(changes)
        .where("id", "=", id)
        .where("updated_at", "=", expectedUpdatedAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async delete(db: Executor, id: string): Promise<void> {
      await db.deleteFrom("connections").where("id", "=", id).execute();
    },
  };
}

export type ConnectionsRepo = ReturnType<typeof createConnectionsRepo>;
