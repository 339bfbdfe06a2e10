// What the KV v2 services share: the types of Vault's KV view of a secret, its pure rules (check-and-set, scheduled
// deletion, max_versions, data encoding) and the lookups every operation starts with (scope, KV settings).
import type { AuditService } from "../audit/audit-service.ts";
import { hasPermission, type Permission, type Principal } from "../auth/permissions.ts";
import { ValidationError } from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { ProjectsService, Scope } from "../projects/projects-service.ts";
import type { SecretsRepo } from "../secrets/secrets-repo.ts";
import type { SecretRow, SecretVersionRow } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import {
  type SecretLimits,
  validateFieldCount,
  validateFieldName,
  validateMetadata,
  validateValueSize,
} from "../validation.ts";
import { applyMergePatch } from "./merge-patch.ts";
import type { VaultRepo, VersionStateRow } from "./vault-repo.ts";
import { badRequest } from "./vault-wire.ts";

/** A Vault mount: one environment of one project (`payments/production/`). */
export type Mount = { project: string; environment: string };
export type KvSettings = { maxVersions: number; casRequired: boolean; deleteVersionAfterMs: number };
export type VersionState = {
  version: number;
  createdAt: string;
  deletionTime: string | null;
  destroyed: boolean;
};
/** A secret's Coffer metadata, as Vault's custom_metadata: null when empty. */
export type CustomMetadata = Record<string, string> | null;
export type WrittenVersion = { version: VersionState; customMetadata: CustomMetadata };

export type KvDeps = {
  store: Store;
  projects: ProjectsService;
  keys: KeysService;
  audit: AuditService;
  secretsRepo: SecretsRepo;
  repo: VaultRepo;
  limits: SecretLimits;
  now: () => string;
};

export const DEFAULT_SETTINGS: KvSettings = { maxVersions: 0, casRequired: false, deleteVersionAfterMs: 0 };
export const CAS_MISMATCH = "check-and-set parameter did not match the current version";
export const CAS_REQUIRED = "check-and-set parameter required for this call";

export function toState(row: VersionStateRow | SecretVersionRow): VersionState {
  return {
    version: row.version,
    createdAt: row.created_at,
    deletionTime: row.deletion_time,
    destroyed: row.destroyed === 1,
  };
}

/** Deleted: its deletion time has come (a future one, from delete_version_after, does not count yet). */
export function isDeleted(state: VersionState, at: string): boolean {
  return state.deletionTime !== null && state.deletionTime <= at;
}

export function customMetadataOf(secret: SecretRow): CustomMetadata {
  const metadata = JSON.parse(secret.metadata) as Record<string, string>;
  return Object.keys(metadata).length === 0 ? null : metadata;
}

function settingsOf(
  row: { max_versions: number; cas_required: number; delete_version_after_ms: number | string } | undefined,
): KvSettings {
  if (row === undefined) return DEFAULT_SETTINGS;
  return {
    maxVersions: row.max_versions,
    casRequired: row.cas_required === 1,
    // A 64-bit column: PostgreSQL's driver hands it over as text. Durations stay far below 2^53 (parseDuration).
    deleteVersionAfterMs: Number(row.delete_version_after_ms),
  };
}

/** When a new (or undeleted) version becomes unreadable by itself: the smaller non-zero delete_version_after. */
export function scheduledDeletion(at: string, key: KvSettings, mount: KvSettings): string | null {
  if (mount.deleteVersionAfterMs < 0) return null;
  const after = [key.deleteVersionAfterMs, mount.deleteVersionAfterMs].filter((ms) => ms > 0);
  if (after.length === 0) return null;
  return new Date(Date.parse(at) + Math.min(...after)).toISOString();
}

/**
 * How many versions a key keeps. Vault defaults to 10 when neither the key nor the mount says; Coffer keeps every
 * version unless max_versions was set, so that writing through the Vault API never silently drops history.
 */
export function effectiveMaxVersions(key: KvSettings, mount: KvSettings): number {
  return Math.max(key.maxVersions, mount.maxVersions);
}

