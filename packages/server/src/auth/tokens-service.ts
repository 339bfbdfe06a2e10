// API tokens: minted once, stored as keyed hashes, scoped to projects, environments and permissions.
import { randomBytes, randomUUID } from "node:crypto";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import type { ApiTokenRow, Executor } from "../store/database.ts";
import { isStorageFull } from "../store/errors.ts";
import type { Store } from "../store/store.ts";
import { validateSlug } from "../validation.ts";
import {
  type Actor,
  canSeeEnvironment,
  expandPermissions,
  globalPermissions,
  hasPermission,
  isPermission,
  PERMISSIONS,
  type Permission,
  type Principal,
  permissionsOn,
  type RequestContext,
  type TokenPrincipal,
} from "./permissions.ts";
import type { TokensRepo } from "./tokens-repo.ts";

export const TOKEN_PREFIX = "coffer_";
const ALL = "*";
const LAST_USED_RESOLUTION_MS = 60_000;
const SYSTEM_DEV = JSON.stringify({ type: "system", id: "dev", name: "coffer serve --dev" });
const SYSTEM_INIT = JSON.stringify({ type: "system", id: "init", name: "instance initialisation" });

export type Token = {
  id: string;
  name: string;
  projects: string[];
  environments: string[] | null;
  permissions: Permission[];
  expiresAt: string | null;
  createdAt: string;
  createdBy: Actor | { type: "system"; id: string; name: string };
  lastUsedAt: string | null;
};

export type CreateTokenInput = {
  name: string;
  projects: string[];
  environments?: string[];
  permissions: string[];
  expiresAt?: string;
};

type CachedToken = { principal: TokenPrincipal; id: string; expiresAt: number | null; lastUsedAt: number };
type Deps = {
  store: Store;
  repo: TokensRepo;
  keys: KeysService;
  projects: ProjectsService;
  audit: AuditService;
  now: () => string;
};

