// The Vault system view of Coffer: which KV mounts (project environments) a caller can see, and what its token is.
import type { RequestContext, TokenPrincipal } from "../auth/permissions.ts";
import type { TokensRepo } from "../auth/tokens-repo.ts";
import { NotFoundError } from "../errors.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import type { Store } from "../store/store.ts";
import type { Mount } from "./kv-common.ts";

export type MountEntry = Mount & {
  /** The Vault mount path, with its trailing slash: "payments/production/". */
  path: string;
  /** The environment's id: stable, and a UUID like Vault's mount uuid. */
  id: string;
  description: string;
};

export type TokenInfo = {
  id: string;
  name: string;
  permissions: string[];
  projects: string[];
  environments: string[] | null;
  createdAt: string;
  expiresAt: string | null;
};

type Deps = { store: Store; projects: ProjectsService; tokensRepo: TokensRepo };

export function createVaultSystemService({ store, projects, tokensRepo }: Deps) {
  async function mountsOfProject(ctx: RequestContext, project: { slug: string; name: string }) {
    return (await projects.listEnvironments(ctx, project.slug)).map(
      (environment): MountEntry => ({
        project: project.slug,
        environment: environment.slug,
        path: `${project.slug}/${environment.slug}/`,
        id: environment.id,
        description: `Coffer project "${project.name}", environment "${environment.name}"`,
      }),
    );
  }

  return {
    /** Every environment of every project the caller can see, sorted by path. */
    async visibleMounts(ctx: RequestContext): Promise<MountEntry[]> {
      const mounts: MountEntry[] = [];
      for (const project of await projects.list(ctx)) mounts.push(...(await mountsOfProject(ctx, project)));
      return mounts.sort((a, b) => (a.path < b.path ? -1 : 1));
    },

    /** The mount of a project and environment, or undefined when it does not exist or the caller cannot see it. */
    async findMount(ctx: RequestContext, projectSlug: string, environmentSlug: string) {
      try {
        const project = await projects.get(ctx, projectSlug);
        return (await mountsOfProject(ctx, project)).find((mount) => mount.environment === environmentSlug);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },

    /** The caller's own token, for auth/token/lookup-self. */
    async describeToken(principal: TokenPrincipal): Promise<TokenInfo> {
      const row = await tokensRepo.findById(store.db, principal.actor.id);
      if (row === undefined) throw new NotFoundError("The token is gone");
      const slugs = new Map((await projects.allProjects()).map((project) => [project.id, project.slug]));
      const projectIds = JSON.parse(row.projects) as string[];
      return {
        id: row.id,
        name: row.name,
        permissions: [...principal.permissions].sort(),
        projects: projectIds.map((id) => (id === "*" ? "*" : (slugs.get(id) ?? id))),
        environments: row.environments === null ? null : (JSON.parse(row.environments) as string[]),
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      };
    },
  };
}

export type VaultSystemService = ReturnType<typeof createVaultSystemService>;
