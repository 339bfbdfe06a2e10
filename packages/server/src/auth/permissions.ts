// Permissions and the principal (who is calling), with the checks every service uses.

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
  "admin",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export type Actor = { type: "token"; id: string; name: string };

export type Principal = {
  actor: Actor;
  /** Project ids the principal may see, or "*" for every project, including future ones. */
  projects: "*" | ReadonlySet<string>;
  /** Environment slugs the principal may see, or null for all. */
  environments: ReadonlySet<string> | null;
  permissions: ReadonlySet<Permission>;
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission) || principal.permissions.has("admin");
}

export function canSeeProject(principal: Principal, projectId: string): boolean {
  return principal.projects === "*" || principal.projects.has(projectId);
}

export function canSeeEnvironment(principal: Principal, environmentSlug: string): boolean {
  return principal.environments === null || principal.environments.has(environmentSlug);
}

export function isInstanceAdmin(principal: Principal): boolean {
  return principal.projects === "*" && principal.environments === null && principal.permissions.has("admin");
}
