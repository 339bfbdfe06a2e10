// KV v2 data and versions over Coffer's secrets: read (any version), write with check-and-set, merge patch, and the
// soft delete, undelete and destroy of versions. Values are sealed and opened by the secrets service's own code.
import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { Permission, RequestContext } from "../auth/permissions.ts";
import type { SecretValue } from "../crypto/secret-value.ts";
import { ConflictError } from "../errors.ts";
import type { Scope } from "../projects/projects-service.ts";
import {
  ensureRoomInEnvironment,
  isReadableVersion,
  openFields,
  sealFields,
} from "../secrets/secrets-service.ts";
import type { SecretRow, Tx } from "../store/database.ts";
import { isUniqueViolation } from "../store/errors.ts";
import { validateSecretKey } from "../validation.ts";
import {
  CAS_MISMATCH,
  type CustomMetadata,
  checkCas,
  createKvLookups,
  customMetadataOf,
  type EncodedData,
  effectiveMaxVersions,
  encodeData,
  isDeleted,
  jsonFieldsOf,
  type KvDeps,
  type Mount,
  scheduledDeletion,
  toState,
  type VersionState,
  type WrittenVersion,
} from "./kv-common.ts";
import { applyMergePatch } from "./merge-patch.ts";
import { badRequest } from "./vault-wire.ts";

export type DataRead =
  | { kind: "missing" }
  | { kind: "unreadable"; version: VersionState; customMetadata: CustomMetadata }
  | {
      kind: "found";
      version: VersionState;
      customMetadata: CustomMetadata;
      fields: Map<string, SecretValue>;
      /** Fields holding the JSON text of a non-string value. */
      jsonFields: ReadonlySet<string>;
    };

export type PatchResult = { kind: "missing" } | ({ kind: "unreadable" | "written" } & WrittenVersion);
export type DataInput = { data: Record<string, unknown>; cas: number | undefined };

const MAX_WRITE_ATTEMPTS = 5;
const CONFLICT = Symbol("conflict");

/** A version change: returns whether it changed anything (only those are audited). */
type VersionChange = (
  tx: Tx,
  secret: SecretRow,
  state: VersionState,
  at: string,
  rescheduled: () => string | null,
) => Promise<boolean>;

