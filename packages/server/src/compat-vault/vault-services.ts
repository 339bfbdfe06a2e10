// Wires the Vault-compatible API's services from Coffer's own: one call for main.ts.
import type { AuditService } from "../audit/audit-service.ts";
import type { TokensRepo } from "../auth/tokens-repo.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import type { SecretsRepo } from "../secrets/secrets-repo.ts";
import type { Store } from "../store/store.ts";
import type { SecretLimits } from "../validation.ts";
import { createKvDataService } from "./kv-data-service.ts";
import { createKvMetadataService } from "./kv-metadata-service.ts";
import { createVaultRepo } from "./vault-repo.ts";
import { createVaultSystemService } from "./vault-system-service.ts";

type Deps = {
  store: Store;
  projects: ProjectsService;
  keys: KeysService;
  audit: AuditService;
  secretsRepo: SecretsRepo;
  tokensRepo: TokensRepo;
  limits: SecretLimits;
  now: () => string;
};

export function createVaultServices({ tokensRepo, ...deps }: Deps) {
  const kv = { ...deps, repo: createVaultRepo() };
  return {
    data: createKvDataService(kv),
    metadata: createKvMetadataService(kv),
    system: createVaultSystemService({ store: deps.store, projects: deps.projects, tokensRepo }),
  };
}

export type VaultServices = ReturnType<typeof createVaultServices>;
