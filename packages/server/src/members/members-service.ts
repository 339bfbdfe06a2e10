// Project members: people, their role in a project, and any permissions granted beyond it.
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import {
  hasPermission,
  isPermission,
  isRole,
  type Permission,
  type RequestContext,
  ROLE_NAMES,
  type Role,
} from "../auth/permissions.ts";
import { ConflictError, ForbiddenError, NoChangesError, NotFoundError, ValidationError } from "../errors.ts";
import { forbidden, type ProjectsService } from "../projects/projects-service.ts";
import type { ProjectRow } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import type { UsersRepo } from "../users/users-repo.ts";
import { normaliseEmail } from "../users/users-service.ts";
import type { MembersRepo } from "./members-repo.ts";

export type Member = {
  userId: string;
  email: string;
  name: string;
  role: Role;
  permissions: Permission[];
  createdAt: string;
};

type Deps = {
  store: Store;
  repo: MembersRepo;
  users: UsersRepo;
  projects: ProjectsService;
  audit: AuditService;
  onChange: () => Promise<void>;
  now: () => string;
};

/** Owner-level changes (owners, extra permissions such as secrets:reveal) need the owner's own powers. */
const OWNER_LEVEL: Permission = "projects:delete";

function parseRole(role: string): Role {
  if (!isRole(role))
    throw new ValidationError(
      "role",
      `Unknown role "${role.slice(0, 32)}"; roles are ${ROLE_NAMES.join(", ")}`,
    );
  return role;
}

function parseExtras(permissions: string[] | undefined): Permission[] {
  const extras: Permission[] = [];
  for (const permission of new Set(permissions ?? [])) {
    if (!isPermission(permission) || permission === "admin") {
      throw new ValidationError("permissions", `"${permission.slice(0, 64)}" cannot be granted to a member`);
    }
    extras.push(permission);
  }
  return extras;
}

export function createMembersService({ store, repo, users, projects, audit, onChange, now }: Deps) {
  async function manageable(ctx: RequestContext, slug: string): Promise<ProjectRow> {
    const project = await projects.visibleProject(ctx.principal, slug);
    if (!hasPermission(ctx.principal, project.id, "members:manage"))
      throw forbidden(ctx.principal, "members:manage", slug);
    return project;
  }

  function requireOwnerLevel(ctx: RequestContext, project: ProjectRow, what: string): void {
    if (!hasPermission(ctx.principal, project.id, OWNER_LEVEL)) {
      throw new ForbiddenError(`Only a project owner can ${what}`, { permission: OWNER_LEVEL });
    }
  }

  return {
    async list(ctx: RequestContext, slug: string): Promise<Member[]> {
      const project = await projects.visibleProject(ctx.principal, slug);
      const rows = await repo.listByProject(store.db, project.id);
      return rows.map((row) => ({
        userId: row.user_id,
        email: row.email,
        name: row.name,
        role: parseRole(row.role),
        permissions: (JSON.parse(row.permissions) as string[]).filter(isPermission),
        createdAt: row.created_at,
      }));
    },

    async add(
      ctx: RequestContext,
      slug: string,
      input: { email: string; role: string; permissions?: string[] },
    ) {
      const project = await manageable(ctx, slug);
      const role = parseRole(input.role);
      const extras = parseExtras(input.permissions);
      if (role === "owner" || extras.length > 0)
        requireOwnerLevel(ctx, project, "add owners or grant extra permissions");
      const email = normaliseEmail(input.email);
      const user = await users.findByEmail(store.db, email);
      if (user === undefined) {
        throw new NotFoundError(
          `No user with email "${email}"; an instance administrator must create the account first`,
        );
      }
      if (await repo.find(store.db, project.id, user.id)) {
        throw new ConflictError(`${email} is already a member of "${slug}"; change their role instead`);
      }
      const at = now();
      await store.transaction(async (tx) => {
        await repo.insert(tx, {
          project_id: project.id,
          user_id: user.id,
          role,
          permissions: JSON.stringify(extras),
          created_at: at,
        });
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "member.add", {
            project: slug,
            details: { userId: user.id, email, role, permissions: extras.join(" ") },
          }),
        );
      });
      await onChange();
      return { userId: user.id, email, name: user.name, role, permissions: extras, createdAt: at };
    },

    async update(
      ctx: RequestContext,
      slug: string,
      userId: string,
      input: { role?: string; permissions?: string[] },
    ) {
      const project = await manageable(ctx, slug);
      const current = await repo.find(store.db, project.id, userId);
      if (current === undefined) throw new NotFoundError(`User "${userId}" is not a member of "${slug}"`);
      const role = input.role === undefined ? parseRole(current.role) : parseRole(input.role);
      const extras =
        input.permissions === undefined
          ? parseExtras(JSON.parse(current.permissions))
          : parseExtras(input.permissions);
      if (role === current.role && JSON.stringify(extras) === current.permissions) {
        throw new NoChangesError();
      }
      if (role === "owner" || current.role === "owner" || input.permissions !== undefined) {
        requireOwnerLevel(ctx, project, "change owners or extra permissions");
      }
      if (
        current.role === "owner" &&
        role !== "owner" &&
        (await repo.countOwners(store.db, project.id)) <= 1
      ) {
        throw new ConflictError(`"${slug}" needs at least one owner; make someone else owner first`);
      }
      await store.transaction(async (tx) => {
        await repo.update(tx, project.id, userId, { role, permissions: JSON.stringify(extras) });
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "member.update", {
            project: slug,
            details: { userId, role, permissions: extras.join(" ") },
          }),
        );
      });
      await onChange();
      return (await this.list(ctx, slug)).find((member) => member.userId === userId) as Member;
    },

    async remove(ctx: RequestContext, slug: string, userId: string): Promise<void> {
      const project = await manageable(ctx, slug);
      const current = await repo.find(store.db, project.id, userId);
      if (current === undefined) throw new NotFoundError(`User "${userId}" is not a member of "${slug}"`);
      if (current.role === "owner") {
        requireOwnerLevel(ctx, project, "remove an owner");
        if ((await repo.countOwners(store.db, project.id)) <= 1) {
          throw new ConflictError(`"${slug}" needs at least one owner; make someone else owner first`);
        }
      }
      await store.transaction(async (tx) => {
        await repo.remove(tx, project.id, userId);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "member.remove", { project: slug, details: { userId } }),
        );
      });
      await onChange();
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