export function createKvDataService(deps: KvDeps) {
  const { store, projects, keys, audit, secretsRepo, repo, limits, now } = deps;
  const { scopeFor, scopeForWrite, keySettings, mountSettings, target } = createKvLookups(deps);

  /** Retries a write that lost a race, unless the caller pinned the version with check-and-set. */
  async function retrying<T>(cas: number | undefined, key: string, work: () => Promise<T | typeof CONFLICT>) {
    for (let attempt = 1; ; attempt++) {
      const result = await work();
      if (result !== CONFLICT) return result;
      if (cas !== undefined) throw badRequest(CAS_MISMATCH);
      if (attempt === MAX_WRITE_ATTEMPTS) {
        throw new ConflictError(`Secret "${key}" is being changed by others right now; retry`);
      }
    }
  }

  function newSecretRow(scope: Scope, id: string, key: string, fields: string, at: string, actor: string) {
    return {
      id,
      environment_id: scope.environment.id,
      key,
      display_name: null,
      description: "",
      type: "generic",
      metadata: "{}",
      allowed_destinations: "[]",
      fields,
      current_version: 1,
      created_at: at,
      created_by: actor,
      updated_at: at,
      updated_by: actor,
    };
  }

  /** Writes the next version of `secret` (or creates the secret), prunes, and audits, in one transaction. */
  async function commitVersion(
    ctx: RequestContext,
    scope: Scope,
    key: string,
    secret: SecretRow | undefined,
    data: EncodedData,
    event: (version: number) => AuditEvent,
  ): Promise<WrittenVersion | typeof CONFLICT> {
    const [settings, mount] = [await keySettings(secret), await mountSettings(scope)];
    const id = secret?.id ?? randomUUID();
    const version = (secret?.current_version ?? 0) + 1;
    const at = now();
    const actor = JSON.stringify(ctx.principal.actor);
    const deletionTime = scheduledDeletion(at, settings, mount);
    const maxVersions = effectiveMaxVersions(settings, mount);
    const sealed = await sealFields(keys, scope, id, version, data.values);
    const fields = JSON.stringify([...data.values.keys()]);
    try {
      const written = await store.transaction(async (tx) => {
        if (secret === undefined) {
          await ensureRoomInEnvironment({ store, limits, repo: secretsRepo }, tx, scope, 1);
          await secretsRepo.insertSecret(tx, newSecretRow(scope, id, key, fields, at, actor));
        } else {
          const head = { fields, current_version: version, updated_at: at, updated_by: actor };
          if (!(await secretsRepo.updateHead(tx, id, secret.current_version, head))) return false;
        }
        await secretsRepo.insertVersion(tx, {
          secret_id: id,
          version,
          ciphertexts: sealed.ciphertexts,
          key_version: sealed.keyVersion,
          created_at: at,
          created_by: actor,
          deletion_time: deletionTime,
          json_fields: data.jsonFields,
        });
        if (maxVersions > 0 && version > maxVersions) await repo.pruneVersions(tx, id, version - maxVersions);
        await audit.appendInTransaction(tx, event(version));
        return true;
      });
      if (!written) return CONFLICT;
    } catch (error) {
      if (secret === undefined && isUniqueViolation(error)) return CONFLICT;
      throw error;
    }
    return {
      version: { version, createdAt: at, deletionTime, destroyed: false },
      customMetadata: secret === undefined ? null : customMetadataOf(secret),
    };
  }

  /** The same events as Coffer's own create and update. */
  function writeEvent(ctx: RequestContext, scope: Scope, key: string, created: boolean, fieldCount: number) {
    return (version: number) =>
      created
        ? auditEvent(ctx, "secret.create", {
            ...target(scope, key, version),
            details: { fields: fieldCount },
          })
        : auditEvent(ctx, "secret.update", { ...target(scope, key, version), details: { changed: "value" } });
  }

  /** Applies a change to the listed versions of a key, with one audit event naming those that changed. */
  async function changeVersions(
    ctx: RequestContext,
    mount: Mount,
    key: string,
    versions: number[],
    how: { permission: Permission; action: string },
    change: VersionChange,
  ): Promise<void> {
    const scope = await scopeFor(ctx.principal, mount, how.permission);
    const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
    if (secret === undefined) return;
    const [settings, mountConfig] = [await keySettings(secret), await mountSettings(scope)];
    const at = now();
    const wanted = new Set(versions);
    const rescheduled = () => scheduledDeletion(at, settings, mountConfig);
    await store.transaction(async (tx) => {
      const changed: number[] = [];
      for (const row of await repo.versionStates(tx, secret.id)) {
        if (wanted.has(row.version) && (await change(tx, secret, toState(row), at, rescheduled))) {
          changed.push(row.version);
        }
      }
      if (changed.length === 0) return;
      await audit.appendInTransaction(
        tx,
        auditEvent(ctx, how.action, { ...target(scope, key), details: { versions: changed.join(" ") } }),
      );
    });
  }

  const deleteVersions = (ctx: RequestContext, mount: Mount, key: string, versions: number[]) =>
    changeVersions(
      ctx,
      mount,
      key,
      versions,
      { permission: "secrets:delete", action: "secret.version_delete" },
      async (tx, secret, state, at) => {
        if (state.destroyed || isDeleted(state, at)) return false;
        await repo.setDeletionTime(tx, secret.id, state.version, at);
        return true;
      },
    );

  return {
    async readData(ctx: RequestContext, mount: Mount, key: string, version: number): Promise<DataRead> {
      const scope = await scopeFor(ctx.principal, mount, "secrets:reveal");
      const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
      if (secret === undefined) return { kind: "missing" };
      const wanted = version === 0 ? secret.current_version : version;
      const row = await secretsRepo.findVersion(store.db, secret.id, wanted);
      if (row === undefined) return { kind: "missing" };
      const customMetadata = customMetadataOf(secret);
      const at = now();
      if (!isReadableVersion(row, at)) return { kind: "unreadable", version: toState(row), customMetadata };
      const fields = await openFields(keys, scope, secret, row, at);
      // The value leaves only once its reveal event is durable, as with Coffer's own reveal.
      await audit.record(auditEvent(ctx, "secret.reveal", target(scope, key, row.version)));
      return { kind: "found", version: toState(row), customMetadata, fields, jsonFields: jsonFieldsOf(row) };
    },

    async writeData(
      ctx: RequestContext,
      mount: Mount,
      key: string,
      input: DataInput,
    ): Promise<WrittenVersion> {
      const scope = await scopeForWrite(ctx.principal, mount);
      validateSecretKey(key);
      const data = encodeData(input.data, limits);
      return retrying(input.cas, key, async () => {
        const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
        projects.requirePermission(
          ctx.principal,
          secret ? "secrets:update" : "secrets:create",
          scope.project,
        );
        checkCas(
          input.cas,
          secret?.current_version ?? 0,
          await keySettings(secret),
          await mountSettings(scope),
        );
        const event = writeEvent(ctx, scope, key, secret === undefined, data.values.size);
        return commitVersion(ctx, scope, key, secret, data, event);
      });
    },

    /** RFC 7396 merge patch of the current version's data, written as a new version. */
    async patchData(ctx: RequestContext, mount: Mount, key: string, input: DataInput): Promise<PatchResult> {
      const scope = await scopeFor(ctx.principal, mount, "secrets:update");
      return retrying(input.cas, key, async (): Promise<PatchResult | typeof CONFLICT> => {
        const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
        if (secret === undefined || secret.current_version === 0) return { kind: "missing" };
        const row = await secretsRepo.findVersion(store.db, secret.id, secret.current_version);
        if (row === undefined) return { kind: "missing" };
        const at = now();
        if (!isReadableVersion(row, at)) {
          return { kind: "unreadable", version: toState(row), customMetadata: customMetadataOf(secret) };
        }
        checkCas(input.cas, secret.current_version, await keySettings(secret), await mountSettings(scope));
        const jsonFields = jsonFieldsOf(row);
        const current: Record<string, unknown> = {};
        for (const [name, value] of await openFields(keys, scope, secret, row, at)) {
          current[name] = jsonFields.has(name) ? JSON.parse(value.reveal()) : value.reveal();
        }
        const data = encodeData(applyMergePatch(current, input.data) as Record<string, unknown>, limits);
        const written = await commitVersion(
          ctx,
          scope,
          key,
          secret,
          data,
          writeEvent(ctx, scope, key, false, 0),
        );
        return written === CONFLICT ? CONFLICT : { kind: "written", ...written };
      });
    },

    /** Soft-deletes the current version (a no-op when there is none, or it is already deleted). */
    async deleteLatest(ctx: RequestContext, mount: Mount, key: string): Promise<void> {
      const scope = await scopeFor(ctx.principal, mount, "secrets:delete");
      const secret = await secretsRepo.findByKey(store.db, scope.environment.id, key);
      if (secret === undefined || secret.current_version === 0) return;
      await deleteVersions(ctx, mount, key, [secret.current_version]);
    },

    deleteVersions,

    /** Makes soft-deleted versions readable again (delete_version_after starts over). */
    undeleteVersions: (ctx: RequestContext, mount: Mount, key: string, versions: number[]) =>
      changeVersions(
        ctx,
        mount,
        key,
        versions,
        { permission: "secrets:update", action: "secret.version_undelete" },
        async (tx, secret, state, _at, rescheduled) => {
          if (state.destroyed) return false;
          const deletionTime = rescheduled();
          if (deletionTime === state.deletionTime) return false;
          await repo.setDeletionTime(tx, secret.id, state.version, deletionTime);
          return true;
        },
      ),

    /** Destroys versions for good: their ciphertexts are removed from the database. */
    destroyVersions: (ctx: RequestContext, mount: Mount, key: string, versions: number[]) =>
      changeVersions(
        ctx,
        mount,
        key,
        versions,
        { permission: "secrets:delete", action: "secret.version_destroy" },
        async (tx, secret, state) => {
          if (state.destroyed) return false;
          await repo.destroyVersion(tx, secret.id, state.version);
          return true;
        },
      ),
  };
}

export type KvDataService = ReturnType<typeof createKvDataService>;
