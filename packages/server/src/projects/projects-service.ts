// Projects and environments: the isolation boundary, and the access checks that resolve a request to them.
import { randomUUID } from "node:crypto";
import {
  canSeeEnvironment,
  canSeeProject,
  hasPermission,
  isInstanceAdmin,
  type Permission,
  type Principal,
} from "../auth/permissions.ts";
import { ConflictError, ForbiddenError, NoChangesError, NotFoundError, ValidationError } from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { EnvironmentRow, ProjectRow } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import { LIMITS, validateSlug, validateText } from "../validation.ts";
import type { ProjectsRepo } from "./projects-repo.ts";

export const DEFAULT_ENVIRONMENTS = ["development", "staging", "production"] as const;

export type Project = {
  id: string;
  slug: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
};
export type Environment = { id: string; slug: string; name: string; createdAt: string };
export type Scope = { project: ProjectRow; environment: EnvironmentRow };

export type CreateProjectInput = {
  slug: string;
  name?: string;
  description?: string;
  environments?: string[];
};

type Deps = { store: Store; repo: ProjectsRepo; keys: KeysService; now: () => string };

export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toEnvironment(row: EnvironmentRow): Environment {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
}

function titleCase(slug: string): string {
  return slug
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

export function createProjectsService({ store, repo, keys, now }: Deps) {
  // Hot-path caches: every request resolves a project and an environment. Cleared on any change.
  let projectsBySlug: Map<string, ProjectRow> | undefined;
  const environmentsByProject = new Map<string, EnvironmentRow[]>();

  function invalidate(): void {
    projectsBySlug = undefined;
    environmentsByProject.clear();
  }

  async function projectBySlug(slug: string): Promise<ProjectRow | undefined> {
    if (projectsBySlug === undefined) {
      const rows = await repo.listProjects(store.db);
      projectsBySlug = new Map(rows.map((row) => [row.slug, row]));
    }
    return projectsBySlug.get(slug);
  }

  async function environmentsOf(projectId: string): Promise<EnvironmentRow[]> {
    let rows = environmentsByProject.get(projectId);
    if (rows === undefined) {
      rows = await repo.listEnvironments(store.db, projectId);
      environmentsByProject.set(projectId, rows);
    }
    return rows;
  }

  /** A project the principal cannot see is reported exactly like one that does not exist. */
  async function visibleProject(principal: Principal, slug: string): Promise<ProjectRow> {
    const project = await projectBySlug(slug);
    if (project === undefined || !canSeeProject(principal, project.id)) {
      throw new NotFoundError(`Project "${slug}" not found`);
    }
    return project;
  }

  function requirePermission(principal: Principal, permission: Permission, project: ProjectRow): void {
    if (!hasPermission(principal, permission)) {
      throw new ForbiddenError(
        `This token lacks the "${permission}" permission on project "${project.slug}"`,
        {
          permission,
        },
      );
    }
  }

  async function resolveScope(
    principal: Principal,
    projectSlug: string,
    environmentSlug: string,
    permission: Permission,
  ): Promise<Scope> {
    const project = await visibleProject(principal, projectSlug);
    const environment = (await environmentsOf(project.id)).find((row) => row.slug === environmentSlug);
    if (environment === undefined || !canSeeEnvironment(principal, environmentSlug)) {
      throw new NotFoundError(`Environment "${environmentSlug}" not found in project "${projectSlug}"`);
    }
    requirePermission(principal, permission, project);
    return { project, environment };
  }

  async function removeEnvironmentsGuard(
    project: ProjectRow,
    environmentIds: string[],
    force: boolean,
    what: string,
  ) {
    if (force) return;
    const count = await repo.countSecrets(store.db, environmentIds);
    if (count > 0) {
      throw new ConflictError(
        `${what} holds ${count} secret${count === 1 ? "" : "s"}; delete them first, or pass ?force=true to delete them with it (this cannot be undone)`,
        { secrets: count, project: project.slug },
      );
    }
  }

  return {
    resolveScope,
    visibleProject,
    invalidate,

    /** Every project, unfiltered: for internal lookups (e.g. showing token scopes by slug), never for responses. */
    async allProjects(): Promise<ProjectRow[]> {
      if (projectsBySlug === undefined) await projectBySlug("");
      return [...(projectsBySlug?.values() ?? [])];
    },

    async list(principal: Principal): Promise<Project[]> {
      if (projectsBySlug === undefined) await projectBySlug("");
      return [...(projectsBySlug?.values() ?? [])]
        .filter((row) => canSeeProject(principal, row.id))
        .sort((a, b) => (a.slug < b.slug ? -1 : 1))
        .map(toProject);
    },

    async get(principal: Principal, slug: string): Promise<Project> {
      return toProject(await visibleProject(principal, slug));
    },

    async create(principal: Principal, input: CreateProjectInput): Promise<Project> {
      if (!isInstanceAdmin(principal)) {
        throw new ForbiddenError('Creating a project needs the "admin" permission on all projects ("*")', {
          permission: "admin",
        });
      }
      const slug = validateSlug("slug", "Project slug", input.slug);
      const name = validateText(
        "name",
        "Project name",
        input.name?.trim() || titleCase(slug),
        LIMITS.nameLength,
      );
      const description = validateText(
        "description",
        "Description",
        input.description ?? "",
        LIMITS.descriptionLength,
      );
      const environmentSlugs = input.environments ?? [...DEFAULT_ENVIRONMENTS];
      for (const env of environmentSlugs) validateSlug("environments", "Environment slug", env);
      if (new Set(environmentSlugs).size !== environmentSlugs.length) {
        throw new ValidationError("environments", "Environment slugs must be unique");
      }
      if (await projectBySlug(slug)) throw new ConflictError(`A project with slug "${slug}" already exists`);
      const at = now();
      const project: ProjectRow = {
        id: randomUUID(),
        slug,
        name,
        description,
        active_key_version: 1,
        created_at: at,
        updated_at: at,
      };
      try {
        await store.transaction(async (tx) => {
          await repo.insertProject(tx, project);
          await keys.createDataKey(tx, project.id, 1, at);
          let position = 0;
          for (const env of environmentSlugs) {
            await repo.insertEnvironment(tx, {
              id: randomUUID(),
              project_id: project.id,
              slug: env,
              name: titleCase(env),
              position: position++,
              created_at: at,
            });
          }
        });
      } finally {
        invalidate();
      }
      return toProject(project);
    },

    async update(
      principal: Principal,
      slug: string,
      input: { name?: string; description?: string },
    ): Promise<Project> {
      const project = await visibleProject(principal, slug);
      requirePermission(principal, "admin", project);
      const changes: { name?: string; description?: string } = {};
      if (input.name !== undefined && input.name.trim() !== project.name) {
        if (input.name.trim() === "") throw new ValidationError("name", "Project name is required");
        changes.name = validateText("name", "Project name", input.name.trim(), LIMITS.nameLength);
      }
      if (input.description !== undefined && input.description !== project.description) {
        changes.description = validateText(
          "description",
          "Description",
          input.description,
          LIMITS.descriptionLength,
        );
      }
      if (Object.keys(changes).length === 0) throw new NoChangesError();
      const updatedAt = now();
      await repo.updateProject(store.db, project.id, { ...changes, updated_at: updatedAt });
      invalidate();
      return toProject({ ...project, ...changes, updated_at: updatedAt });
    },

    async remove(principal: Principal, slug: string, force: boolean): Promise<void> {
      const project = await visibleProject(principal, slug);
      requirePermission(principal, "admin", project);
      const environments = await environmentsOf(project.id);
      await removeEnvironmentsGuard(
        project,
        environments.map((env) => env.id),
        force,
        `Project "${slug}"`,
      );
      await repo.deleteProject(store.db, project.id);
      keys.forgetProject(project.id);
      invalidate();
    },

    async listEnvironments(principal: Principal, slug: string): Promise<Environment[]> {
      const project = await visibleProject(principal, slug);
      return (await environmentsOf(project.id))
        .filter((row) => canSeeEnvironment(principal, row.slug))
        .map(toEnvironment);
    },

    async createEnvironment(principal: Principal, slug: string, input: { slug: string; name?: string }) {
      const project = await visibleProject(principal, slug);
      requirePermission(principal, "admin", project);
      const envSlug = validateSlug("slug", "Environment slug", input.slug);
      const name = validateText(
        "name",
        "Environment name",
        input.name?.trim() || titleCase(envSlug),
        LIMITS.nameLength,
      );
      const existing = await environmentsOf(project.id);
      if (existing.some((row) => row.slug === envSlug)) {
        throw new ConflictError(`Environment "${envSlug}" already exists in project "${slug}"`);
      }
      const row: EnvironmentRow = {
        id: randomUUID(),
        project_id: project.id,
        slug: envSlug,
        name,
        position: existing.reduce((max, env) => Math.max(max, env.position), -1) + 1,
        created_at: now(),
      };
      try {
        await repo.insertEnvironment(store.db, row);
      } finally {
        invalidate();
      }
      return toEnvironment(row);
    },

    async removeEnvironment(
      principal: Principal,
      slug: string,
      envSlug: string,
      force: boolean,
    ): Promise<void> {
      const { project, environment } = await resolveScope(principal, slug, envSlug, "admin");
      await removeEnvironmentsGuard(project, [environment.id], force, `Environment "${envSlug}"`);
      await repo.deleteEnvironment(store.db, environment.id);
      invalidate();
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