/** Vault's oldest_version: 0 until the key first reached max_versions, then the oldest version kept. */
export function oldestVersion(states: VersionState[], current: number, maxVersions: number): number {
  const oldestKept = states[0]?.version ?? 0;
  if (oldestKept > 1) return oldestKept;
  return maxVersions > 0 && current >= maxVersions ? 1 : 0;
}

export function checkCas(cas: number | undefined, current: number, key: KvSettings, mount: KvSettings): void {
  if (cas === undefined) {
    if (key.casRequired || mount.casRequired) throw badRequest(CAS_REQUIRED);
    return;
  }
  if (cas !== current) throw badRequest(CAS_MISMATCH);
}

export type EncodedData = { values: Map<string, string>; jsonFields: string | null };

/**
 * Vault's data is any JSON object; Coffer fields are strings, so any other value is stored as its JSON text and
 * the field is marked, to be given back as the same JSON value. Coffer's rules for fields and values apply.
 */
export function encodeData(data: Record<string, unknown>, limits: SecretLimits): EncodedData {
  const values = new Map<string, string>();
  const json: string[] = [];
  for (const [name, value] of Object.entries(data)) {
    validateFieldName(name);
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (typeof value !== "string") json.push(name);
    if (text === "") throw new ValidationError("fields", "Secret value is required", { fieldName: name });
    validateValueSize(name, text, limits);
    values.set(name, text);
  }
  validateFieldCount(values.size, limits);
  return { values, jsonFields: json.length === 0 ? null : JSON.stringify(json.sort()) };
}

/** Fields of a version holding the JSON text of a non-string value. */
export function jsonFieldsOf(row: Pick<SecretVersionRow, "json_fields">): ReadonlySet<string> {
  return new Set(row.json_fields === null ? [] : (JSON.parse(row.json_fields) as string[]));
}

/** The custom metadata after a write (replaces the map; null clears it) or a patch (merges; null deletes a key). */
export function nextCustomMetadata(
  secret: SecretRow | undefined,
  given: Record<string, string | null> | null | undefined,
  mode: "replace" | "patch",
): Record<string, string> | undefined {
  if (given === undefined) return undefined;
  const current = secret === undefined ? {} : (JSON.parse(secret.metadata) as Record<string, string>);
  const next = given === null ? {} : mode === "patch" ? applyMergePatch(current, given) : given;
  try {
    // Coffer's metadata rules: Vault's limits (64 keys, 128-character keys, 512-character values).
    return validateMetadata({ ...(next as Record<string, string>) });
  } catch (error) {
    if (error instanceof ValidationError)
      throw badRequest(`custom_metadata validation failed: ${error.message}`);
    throw error;
  }
}

/** The lookups every KV operation starts with. */
export function createKvLookups({ store, projects, repo }: KvDeps) {
  const scopeFor = (principal: Principal, mount: Mount, permission: Permission): Promise<Scope> =>
    projects.resolveScope(principal, mount.project, mount.environment, permission);

  return {
    scopeFor,

    /** For writes that may create or update: resolves with whichever of the two the principal holds. */
    async scopeForWrite(principal: Principal, mount: Mount): Promise<Scope> {
      const project = await projects.visibleProject(principal, mount.project);
      const canUpdate = hasPermission(principal, project.id, "secrets:update");
      return scopeFor(principal, mount, canUpdate ? "secrets:update" : "secrets:create");
    },

    async keySettings(secret: SecretRow | undefined): Promise<KvSettings> {
      return secret === undefined
        ? DEFAULT_SETTINGS
        : settingsOf(await repo.secretSettings(store.db, secret.id));
    },

    async mountSettings(scope: Scope): Promise<KvSettings> {
      return settingsOf(await repo.mountSettings(store.db, scope.environment.id));
    },

    target: (scope: Scope, key: string, version?: number) => ({
      project: scope.project.slug,
      environment: scope.environment.slug,
      key,
      ...(version === undefined ? {} : { version }),
    }),
  };
}
