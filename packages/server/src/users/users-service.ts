// People: accounts, sign-in with rate limiting, server-side sessions with CSRF tokens, and first-admin setup.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import {
  isInstanceAdmin,
  isPermission,
  isRole,
  type Permission,
  type RequestContext,
  rolePermissions,
  type UserPrincipal,
} from "../auth/permissions.ts";
import type { FailureLimiter } from "../auth/rate-limit.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../errors.ts";
import type { KeysRepo } from "../keys/keys-repo.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { MembersRepo } from "../members/members-repo.ts";
import type { SessionRow, UserRow } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./passwords.ts";
import type { UsersRepo } from "./users-repo.ts";

export const SESSION_COOKIE = "coffer_session";
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const SETUP_META = "setup_token";
const SETUP_TTL_MS = 15 * 60_000;
const TOUCH_RESOLUTION_MS = 60_000;

export type User = { id: string; email: string; name: string; instanceAdmin: boolean; createdAt: string };
export type SessionPolicy = { idleMs: number; absoluteMs: number };
export type Origin = { sourceIp: string; userAgent: string | null; requestId: string };

type CachedSession = { principal: UserPrincipal; row: SessionRow; csrf: string };

type Deps = {
  store: Store;
  repo: UsersRepo;
  members: MembersRepo;
  keysRepo: KeysRepo;
  keys: KeysService;
  audit: AuditService;
  /** Failed sign-ins are limited per account (few) and per source address (more: offices share one). */
  limiters: { account: FailureLimiter; source: FailureLimiter };
  policy: SessionPolicy;
  now: () => string;
};

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    instanceAdmin: row.instance_admin === 1,
    createdAt: row.created_at,
  };
}

export function validatePassword(password: string, field = "password"): string {
  if (password.length < MIN_PASSWORD) {
    throw new ValidationError(field, `Password must be at least ${MIN_PASSWORD} characters`);
  }
  if (password.length > MAX_PASSWORD)
    throw new ValidationError(field, `Password must be at most ${MAX_PASSWORD} characters`);
  return password;
}