export function mintToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function createTokensService({ store, repo, keys, projects, audit, now }: Deps) {
  // Token lookups are on every request: cached by the token itself (a map lookup instead of an HMAC per request;
  // only tokens that were valid when looked up are kept), dropped on revocation here and on every other node.
  // `generation` moves on every drop, so that a lookup that began before a revocation cannot cache its stale row.
  const cache = new Map<string, CachedToken>();
  let generation = 0;
  const forget = () => {
    cache.clear();
    generation++;
  };
  store.bus.subscribe("tokens", forget);

  function principalOf(row: ApiTokenRow): TokenPrincipal {
    const projectIds = JSON.parse(row.projects) as string[];
    const environments = row.environments === null ? null : (JSON.parse(row.environments) as string[]);
    return {
      kind: "token",
      actor: { type: "token", id: row.id, name: row.name },
      projects: projectIds.includes(ALL) ? ALL : new Set(projectIds),
      environments: environments === null ? null : new Set(environments),
      permissions: new Set((JSON.parse(row.permissions) as string[]).filter(isPermission)),
    };
  }

  /** Project id → slug, made once per response (a list maps every token with it). */
  async function projectSlugs(): Promise<Map<string, string>> {
    return new Map((await projects.allProjects()).map((project) => [project.id, project.slug]));
  }

  function toToken(row: ApiTokenRow, slugs: Map<string, string>): Token {
    const ids = JSON.parse(row.projects) as string[];
    return {
      id: row.id,
      name: row.name,
      projects: ids.includes(ALL) ? [ALL] : ids.flatMap((id) => slugs.get(id) ?? []),
      environments: row.environments === null ? null : (JSON.parse(row.environments) as string[]),
      permissions: JSON.parse(row.permissions) as Permission[],
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      createdBy: JSON.parse(row.created_by) as Token["createdBy"],
      lastUsedAt: row.last_used_at,
    };
  }

  /** The permissions a principal may hand out on each of a token's projects ("*": on every project). */
  function grantable(principal: Principal, projectIds: "*" | string[]): ReadonlySet<Permission>[] {
    if (projectIds === ALL) return [globalPermissions(principal)];
    return projectIds.map((id) => permissionsOn(principal, id) ?? new Set<Permission>());
  }

  /** A token is visible to (and revocable by) a manager who could have created it. */
  function covers(manager: Principal, row: ApiTokenRow): boolean {
    const target = principalOf(row);
    const wanted = expandPermissions(target.permissions);
    const scopes = grantable(manager, target.projects === ALL ? ALL : [...target.projects]);
    for (const held of scopes) {
      if (!held.has("tokens:manage")) return false;
      for (const permission of wanted) if (!held.has(permission)) return false;
    }
    if (manager.kind === "token" && manager.environments !== null) {
      if (target.environments === null) return false;
      for (const env of target.environments) if (!manager.environments.has(env)) return false;
    }
    return true;
  }

  function requireAnyManager(principal: Principal): void {
    const anywhere =
      globalPermissions(principal).has("tokens:manage") ||
      (principal.kind === "token"
        ? expandPermissions(principal.permissions).has("tokens:manage")
        : [...principal.memberships.values()].some((held) => held.has("tokens:manage")));
    if (!anywhere) {
      throw new ForbiddenError('Managing API tokens needs the "tokens:manage" permission', {
        permission: "tokens:manage",
      });
    }
  }

  async function insertToken(
    db: Executor,
    row: Omit<ApiTokenRow, "token_hash">,
    token: string,
  ): Promise<void> {
    await repo.insert(db, { ...row, token_hash: keys.hashToken(token) });
  }

  return {
    async authenticate(authorization: string | undefined): Promise<TokenPrincipal> {
      const token = bearer(authorization);
      if (token === undefined) throw new UnauthorizedError(undefined, true);
      const nowMs = Date.now();
      let cached = store.bus.healthy ? cache.get(token) : undefined;
      if (cached === undefined) {
        const lookedUpIn = generation;
        const row = await repo.findByHash(store.db, keys.hashToken(token));
        if (row === undefined || row.revoked_at !== null) {
          throw new UnauthorizedError("The API token is not valid (unknown or revoked)", row === undefined);
        }
        cached = {
          principal: principalOf(row),
          id: row.id,
          expiresAt: row.expires_at === null ? null : Date.parse(row.expires_at),
          lastUsedAt: row.last_used_at === null ? 0 : Date.parse(row.last_used_at),
        };
        if (generation === lookedUpIn) cache.set(token, cached);
      }
      if (cached.expiresAt !== null && cached.expiresAt <= nowMs) {
        throw new UnauthorizedError("The API token has expired; create a new one");
      }
      if (nowMs - cached.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        // Last-used time is kept to the minute: a durable write per request would dominate the hot path.
        cached.lastUsedAt = nowMs;
        // A full database refuses writes, not reads: the last-used time waits for the next minute then.
        await repo.touch(store.db, cached.id, new Date(nowMs).toISOString()).catch((error: unknown) => {
          if (!isStorageFull(error)) throw error;
        });
      }
      return cached.principal;
    },

    async create(ctx: RequestContext, input: CreateTokenInput): Promise<Token & { token: string }> {
      const principal = ctx.principal;
      requireAnyManager(principal);
      const name = input.name.trim();
      if (name === "" || name.length > 100) {
        throw new ValidationError("name", "Token name is required (at most 100 characters)");
      }
      if (input.projects.length === 0) {
        throw new ValidationError(
          "projects",
          'List the projects the token may use (project slugs, or "*" for all)',
        );
      }
      let projectIds: string[];
      if (input.projects.includes(ALL)) {
        if (!globalPermissions(principal).has("tokens:manage")) {
          throw new ForbiddenError(
            'Only an instance administrator can create a token for all projects ("*")',
            {
              field: "projects",
            },
          );
        }
        projectIds = [ALL];
      } else {
        projectIds = [];
        for (const slug of new Set(input.projects)) {
          const project = await projects.visibleProject(principal, slug);
          if (!hasPermission(principal, project.id, "tokens:manage")) {
            throw new ForbiddenError(
              `You cannot create tokens for project "${slug}" (needs "tokens:manage")`,
              {
                permission: "tokens:manage",
              },
            );
          }
          projectIds.push(project.id);
        }
      }
      const environments = input.environments === undefined ? null : [...new Set(input.environments)];
      for (const env of environments ?? []) {
        validateSlug("environments", "Environment slug", env);
        if (!canSeeEnvironment(principal, env))
          throw new ForbiddenError(`You cannot grant environment "${env}"`);
      }
      if (environments === null && principal.kind === "token" && principal.environments !== null) {
        throw new ForbiddenError('This token is limited to some environments: list them in "environments"', {
          field: "environments",
        });
      }
      if (input.permissions.length === 0)
        throw new ValidationError("permissions", "List at least one permission");
      const permissions: Permission[] = [];
      const scopes = grantable(principal, projectIds[0] === ALL ? ALL : projectIds);
      for (const permission of new Set(input.permissions)) {
        if (!isPermission(permission)) {
          throw new ValidationError(
            "permissions",
            `Unknown permission "${permission.slice(0, 64)}"; valid permissions are ${PERMISSIONS.join(", ")}`,
          );
        }
        if (scopes.some((held) => !held.has(permission))) {
          throw new ForbiddenError(
            `You cannot grant "${permission}": you do not hold it on every listed project`,
            {
              permission,
            },
          );
        }
        permissions.push(permission);
      }
      let expiresAt: string | null = null;
      if (input.expiresAt !== undefined) {
        const at = Date.parse(input.expiresAt);
        if (Number.isNaN(at))
          throw new ValidationError("expiresAt", "expiresAt must be an ISO 8601 date-time");
        if (at <= Date.now()) throw new ValidationError("expiresAt", "expiresAt must be in the future");
        // Past the year 9999, toISOString() writes an expanded year (+010000-…) that is no RFC 3339 date-time: such
        // a token could be stored but never listed again.
        if (new Date(at).getUTCFullYear() > 9999)
          throw new ValidationError("expiresAt", "expiresAt must be before the year 10000");
        expiresAt = new Date(at).toISOString();
      }
      const token = mintToken();
      const row: Omit<ApiTokenRow, "token_hash"> = {
        id: randomUUID(),
        name,
        projects: JSON.stringify(projectIds),
        environments: environments === null ? null : JSON.stringify(environments),
        permissions: JSON.stringify(permissions),
        expires_at: expiresAt,
        created_at: now(),
        created_by: JSON.stringify(ctx.principal.actor),
        last_used_at: null,
        revoked_at: null,
      };
      await store.transaction(async (tx) => {
        await insertToken(tx, row, token);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "token.create", {
            details: { tokenId: row.id, name, permissions: permissions.join(" ") },
          }),
        );
      });
      return { ...toToken({ ...row, token_hash: "" }, await projectSlugs()), token };
    },

    async list(ctx: RequestContext): Promise<Token[]> {
      requireAnyManager(ctx.principal);
      const rows = (await repo.listActive(store.db)).filter((row) => covers(ctx.principal, row));
      const slugs = await projectSlugs();
      return rows.map((row) => toToken(row, slugs));
    },

    async revoke(ctx: RequestContext, id: string): Promise<void> {
      requireAnyManager(ctx.principal);
      const row = await repo.findById(store.db, id);
      if (row === undefined || row.revoked_at !== null || !covers(ctx.principal, row)) {
        throw new NotFoundError(`Token "${id}" not found`);
      }
      await store.transaction(async (tx) => {
        await repo.revoke(tx, id, now());
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "token.revoke", { details: { tokenId: id, name: row.name } }),
        );
      });
      forget();
      await store.bus.publish("tokens");
    },

    /** The development root token: previous generated ones are revoked, a fixed value is reused. */
    async ensureDevRootToken(fixed: string | undefined): Promise<string> {
      const token = fixed ?? mintToken();
      const existing = await repo.findByHash(store.db, keys.hashToken(token));
      if (existing !== undefined && existing.revoked_at === null) return token;
      if (existing !== undefined)
        throw new ValidationError("devRootToken", "That root token value was revoked; pick another");
      await repo.revokeByCreator(store.db, SYSTEM_DEV, now());
      forget();
      await store.bus.publish("tokens");
      await insertToken(store.db, rootRow("dev-root", SYSTEM_DEV, now()), token);
      return token;
    },

    /** The initial root token of a new production instance, printed once by `serve`. */
    async createInitialRootToken(): Promise<string> {
      const token = mintToken();
      await insertToken(store.db, rootRow("initial-root", SYSTEM_INIT, now()), token);
      return token;
    },
  };
}

function rootRow(name: string, createdBy: string, at: string): Omit<ApiTokenRow, "token_hash"> {
  return {
    id: randomUUID(),
    name,
    projects: JSON.stringify([ALL]),
    environments: null,
    permissions: JSON.stringify(["admin"]),
    expires_at: null,
    created_at: at,
    created_by: createdBy,
    last_used_at: null,
    revoked_at: null,
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
