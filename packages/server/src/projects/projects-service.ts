// Projects and environments: the isolation boundary, and the access checks that resolve a request to them.
import { randomUUID } from "node:crypto";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import {
  canSeeEnvironment,
  canSeeProject,
  hasPermission,
  isInstanceAdmin,
  type Permission,
  type Principal,
  type RequestContext,
} from "../auth/permissions.ts";
import { ConflictError, ForbiddenError, NoChangesError, NotFoundError, ValidationError } from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { MembersRepo } from "../members/members-repo.ts";
import type { EnvironmentRow, ProjectRow } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import { isWellFormedSlug, LIMITS, validateSlug, validateText } from "../validation.ts";
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

type Deps = {
  store: Store;
  repo: ProjectsRepo;
  members: MembersRepo;
  keys: KeysService;
  audit: AuditService;
  now: () => string;
};

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

export function forbidden(principal: Principal, permission: Permission, projectSlug: string): ForbiddenError {
  const who = principal.kind === "token" ? "This token lacks" : "You lack";
  return new ForbiddenError(`${who} the "${permission}" permission on project "${projectSlug}"`, {
    permission,
  });
}

export function createProjectsService({ store, repo, members, keys, audit, now }: Deps) {
  // Hot-path caches: every request resolves a project and an environment. Dropped on any change, on this node
  // and (through the store's bus) on every other; bypassed while the bus is down.
  let projectsBySlug: Map<string, ProjectRow> | undefined;
  const environmentsByProject = new Map<string, EnvironmentRow[]>();

  function dropCaches(): void {
    projectsBySlug = undefined;
    environmentsByProject.clear();
  }
  store.bus.subscribe("projects", dropCaches);

  function invalidate(): Promise<void> {
    dropCaches();
    return store.bus.publish("projects");
  }

  async function allProjects(): Promise<Map<string, ProjectRow>> {
    if (projectsBySlug === undefined || !store.bus.healthy) {
      const rows = await repo.listProjects(store.db);
      projectsBySlug = new Map(rows.map((row) => [row.slug, row]));
    }
    return projectsBySlug;
  }

  /** A slug missing from the cache may have been created on another node a moment ago: look once more. */
  async function projectBySlug(slug: string): Promise<ProjectRow | undefined> {
    const cached = (await allProjects()).get(slug);
    if (cached !== undefined) return cached;
    dropCaches();
    return (await allProjects()).get(slug);
  }

  async function environmentsOf(projectId: string, fresh = false): Promise<EnvironmentRow[]> {
    let rows = environmentsByProject.get(projectId);
    if (rows === undefined || fresh || !store.bus.healthy) {
      rows = await repo.listEnvironments(store.db, projectId);
      environmentsByProject.set(projectId, rows);
    }
    return rows;
  }

  async function environmentBySlug(projectId: string, slug: string): Promise<EnvironmentRow | undefined> {
    return (
      (await environmentsOf(projectId)).find((row) => row.slug === slug) ??
      (await environmentsOf(projectId, true)).find((row) => row.slug === slug)
    );
  }

  /** A project the principal cannot see is reported exactly like one that does not exist. */
  async function visibleProject(principal: Principal, slug: string): Promise<ProjectRow> {
    const project = await projectBySlug(slug);
    if (project === undefined || !canSeeProject(principal, project.id)) {
      // A malformed slug is not repeated: it may be a value pasted into the URL.
      throw new NotFoundError(
        isWellFormedSlug(slug)
          ? `Project "${slug}" not found`
          : "Project not found: the slug given is not a valid project slug",
      );
    }
    return project;
  }

  function requirePermission(principal: Principal, permission: Permission, project: ProjectRow): void {
    if (!hasPermission(principal, project.id, permission))
      throw forbidden(principal, permission, project.slug);
  }

  async function resolveScope(
    principal: Principal,
    projectSlug: string,
    environmentSlug: string,
    permission: Permission,
  ): Promise<Scope> {
    const project = await visibleProject(principal, projectSlug);
    const environment = await environmentBySlug(project.id, environmentSlug);
    if (environment === undefined || !canSeeEnvironment(principal, environmentSlug)) {
      throw new NotFoundError(
        isWellFormedSlug(environmentSlug)
          ? `Environment "${environmentSlug}" not found in project "${projectSlug}"`
          : `Environment not found in project "${projectSlug}": the slug given is not a valid environment slug`,
      );
    }
    requirePermission(principal, permission, project);
    return { project, environment };
  }

  async function guardNonEmpty(project: ProjectRow, environmentIds: string[], force: boolean, what: string) {
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
    requirePermission,
    invalidate,

    /** Every project, unfiltered: for internal lookups (e.g. showing token scopes by slug), never for responses. */
    async allProjects(): Promise<ProjectRow[]> {
      return [...(await allProjects()).values()];
    },

    async list(ctx: RequestContext): Promise<Project[]> {
      return [...(await allProjects()).values()]
        .filter((row) => canSeeProject(ctx.principal, row.id))
        .sort((a, b) => (a.slug < b.slug ? -1 : 1))
        .map(toProject);
    },

    async get(ctx: RequestContext, slug: string): Promise<Project> {
      return toProject(await visibleProject(ctx.principal, slug));
    },

    async create(ctx: RequestContext, input: CreateProjectInput): Promise<Project> {
      if (!isInstanceAdmin(ctx.principal)) {
        throw new ForbiddenError("Only instance administrators can create projects", { permission: "admin" });
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
      if ((await allProjects()).has(slug))
        throw new ConflictError(`A project with slug "${slug}" already exists`);
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
          if (ctx.principal.kind === "user") {
            await members.insert(tx, {
              project_id: project.id,
              user_id: ctx.principal.actor.id,
              role: "owner",
              permissions: "[]",
              created_at: at,
            });
          }
          await audit.appendInTransaction(tx, auditEvent(ctx, "project.create", { project: slug }));
        });
      } finally {
        await invalidate();
      }
      return toProject(project);
    },

    async update(
      ctx: RequestContext,
      slug: string,
      input: { name?: string; description?: string },
    ): Promise<Project> {
      const project = await visibleProject(ctx.principal, slug);
      requirePermission(ctx.principal, "projects:manage", project);
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
      await store.transaction(async (tx) => {
        await repo.updateProject(tx, project.id, { ...changes, updated_at: updatedAt });
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "project.update", {
            project: slug,
            details: { fields: Object.keys(changes).join(" ") },
          }),
        );
      });
      await invalidate();
      return toProject({ ...project, ...changes, updated_at: updatedAt });
    },

    async remove(ctx: RequestContext, slug: string, force: boolean): Promise<void> {
      const project = await visibleProject(ctx.principal, slug);
      requirePermission(ctx.principal, "projects:delete", project);
      const environments = await environmentsOf(project.id);
      await guardNonEmpty(
        project,
        environments.map((env) => env.id),
        force,
        `Project "${slug}"`,
      );
      await store.transaction(async (tx) => {
        await repo.deleteProject(tx, project.id);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "project.delete", { project: slug, details: { force } }),
        );
      });
      keys.forgetProject(project.id);
      await invalidate();
    },

    async listEnvironments(ctx: RequestContext, slug: string): Promise<Environment[]> {
      const project = await visibleProject(ctx.principal, slug);
      return (await environmentsOf(project.id))
        .filter((row) => canSeeEnvironment(ctx.principal, row.slug))
        .map(toEnvironment);
    },

    async createEnvironment(ctx: RequestContext, slug: string, input: { slug: string; name?: string }) {
      const project = await visibleProject(ctx.principal, slug);
      requirePermission(ctx.principal, "projects:manage", project);
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
        await store.transaction(async (tx) => {
          await repo.insertEnvironment(tx, row);
          await audit.appendInTransaction(
            tx,
            auditEvent(ctx, "environment.create", { project: slug, environment: envSlug }),
          );
        });
      } finally {
        await invalidate();
      }
      return toEnvironment(row);
    },

    async removeEnvironment(
      ctx: RequestContext,
      slug: string,
      envSlug: string,
      force: boolean,
    ): Promise<void> {
      const { project, environment } = await resolveScope(ctx.principal, slug, envSlug, "projects:manage");
      await guardNonEmpty(project, [environment.id], force, `Environment "${envSlug}"`);
      await store.transaction(async (tx) => {
        await repo.deleteEnvironment(tx, environment.id);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "environment.delete", { project: slug, environment: envSlug, details: { force } }),
        );
      });
      await invalidate();
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