export function normaliseEmail(email: string): string {
  const value = email.trim().toLowerCase();
  if (!EMAIL.test(value)) throw new ValidationError("email", "Enter a valid email address");
  return value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createUsersService(deps: Deps) {
  const { store, repo, members, keys, audit, limiters, policy, now } = deps;
  const check = (ip: string, email?: string) => {
    limiters.source.check([`ip:${ip}`]);
    if (email !== undefined) limiters.account.check([`account:${email}`]);
  };
  const fail = (ip: string, email?: string) => {
    limiters.source.fail([`ip:${ip}`]);
    if (email !== undefined) limiters.account.fail([`account:${email}`]);
  };
  // Sessions are looked up on every browser request: cached by hash, dropped on any change (on every node).
  const sessions = new Map<string, CachedSession>();
  store.bus.subscribe("sessions", () => sessions.clear());
  const dropSessions = () => {
    sessions.clear();
    return store.bus.publish("sessions");
  };
  const anonymous = (origin: Origin, email: string) => ({
    principal: {
      kind: "user" as const,
      actor: { type: "user" as const, id: "", name: email },
      sessionId: "",
      instanceAdmin: false,
      memberships: new Map(),
    },
    ...origin,
  });

  async function principalOf(user: UserRow, sessionId: string): Promise<UserPrincipal> {
    const rows = await members.listByUser(store.db, user.id);
    const memberships = new Map<string, ReadonlySet<Permission>>();
    for (const row of rows) {
      const extra = (JSON.parse(row.permissions) as string[]).filter(isPermission);
      if (isRole(row.role)) memberships.set(row.project_id, rolePermissions(row.role, extra));
    }
    return {
      kind: "user",
      actor: { type: "user", id: user.id, name: user.email },
      sessionId,
      instanceAdmin: user.instance_admin === 1,
      memberships,
    };
  }

  async function createUser(input: {
    email: string;
    name?: string;
    password: string;
    instanceAdmin: boolean;
  }) {
    const email = normaliseEmail(input.email);
    validatePassword(input.password);
    if (await repo.findByEmail(store.db, email))
      throw new ConflictError(`A user with email "${email}" already exists`);
    const at = now();
    const row: UserRow = {
      id: randomUUID(),
      email,
      name: input.name?.trim() || email.split("@")[0] || email,
      password_hash: await hashPassword(input.password),
      instance_admin: input.instanceAdmin ? 1 : 0,
      created_at: at,
      updated_at: at,
    };
    return row;
  }

  function requireInstanceAdmin(ctx: RequestContext): void {
    if (!isInstanceAdmin(ctx.principal)) {
      throw new ForbiddenError("Only instance administrators can manage users", { permission: "admin" });
    }
  }

  return {
    /** Drops cached sessions, e.g. after a membership change, so the next request sees the new permissions. */
    invalidate(): Promise<void> {
      return dropSessions();
    },

    async login(origin: Origin, input: { email: string; password: string }) {
      const email = input.email.trim().toLowerCase();
      check(origin.sourceIp, email);
      const user = await repo.findByEmail(store.db, email);
      let ok = false;
      if (user === undefined) await burnPasswordCheck(input.password);
      else ok = await verifyPassword(input.password, user.password_hash);
      if (!ok || user === undefined) {
        fail(origin.sourceIp, email);
        await audit.record({
          ...auditEvent(anonymous(origin, email), "auth.login", { details: { reason: "bad credentials" } }),
          outcome: "denied",
          actor: { type: "anonymous", id: "", name: email.slice(0, 200) },
        });
        throw new UnauthorizedError("Email or password is incorrect");
      }
      limiters.account.succeed([`account:${email}`]);
      const token = randomBytes(32).toString("base64url");
      const at = new Date(now());
      const row: SessionRow = {
        id: randomUUID(),
        token_hash: keys.hashToken(`session:${token}`),
        user_id: user.id,
        created_at: at.toISOString(),
        last_seen_at: at.toISOString(),
        expires_at: new Date(at.getTime() + policy.absoluteMs).toISOString(),
        revoked_at: null,
        source_ip: origin.sourceIp,
        user_agent: origin.userAgent,
      };
      const ctx = { ...origin, principal: await principalOf(user, row.id) };
      await store.transaction(async (tx) => {
        await repo.insertSession(tx, row);
        await audit.appendInTransaction(tx, auditEvent(ctx, "auth.login"));
      });
      return {
        token,
        csrfToken: keys.hashToken(`csrf:${token}`),
        user: toUser(user),
        expiresAt: row.expires_at,
      };
    },

    /** Resolves a session cookie; state-changing requests must carry the session's CSRF token. */
    async authenticateSession(token: string, csrfHeader: string | undefined, safeMethod: boolean) {
      const hash = keys.hashToken(`session:${token}`);
      let cached = store.bus.healthy ? sessions.get(hash) : undefined;
      if (cached === undefined) {
        const row = await repo.findSession(store.db, hash);
        const user = row === undefined ? undefined : await repo.findById(store.db, row.user_id);
        if (row === undefined || user === undefined || row.revoked_at !== null) {
          throw new UnauthorizedError("Your session has ended; sign in again");
        }
        cached = { principal: await principalOf(user, row.id), row, csrf: keys.hashToken(`csrf:${token}`) };
        sessions.set(hash, cached);
      }
      const nowMs = Date.parse(now());
      const idleFor = nowMs - Date.parse(cached.row.last_seen_at);
      if (
        cached.row.revoked_at !== null ||
        Date.parse(cached.row.expires_at) <= nowMs ||
        idleFor > policy.idleMs
      ) {
        sessions.delete(hash);
        throw new UnauthorizedError("Your session has expired; sign in again");
      }
      if (!safeMethod && (csrfHeader === undefined || !sameText(csrfHeader, cached.csrf))) {
        throw new ForbiddenError(
          "Missing or wrong CSRF token: send the X-CSRF-Token header you got at sign-in",
          {
            reason: "csrf",
          },
        );
      }
      if (idleFor >= TOUCH_RESOLUTION_MS) {
        cached.row = { ...cached.row, last_seen_at: new Date(nowMs).toISOString() };
        await repo.touchSession(store.db, cached.row.id, cached.row.last_seen_at);
      }
      return cached.principal;
    },

    async logout(ctx: RequestContext): Promise<void> {
      if (ctx.principal.kind !== "user")
        throw new ValidationError(undefined, "Sign-out ends a session; API tokens are revoked instead");
      const sessionId = ctx.principal.sessionId;
      await store.transaction(async (tx) => {
        await repo.revokeSession(tx, sessionId, now());
        await audit.appendInTransaction(tx, auditEvent(ctx, "auth.logout"));
      });
      await dropSessions();
    },

    async me(ctx: RequestContext) {
      if (ctx.principal.kind !== "user") return undefined;
      const user = await repo.findById(store.db, ctx.principal.actor.id);
      if (user === undefined) throw new UnauthorizedError("Your account no longer exists");
      const sessionId = ctx.principal.sessionId;
      const csrfToken = [...sessions.values()].find((entry) => entry.row.id === sessionId)?.csrf ?? null;
      return { user: toUser(user), csrfToken };
    },

    async changePassword(ctx: RequestContext, input: { currentPassword: string; newPassword: string }) {
      if (ctx.principal.kind !== "user") throw new ValidationError(undefined, "Only people have passwords");
      const user = await repo.findById(store.db, ctx.principal.actor.id);
      if (user === undefined) throw new UnauthorizedError("Your account no longer exists");
      check(ctx.sourceIp, user.email);
      if (!(await verifyPassword(input.currentPassword, user.password_hash))) {
        fail(ctx.sourceIp, user.email);
        throw new ValidationError("currentPassword", "The current password is incorrect");
      }
      validatePassword(input.newPassword, "newPassword");
      const hash = await hashPassword(input.newPassword);
      const sessionId = ctx.principal.sessionId;
      await store.transaction(async (tx) => {
        await repo.setPassword(tx, user.id, hash, now());
        await repo.revokeUserSessions(tx, user.id, now(), sessionId);
        await audit.appendInTransaction(tx, auditEvent(ctx, "user.password_change"));
      });
      await dropSessions();
    },

    async list(ctx: RequestContext): Promise<User[]> {
      requireInstanceAdmin(ctx);
      return (await repo.list(store.db)).map(toUser);
    },

    async create(
      ctx: RequestContext,
      input: { email: string; name?: string; password: string; instanceAdmin?: boolean },
    ) {
      requireInstanceAdmin(ctx);
      const row = await createUser({ ...input, instanceAdmin: input.instanceAdmin === true });
      await store.transaction(async (tx) => {
        await repo.insert(tx, row);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "user.create", {
            details: { userId: row.id, email: row.email, instanceAdmin: row.instance_admin === 1 },
          }),
        );
      });
      return toUser(row);
    },

    async remove(ctx: RequestContext, id: string): Promise<void> {
      requireInstanceAdmin(ctx);
      const user = await repo.findById(store.db, id);
      if (user === undefined) throw new NotFoundError(`User "${id}" not found`);
      if (ctx.principal.actor.id === id)
        throw new ValidationError(undefined, "You cannot delete your own account");
      await store.transaction(async (tx) => {
        await repo.delete(tx, id);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "user.delete", { details: { userId: id, email: user.email } }),
        );
      });
      await dropSessions();
    },

    async hasUsers(): Promise<boolean> {
      return (await repo.count(store.db)) > 0;
    },

    /** The first administrator, from COFFER_ADMIN_EMAIL/COFFER_ADMIN_PASSWORD or the setup page. */
    async createFirstAdmin(
      input: { email: string; name?: string; password: string },
      origin: Origin | undefined,
    ) {
      if ((await repo.count(store.db)) > 0)
        throw new ConflictError("This instance already has an administrator");
      const row = await createUser({ ...input, instanceAdmin: true });
      await store.transaction(async (tx) => {
        await repo.insert(tx, row);
        await audit.appendInTransaction(tx, {
          action: "user.create",
          outcome: "success",
          actor: { type: "system", id: "setup", name: "first administrator" },
          requestId: origin?.requestId ?? null,
          sourceIp: origin?.sourceIp ?? null,
          userAgent: origin?.userAgent ?? null,
          details: { userId: row.id, email: row.email, instanceAdmin: true },
        });
      });
      return toUser(row);
    },

    /** A development administrator with a fresh throwaway password on every `--dev` start. */
    async ensureDevAdmin(email: string): Promise<string> {
      const password = randomBytes(12).toString("base64url");
      const existing = await repo.findByEmail(store.db, email);
      if (existing === undefined) {
        await repo.insert(
          store.db,
          await createUser({ email, name: "Dev Admin", password, instanceAdmin: true }),
        );
      } else {
        await repo.setPassword(store.db, existing.id, await hashPassword(password), now());
      }
      await dropSessions();
      return password;
    },

    /** A one-time setup token valid for 15 minutes; only its hash is kept. */
    async newSetupToken(): Promise<string> {
      const token = randomBytes(24).toString("base64url");
      const value = JSON.stringify({
        hash: keys.hashToken(`setup:${token}`),
        expiresAt: Date.parse(now()) + SETUP_TTL_MS,
      });
      await store.transaction(async (tx) => {
        await tx.deleteFrom("instance_meta").where("name", "=", SETUP_META).execute();
        await deps.keysRepo.writeMeta(tx, SETUP_META, value);
      });
      return token;
    },

    async completeSetup(
      origin: Origin,
      input: { token: string; email: string; name?: string; password: string },
    ) {
      check(origin.sourceIp);
      const stored = await deps.keysRepo.readMeta(store.db, SETUP_META);
      const parsed =
        stored === undefined ? undefined : (JSON.parse(stored) as { hash: string; expiresAt: number });
      if (
        parsed === undefined ||
        parsed.expiresAt <= Date.parse(now()) ||
        !sameText(parsed.hash, keys.hashToken(`setup:${input.token}`))
      ) {
        fail(origin.sourceIp);
        throw new UnauthorizedError(
          "This setup link is invalid or has expired; restart the server for a new one",
        );
      }
      const user = await this.createFirstAdmin(input, origin);
      await store.transaction((tx) =>
        tx.deleteFrom("instance_meta").where("name", "=", SETUP_META).execute(),
      );
      return user;
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
