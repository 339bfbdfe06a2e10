// SQL for projects and environments.
import type { EnvironmentRow, Executor, ProjectRow } from "../store/database.ts";

export function createProjectsRepo() {
  return {
    listProjects: (db: Executor): Promise<ProjectRow[]> =>
      db.selectFrom("projects").selectAll().orderBy("slug").execute(),
    findProjectBySlug: (db: Executor, slug: string): Promise<ProjectRow | undefined> =>
      db.selectFrom("projects").selectAll().where("slug", "=", slug).executeTakeFirst(),
    async insertProject(db: Executor, row: ProjectRow): Promise<void> {
      await db.insertInto("projects").values(row).execute();
    },
    async updateProject(
      db: Executor,
      id: string,
      changes: Partial<Pick<ProjectRow, "name" | "description" | "updated_at">>,
    ) {
      await db.updateTable("projects").set(changes).where("id", "=", id).execute();
    },
    async deleteProject(db: Executor, id: string): Promise<void> {
      await db.deleteFrom("projects").where("id", "=", id).execute();
    },
    listEnvironments: (db: Executor, projectId: string): Promise<EnvironmentRow[]> =>
      db
        .selectFrom("environments")
        .selectAll()
        .where("project_id", "=", projectId)
        .orderBy("position")
        .execute(),
    async insertEnvironment(db: Executor, row: EnvironmentRow): Promise<void> {
      await db.insertInto("environments").values(row).execute();
    },
    async deleteEnvironment(db: Executor, id: string): Promise<void> {
      await db.deleteFrom("environments").where("id", "=", id).execute();
    },
    async countSecrets(db: Executor, environmentIds: string[]): Promise<number> {
      if (environmentIds.length === 0) return 0;
      const row = await db
        .selectFrom("secrets")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("environment_id", "in", environmentIds)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}

export type ProjectsRepo = ReturnType<typeof createProjectsRepo>;
