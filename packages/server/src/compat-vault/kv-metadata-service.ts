// KV v2 metadata over Coffer's secrets: a key's versions and settings, folder listings, metadata writes (which never
// write a version), deleting a key with all its versions, and the mount configuration of an environment.
import { randomUUID } from "node:crypto";
import { auditEvent } from "../audit-events.ts";
import type { RequestContext } from "../auth/permissions.ts";
import { ConflictError } from "../errors.ts";
import { ensureRoomInEnvironment } from "../secrets/secrets-service.ts";
import type { SecretRow } from "../store/database.ts";
import { validateSecretKey } from "../validation.ts";
import {
  type CustomMetadata,
  createKvLookups,
  customMetadataOf,
  effectiveMaxVersions,
  type KvDeps,
  type KvSettings,
  type Mount,
  nextCustomMetadata,
  oldestVersion,
  toState,
  type VersionState,
} from "./kv-common.ts";
import { badRequest } from "./vault-wire.ts";

export type KeyMetadata = {
  createdAt: string;
  updatedAt: string;
  currentVersion: number;
  oldestVersion: number;
  customMetadata: CustomMetadata;
  settings: KvSettings;
  versions: VersionState[];
};

/** Metadata fields a request gave; absent ones stay as they are. custom_metadata null clears it. */
export type MetadataInput = {
  maxVersions?: number;
  casRequired?: boolean;
  deleteVersionAfterMs?: number;
  customMetadata?: Record<string, string | null> | null;
};

export type MetadataWrite = { kind: "missing" } | { kind: "saved"; warning: string | null };

const CAS_MANDATED =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

/** The names of the settings that differ, as the audit event lists them. */
function changedSettings(before: KvSettings, after: KvSettings): string[] {
  return [
    ...(after.maxVersions !== before.maxVersions ? ["max_versions"] : []),
    ...(after.casRequired !== before.casRequired ? ["cas_required"] : []),
    ...(after.deleteVersionAfterMs !== before.deleteVersionAfterMs ? ["delete_version_after"] : []),
  ];
}

/** Stored as a 32-bit integer on both databases (PostgreSQL's `integer`); Vault keeps it as a uint32 too. */
const MAX_MAX_VERSIONS = 2_147_483_647;

function checkMaxVersions(value: number | undefined): void {
  if ((value ?? 0) < 0) throw badRequest("max_versions cannot be negative");
  if ((value ?? 0) > MAX_MAX_VERSIONS) {
    throw badRequest(`max_versions cannot be more than ${MAX_MAX_VERSIONS}`);
  }
}

