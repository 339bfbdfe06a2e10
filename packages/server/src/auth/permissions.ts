// Permissions, roles and the principal (who is calling), with the checks every service uses.

export const PERMISSIONS = [
  "secrets:list",
  "secrets:create",
  "secrets:update",
  "secrets:delete",
  "secrets:use",
  "secrets:reveal",
  "connections:manage",
  "audit:read",
  "members:manage",
  "tokens:manage",
  "projects:manage",
  "projects:delete",
  "admin",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const ALL: ReadonlySet<Permission> = new Set(PERMISSIONS);

/** Named sets of permissions for people. `secrets:reveal` is in none: people manage secrets, programs read them. */
export const ROLES = {
  owner: [
    "secrets:list",
    "secrets:create",
    "secrets:update",
    "secrets:delete",
    "secrets:use",
    "connections:manage",
    "audit:read",
    "members:manage",
    "tokens:manage",
    "projects:manage",
    "projects:delete",
  ],
  admin: [
    "secrets:list",
    "secrets:create",
    "secrets:update",
    "secrets:delete",
    "secrets:use",
    "connections:manage",
    "audit:read",
    "members:manage",
    "tokens:manage",
    "projects:manage",
  ],
  developer: ["secrets:list", "secrets:create", "secrets:update", "secrets:delete", "secrets:use"],
  viewer: ["secrets:list"],
} as const satisfies Record<string, readonly Permission[]>;

export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value);
}

export function rolePermissions(role: Role, extra: readonly Permission[] = []): ReadonlySet<Permission> {
  return new Set<Permission>([...ROLES[role], ...extra]);
}

export type Actor = { type: "token" | "user"; id: string; name: string };

export type TokenPrincipal = {
  kind: "token";
  actor: Actor;
  /** Project ids the token may see, or "*" for every project, including future ones. */
  projects: "*" | ReadonlySet<string>;
  /** Environment slugs the token may see, or null for all. */
  environments: ReadonlySet<string> | null;
  permissions: ReadonlySet<Permission>;
};

export type UserPrincipal = {
  kind: "user";
  actor: Actor;
  sessionId: string;
  /** Instance administrators manage users and projects and act as owners everywhere (still without reveal). */
  instanceAdmin: boolean;
  /** Project id → the permissions of the person's role there (plus any explicitly granted extras). */
  memberships: ReadonlyMap<string, ReadonlySet<Permission>>;
};

export type Principal = TokenPrincipal | UserPrincipal;

/** Everything a service needs to know about the request it serves: who, and where from (for the audit log). */
export type RequestContext = {
  principal: Principal;
  requestId: string;
  sourceIp: string;
  userAgent: string | null;
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

const OWNER = rolePermissions("owner");

/** The principal's permissions on a project, or undefined when it cannot see the project at all. */
export function permissionsOn(principal: Principal, projectId: string): ReadonlySet<Permission> | undefined {
  if (principal.kind === "token") {
    if (principal.projects !== "*" && !principal.projects.has(projectId)) return undefined;
    return principal.permissions.has("admin") ? ALL : principal.permissions;
  }
  return principal.memberships.get(projectId) ?? (principal.instanceAdmin ? OWNER : undefined);
}

export function hasPermission(principal: Principal, projectId: string, permission: Permission): boolean {
  return permissionsOn(principal, projectId)?.has(permission) === true;
}

export function canSeeProject(principal: Principal, projectId: string): boolean {
  return permissionsOn(principal, projectId) !== undefined;
}

export function canSeeEnvironment(principal: Principal, environmentSlug: string): boolean {
  return (
    principal.kind === "user" ||
    principal.environments === null ||
    principal.environments.has(environmentSlug)
  );
}

/** Instance-wide powers: creating projects, managing people, tokens for every project. */
export function isInstanceAdmin(principal: Principal): boolean {
  if (principal.kind === "user") return principal.instanceAdmin;
  return principal.projects === "*" && principal.environments === null && principal.permissions.has("admin");
}

/** What a principal may grant on every project (for tokens scoped to "*"). */
export function globalPermissions(principal: Principal): ReadonlySet<Permission> {
  if (principal.kind === "user") return principal.instanceAdmin ? OWNER : new Set();
  if (principal.projects !== "*") return new Set();
  return principal.permissions.has("admin") ? ALL : principal.permissions;
}

export function expandPermissions(permissions: Iterable<Permission>): ReadonlySet<Permission> {
  const set = new Set(permissions);
  return set.has("admin") ? ALL : set;
}