export function createKvMetadataService(deps: KvDeps) {
  const { store, projects, audit, secretsRepo, repo, limits, now } = deps;
  const { scopeFor, scopeForWrite, keySettings, mountSettings, target } = createKvLookups(deps);

  return {
    async readMetadata(ctx: RequestContext, mount: Mount, key: string): Promise<KeyMetadata | undefined> {
      const scope = await scopeFor(ctx.principal, mount, "secrets:list");
      const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
      if (secret === undefined) return undefined;
      const settings = await keySettings(secret);
      const versions = (await repo.versionStates(store.db, secret.id)).map(toState);
      const maxVersions = effectiveMaxVersions(settings, await mountSettings(scope));
      return {
        createdAt: secret.created_at,
        updatedAt: secret.updated_at,
        currentVersion: secret.current_version,
        oldestVersion: oldestVersion(versions, secret.current_version, maxVersions),
        customMetadata: customMetadataOf(secret),
        settings,
        versions,
      };
    },

    /** The immediate children of a folder ("" or ending in "/"): keys as "name", sub-folders as "name/", sorted. */
    async listKeys(ctx: RequestContext, mount: Mount, folder: string, excludeDeleted: boolean) {
      const scope = await scopeFor(ctx.principal, mount, "secrets:list");
      const at = now();
      const children = new Set<string>();
      for (const row of await repo.listKeys(store.db, scope.environment.id, folder)) {
        const rest = row.key.slice(folder.length);
        const slash = rest.indexOf("/");
        if (slash !== -1) children.add(rest.slice(0, slash + 1));
        else if (!excludeDeleted || row.deletion_time === null || row.deletion_time > at) children.add(rest);
      }
      return [...children].sort();
    },

    /**
     * Creates a key (without any version) or changes its metadata. "replace" sets custom_metadata as given,
     * "patch" merges it into the existing one and needs the key to exist.
     */
    async writeMetadata(
      ctx: RequestContext,
      mount: Mount,
      key: string,
      input: MetadataInput,
      mode: "replace" | "patch",
    ): Promise<MetadataWrite> {
      checkMaxVersions(input.maxVersions);
      if ((input.deleteVersionAfterMs ?? 0) < 0) throw badRequest("delete_version_after cannot be negative");
      const scope = await scopeForWrite(ctx.principal, mount);
      validateSecretKey(key);
      const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
      if (secret === undefined && mode === "patch") return { kind: "missing" };
      projects.requirePermission(ctx.principal, secret ? "secrets:update" : "secrets:create", scope.project);
      const mountConfig = await mountSettings(scope);
      const warning = input.casRequired === false && mountConfig.casRequired ? CAS_MANDATED : null;
      const before = await keySettings(secret);
      const settings: KvSettings = {
        maxVersions: input.maxVersions ?? before.maxVersions,
        casRequired: input.casRequired ?? before.casRequired,
        deleteVersionAfterMs: input.deleteVersionAfterMs ?? before.deleteVersionAfterMs,
      };
      const metadata = nextCustomMetadata(secret, input.customMetadata, mode);
      const metadataText = metadata === undefined ? undefined : JSON.stringify(metadata);
      const changed = [
        ...(metadataText !== undefined && metadataText !== secret?.metadata ? ["metadata"] : []),
        ...changedSettings(before, settings),
      ];
      if (secret !== undefined && changed.length === 0) return { kind: "saved", warning };
      const saved = await saveMetadata(ctx, scope, key, secret, { metadataText, settings, changed });
      if (!saved) throw new ConflictError(`Secret "${key}" was changed by someone else meanwhile; retry`);
      return { kind: "saved", warning };
    },

    /** Deletes the key and every version for good: Coffer's own delete, with the same audit event. */
    async deleteMetadata(ctx: RequestContext, mount: Mount, key: string): Promise<void> {
      const scope = await scopeFor(ctx.principal, mount, "secrets:delete");
      const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
      if (secret === undefined) return;
      await store.transaction(async (tx) => {
        await secretsRepo.delete(tx, secret.id);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "secret.delete", target(scope, key, secret.current_version)),
        );
      });
    },

    async readConfig(ctx: RequestContext, mount: Mount): Promise<KvSettings> {
      return mountSettings(await scopeFor(ctx.principal, mount, "secrets:list"));
    },

    /** The mount configuration applies to every secret of the environment, so it needs projects:manage. */
    async writeConfig(ctx: RequestContext, mount: Mount, input: Partial<KvSettings>): Promise<void> {
      checkMaxVersions(input.maxVersions);
      const scope = await scopeFor(ctx.principal, mount, "projects:manage");
      const before = await mountSettings(scope);
      const after = { ...before, ...input };
      const changed = changedSettings(before, after);
      if (changed.length === 0) return;
      await store.transaction(async (tx) => {
        await repo.saveMountSettings(tx, {
          environment_id: scope.environment.id,
          max_versions: after.maxVersions,
          cas_required: after.casRequired ? 1 : 0,
          delete_version_after_ms: after.deleteVersionAfterMs,
        });
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "environment.update", {
            project: scope.project.slug,
            environment: scope.environment.slug,
            details: { vaultConfig: changed.join(" ") },
          }),
        );
      });
    },
  };

  /** Stores a metadata write with its audit event; false when another writer moved the secret meanwhile. */
  async function saveMetadata(
    ctx: RequestContext,
    scope: Awaited<ReturnType<typeof scopeFor>>,
    key: string,
    secret: SecretRow | undefined,
    change: { metadataText: string | undefined; settings: KvSettings; changed: string[] },
  ): Promise<boolean> {
    const at = now();
    const actor = JSON.stringify(ctx.principal.actor);
    const id = secret?.id ?? randomUUID();
    return store.transaction(async (tx) => {
      if (secret === undefined) {
        await ensureRoomInEnvironment({ store, limits, repo: secretsRepo }, tx, scope, 1);
        await secretsRepo.insertSecret(tx, {
          id,
          environment_id: scope.environment.id,
          key,
          display_name: null,
          description: "",
          type: "generic",
          metadata: change.metadataText ?? "{}",
          allowed_destinations: "[]",
          fields: "[]",
          current_version: 0,
          created_at: at,
          created_by: actor,
          updated_at: at,
          updated_by: actor,
        });
      } else {
        const head = {
          ...(change.metadataText === undefined ? {} : { metadata: change.metadataText }),
          updated_at: at,
          updated_by: actor,
        };
        if (!(await secretsRepo.updateHead(tx, id, secret.current_version, head))) return false;
      }
      await repo.saveSecretSettings(tx, {
        secret_id: id,
        max_versions: change.settings.maxVersions,
        cas_required: change.settings.casRequired ? 1 : 0,
        delete_version_after_ms: change.settings.deleteVersionAfterMs,
      });
      const event =
        secret === undefined
          ? auditEvent(ctx, "secret.create", { ...target(scope, key, 0), details: { fields: 0 } })
          : auditEvent(ctx, "secret.update", {
              ...target(scope, key, secret.current_version),
              details: { changed: change.changed.join(" ") },
            });
      await audit.appendInTransaction(tx, event);
      return true;
    });
  }
}

export type KvMetadataService = ReturnType<typeof createKvMetadataService>;
