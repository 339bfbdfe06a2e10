// Secrets: create, update, version, roll back, reveal and delete, with values sealed under the project's data key.
import { randomUUID, timingSafeEqual } from "node:crypto";
import type { AuditEvent, AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { Actor, RequestContext } from "../auth/permissions.ts";
import { DecryptionError, decrypt, encrypt } from "../crypto/envelope.ts";
import { SecretValue } from "../crypto/secret-value.ts";
import {
  ConflictError,
  IntegrityError,
  LimitReachedError,
  NoChangesError,
  NotFoundError,
  ValidationError,
} from "../errors.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { ProjectsService, Scope } from "../projects/projects-service.ts";
import type { Executor, SecretRow, SecretVersionRow } from "../store/database.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { Store } from "../store/store.ts";
import {
  isWellFormedKey,
  LIMITS,
  SECRET_LIMIT_SETTINGS,
  type SecretLimits,
  validateDestinations,
  validateFieldCount,
  validateFieldName,
  validateMetadata,
  validateSecretKey,
  validateText,
  validateValueSize,
} from "../validation.ts";
import type { HeadReader, OpenedFields } from "./head-cache.ts";
import { createSecretsBatch } from "./secrets-batch.ts";
import type { SecretsRepo, SecretWithVersion } from "./secrets-repo.ts";

export const DEFAULT_TYPE = "generic";
const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export type SecretMetadata = {
  key: string;
  name: string | null;
  description: string;
  type: string;
  metadata: Record<string, string>;
  fields: string[];
  allowedDestinations: string[];
  version: number;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
};

export type RevealedSecret = { key: string; version: number; data: Record<string, SecretValue> };
export type VersionInfo = { version: number; createdAt: string; createdBy: Actor; fields: string[] };

export type Descriptive = {
  description?: string;
  type?: string;
  name?: string | null;
  metadata?: Record<string, string>;
  allowedDestinations?: string[];
};
export type CreateSecretInput = Descriptive & {
  key?: string;
  value?: string;
  fields?: Record<string, string>;
};
export type UpdateSecretInput = Descriptive & { value?: string; fields?: Record<string, string | null> };
export type ListSecretsInput = { limit?: number; cursor?: string; prefix?: string; search?: string };

export type SecretsDeps = {
  store: Store;
  repo: SecretsRepo;
  /** Head rows for reveals (head-cache.ts); writers read them from the repo, in their transaction. */
  heads: HeadReader;
  projects: ProjectsService;
  keys: KeysService;
  audit: AuditService;
  limits: SecretLimits;
  now: () => string;
};

export function toSecretMetadata(row: SecretRow): SecretMetadata {
  return {
    key: row.key,
    name: row.display_name,
    description: row.description,
    type: row.type,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    fields: JSON.parse(row.fields) as string[],
    allowedDestinations: JSON.parse(row.allowed_destinations) as string[],
    version: row.current_version,
    createdAt: row.created_at,
    createdBy: JSON.parse(row.created_by) as Actor,
    updatedAt: row.updated_at,
    updatedBy: JSON.parse(row.updated_by) as Actor,
  };
}

function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { k?: unknown };
    if (typeof parsed.k === "string") return parsed.k;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    "cursor",
    "The cursor is not valid: pass the nextCursor of a previous page unchanged",
  );
}

function sameValue(a: SecretValue, b: string): boolean {
  const left = Buffer.from(a.reveal(), "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks the descriptive fields shared by create and update; returns them normalised. */
export function validateDescriptive(input: Descriptive): Descriptive {
  const out: Descriptive = {};
  if (input.description !== undefined) {
    out.description = validateText("description", "Description", input.description, LIMITS.descriptionLength);
  }
  if (input.type !== undefined) {
    const type = input.type.trim();
    out.type = validateText("type", "Type", type === "" ? DEFAULT_TYPE : type, LIMITS.typeLength);
  }
  if (input.name !== undefined) {
    const name = input.name === null ? null : input.name.trim() || null;
    out.name = name === null ? null : validateText("name", "Display name", name, LIMITS.displayNameLength);
  }
  if (input.metadata !== undefined) out.metadata = validateMetadata(input.metadata);
  if (input.allowedDestinations !== undefined) {
    out.allowedDestinations = validateDestinations(input.allowedDestinations);
  }
  return out;
}

/** A version is readable unless it was destroyed, or deleted (its deletion_time reached), through the Vault API. */
export function isReadableVersion(
  row: Pick<SecretVersionRow, "deletion_time" | "destroyed">,
  now: string,
): boolean {
  return row.destroyed === 0 && (row.deletion_time === null || row.deletion_time > now);
}

/** Seals each field under the project's active data key, bound to where it belongs (project … version, field). */
export async function sealFields(
  keys: KeysService,
  scope: Scope,
  secretId: string,
  version: number,
  fields: Map<string, string>,
): Promise<{ ciphertexts: string; keyVersion: number }> {
  const { version: keyVersion, key } = await keys.activeDataKey(
    scope.project.id,
    scope.project.active_key_version,
  );
  const ciphertexts: Record<string, string> = {};
  for (const [field, value] of fields) {
    const binding = [scope.project.id, scope.environment.id, secretId, version, field];
    ciphertexts[field] = encrypt(key, keyVersion, Buffer.from(value, "utf8"), binding).toString("base64");
  }
  return { ciphertexts: JSON.stringify(ciphertexts), keyVersion };
}

/**
 * Opens the fields of a readable version; a deleted or destroyed one is reported as not found. With `opened` (the
 * head-row cache's), fields decrypted before for the same cached row are not decrypted again.
 */
export async function openFields(
  keys: KeysService,
  scope: Scope,
  secret: Pick<SecretRow, "id" | "key">,
  row: SecretVersionRow,
  now: string,
  opened?: OpenedFields,
): Promise<Map<string, SecretValue>> {
  if (!isReadableVersion(row, now)) {
    throw new NotFoundError(
      row.destroyed === 1
        ? `Secret "${secret.key}" version ${row.version} was destroyed through the Vault API`
        : `Secret "${secret.key}" version ${row.version} was deleted through the Vault API; undelete it there or write a new value`,
    );
  }
  const kept = opened?.get(row);
  if (kept !== undefined) return valuesOf(kept);
  const key = await keys.dataKey(scope.project.id, row.key_version);
  const plaintexts = new Map<string, Buffer>();
  for (const [field, envelope] of Object.entries(JSON.parse(row.ciphertexts) as Record<string, string>)) {
    const binding = [scope.project.id, scope.environment.id, secret.id, row.version, field];
    try {
      plaintexts.set(field, decrypt(key, Buffer.from(envelope, "base64"), binding));
    } catch (error) {
      for (const bytes of plaintexts.values()) bytes.fill(0);
      if (!(error instanceof DecryptionError)) throw error;
      throw new IntegrityError(
        `Secret "${secret.key}" version ${row.version} could not be decrypted: its stored ciphertext failed the integrity check (it was altered or moved). No value was returned.`,
      );
    }
  }
  const values = valuesOf(plaintexts);
  // Plaintext bytes outlive this call only when the cache keeps them (and zeroes them when it lets them go).
  if (opened?.keep(row, plaintexts) !== true) for (const bytes of plaintexts.values()) bytes.fill(0);
  return values;
}

/** Read at once: the bytes of kept fields are zeroed when their row leaves the cache. */
function valuesOf(plaintexts: ReadonlyMap<string, Buffer>): Map<string, SecretValue> {
  const fields = new Map<string, SecretValue>();
  for (const [field, bytes] of plaintexts) fields.set(field, new SecretValue(bytes.toString("utf8")));
  return fields;
}

/**
 * The fields of an updated version that still hold a non-string JSON value written through the Vault API: those
 * kept as they were. A field given a new value through Coffer's API holds a string from then on.
 */
function keptJsonFields(
  previous: SecretVersionRow,
  next: Map<string, string>,
  changes: Record<string, string | null>,
): string | null {
  if (previous.json_fields === null) return null;
  const kept = (JSON.parse(previous.json_fields) as string[]).filter((name) => {
    const change = changes[name];
    return next.has(name) && (change === undefined || change === "");
  });
  return kept.length === 0 ? null : JSON.stringify(kept);
}

/**
 * Refuses to add `adding` secrets to an environment that would then hold more than the limit. Writers call it in
 * their transaction, before the inserts: SQLite runs one write transaction at a time, and on PostgreSQL the
 * environment's row is locked first, so concurrent creators in one environment take turns and never overshoot.
 */
export async function ensureRoomInEnvironment(
  deps: Pick<SecretsDeps, "store" | "limits"> & { repo: Pick<SecretsRepo, "countInEnvironment"> },
  db: Executor,
  scope: Scope,
  adding: number,
): Promise<void> {
  const limit = deps.limits.secretsPerEnvironment;
  const lock = deps.store.dialect === "postgres" && db.isTransaction;
  const held = await deps.repo.countInEnvironment(db, scope.environment.id, lock);
  if (held + adding <= limit) return;
  const where = `${scope.project.slug}/${scope.environment.slug}`;
  const setting = SECRET_LIMIT_SETTINGS.secretsPerEnvironment;
  const why =
    adding === 1
      ? `${where} already holds ${held} secrets`
      : `${where} holds ${held} secrets and this would add ${adding}`;
  throw new LimitReachedError(
    `${why}; the limit is ${limit} per environment (${setting}). Nothing was written: delete secrets that are no longer needed, or ask the operator to raise ${setting}`,
    { limit, setting, held, adding },
  );
}

export function fieldsOfCreate(input: CreateSecretInput, limits: SecretLimits): Map<string, string> {
  if (input.value !== undefined && input.fields !== undefined) {
    throw new ValidationError("value", 'Give either "value" or "fields", not both');
  }
  const entries = input.fields !== undefined ? Object.entries(input.fields) : [["value", input.value ?? ""]];
  const fields = new Map<string, string>();
  for (const [name, value] of entries as [string, string][]) {
    validateFieldName(name);
    if (value === "") {
      throw new ValidationError(input.fields === undefined ? "value" : "fields", "Secret value is required", {
        ...(input.fields === undefined ? {} : { fieldName: name }),
      });
    }
    validateValueSize(name, value, limits);
    fields.set(name, value);
  }
  validateFieldCount(fields.size, limits);
  return fields;
}

export function createSecretsService(deps: SecretsDeps) {
  const { store, repo, heads, projects, keys, audit, limits, now } = deps;
  const target = (scope: Scope, key: string, version: number) => ({
    project: scope.project.slug,
    environment: scope.environment.slug,
    key,
    version,
  });

  const seal = (scope: Scope, secretId: string, version: number, fields: Map<string, string>) =>
    sealFields(keys, scope, secretId, version, fields);
  const open = (scope: Scope, secret: SecretRow, row: SecretVersionRow) =>
    openFields(keys, scope, secret, row, now(), heads.opened);

  function reveal(secret: SecretRow, version: number, fields: Map<string, SecretValue>): RevealedSecret {
    return { key: secret.key, version, data: Object.fromEntries(fields) };
  }

  async function findSecret(scope: Scope, key: string): Promise<SecretRow> {
    const secret = await repo.findByKey(store.db, scope.environment.id, key);
    if (secret === undefined) throw notFound(scope, key);
    return secret;
  }

  function notFound(scope: Scope, key: string): NotFoundError {
    const where = `${scope.project.slug}/${scope.environment.slug}`;
    // A malformed key is not repeated: it may be a value pasted where the key goes.
    return new NotFoundError(
      isWellFormedKey(key)
        ? `Secret "${key}" not found in ${where}`
        : `Secret not found in ${where}: the key given is not a valid secret key`,
    );
  }

  /** Writes a new version and moves the head to it, failing if another writer got there first. */
  async function writeVersion(
    scope: Scope,
    secret: SecretRow,
    fields: Map<string, string>,
    actor: string,
    extra: Partial<SecretRow>,
    event: (version: number) => AuditEvent,
    jsonFields: string | null = null,
  ): Promise<SecretRow> {
    const version = secret.current_version + 1;
    const at = now();
    const sealed = await seal(scope, secret.id, version, fields);
    const changes: Partial<SecretRow> = {
      ...extra,
      fields: JSON.stringify([...fields.keys()]),
      current_version: version,
      updated_at: at,
      updated_by: actor,
    };
    const moved = await store.transaction(async (tx) => {
      if (!(await repo.updateHead(tx, secret.id, secret.current_version, changes))) return false;
      await repo.insertVersion(tx, {
        secret_id: secret.id,
        version,
        ciphertexts: sealed.ciphertexts,
        key_version: sealed.keyVersion,
        created_at: at,
        created_by: actor,
        json_fields: jsonFields,
      });
      await audit.appendInTransaction(tx, event(version));
      return true;
    });
    if (!moved)
      throw new ConflictError(
        `Secret "${secret.key}" was changed by someone else meanwhile; fetch it and retry`,
      );
    return { ...secret, ...changes };
  }

  return {
    batch: createSecretsBatch(deps),

    async list(ctx: RequestContext, projectSlug: string, envSlug: string, input: ListSecretsInput) {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:list");
      const limit = input.limit ?? DEFAULT_PAGE;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        throw new ValidationError("limit", `limit must be a whole number from 1 to ${MAX_PAGE}`);
      }
      const rows = await repo.list(store.db, scope.environment.id, {
        limit: limit + 1,
        ...(input.cursor === undefined ? {} : { after: decodeCursor(input.cursor) }),
        ...(input.prefix === undefined || input.prefix === "" ? {} : { prefix: input.prefix }),
        ...(input.search === undefined ? {} : { search: input.search }),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        secrets: page.map(toSecretMetadata),
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.key) : null,
      };
    },

    async create(ctx: RequestContext, projectSlug: string, envSlug: string, input: CreateSecretInput) {
      const key = validateSecretKey(input.key);
      const fields = fieldsOfCreate(input, limits);
      const descriptive = validateDescriptive(input);
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:create");
      const conflict = () =>
        new ConflictError(`A secret with key "${key}" already exists in ${projectSlug}/${envSlug}`, {
          field: "key",
        });
      if (await repo.findByKey(store.db, scope.environment.id, key)) throw conflict();
      const id = randomUUID();
      const at = now();
      const actor = JSON.stringify(ctx.principal.actor);
      const sealed = await seal(scope, id, 1, fields);
      const row: SecretRow = {
        id,
        environment_id: scope.environment.id,
        key,
        display_name: descriptive.name ?? null,
        description: descriptive.description ?? "",
        type: descriptive.type ?? DEFAULT_TYPE,
        metadata: JSON.stringify(descriptive.metadata ?? {}),
        allowed_destinations: JSON.stringify(descriptive.allowedDestinations ?? []),
        fields: JSON.stringify([...fields.keys()]),
        current_version: 1,
        created_at: at,
        created_by: actor,
        updated_at: at,
        updated_by: actor,
      };
      try {
        await store.transaction(async (tx) => {
          await ensureRoomInEnvironment(deps, tx, scope, 1);
          await repo.insertSecret(tx, row);
          await repo.insertVersion(tx, {
            secret_id: id,
            version: 1,
            ciphertexts: sealed.ciphertexts,
            key_version: sealed.keyVersion,
            created_at: at,
            created_by: actor,
          });
          await audit.appendInTransaction(
            tx,
            auditEvent(ctx, "secret.create", { ...target(scope, key, 1), details: { fields: fields.size } }),
          );
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict();
        throw error;
      }
      return toSecretMetadata(row);
    },

    async describe(ctx: RequestContext, projectSlug: string, envSlug: string, key: string) {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:list");
      return toSecretMetadata(await findSecret(scope, key));
    },

    async update(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      key: string,
      input: UpdateSecretInput,
    ) {
      if (input.value !== undefined && input.fields !== undefined) {
        throw new ValidationError("value", 'Give either "value" or "fields", not both');
      }
      const descriptive = validateDescriptive(input);
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:update");
      const current = await repo.findCurrent(store.db, scope.environment.id, key);
      // A key created through the Vault API's metadata route has no version yet: it is updated like any other,
      // and the value it is given becomes version 1.
      const secret = current?.secret ?? (await findSecret(scope, key));
      const currentVersion = current?.version;

      const extra: Partial<SecretRow> = {};
      if (descriptive.description !== undefined && descriptive.description !== secret.description) {
        extra.description = descriptive.description;
      }
      if (descriptive.type !== undefined && descriptive.type !== secret.type) extra.type = descriptive.type;
      if (descriptive.name !== undefined && descriptive.name !== secret.display_name) {
        extra.display_name = descriptive.name;
      }
      if (descriptive.metadata !== undefined && JSON.stringify(descriptive.metadata) !== secret.metadata) {
        extra.metadata = JSON.stringify(descriptive.metadata);
      }
      if (
        descriptive.allowedDestinations !== undefined &&
        JSON.stringify(descriptive.allowedDestinations) !== secret.allowed_destinations
      ) {
        extra.allowed_destinations = JSON.stringify(descriptive.allowedDestinations);
      }

      const changes: Record<string, string | null> =
        input.fields ?? (input.value === undefined || input.value === "" ? {} : { value: input.value });
      let valueChanged = false;
      let next: Map<string, string> | undefined;
      if (Object.keys(changes).length > 0) {
        // On top of a version deleted through the Vault API, the new value starts afresh (as a Vault write would).
        const existing =
          currentVersion !== undefined && isReadableVersion(currentVersion, now())
            ? await open(scope, secret, currentVersion)
            : new Map<string, SecretValue>();
        next = new Map([...existing].map(([name, value]) => [name, value.reveal()]));
        for (const [name, value] of Object.entries(changes)) {
          validateFieldName(name);
          if (value === null) {
            if (!next.has(name))
              throw new ValidationError("fields", `Secret "${key}" has no field "${name}" to remove`);
            next.delete(name);
            valueChanged = true;
          } else if (value !== "") {
            validateValueSize(name, value, limits);
            const old = existing.get(name);
            if (old === undefined || !sameValue(old, value)) valueChanged = true;
            next.set(name, value);
          }
        }
        if (next.size === 0) {
          throw new ValidationError("fields", "A secret needs at least one field; delete the secret instead");
        }
        validateFieldCount(next.size, limits);
      }

      if (!valueChanged && Object.keys(extra).length === 0) throw new NoChangesError();
      const actor = JSON.stringify(ctx.principal.actor);
      if (valueChanged && next !== undefined) {
        const changed = [...Object.keys(extra), "value"].join(" ");
        const event = (version: number) =>
          auditEvent(ctx, "secret.update", { ...target(scope, key, version), details: { changed } });
        const jsonFields =
          currentVersion === undefined ? null : keptJsonFields(currentVersion, next, changes);
        return toSecretMetadata(await writeVersion(scope, secret, next, actor, extra, event, jsonFields));
      }
      const headChanges = { ...extra, updated_at: now(), updated_by: actor };
      const moved = await store.transaction(async (tx) => {
        if (!(await repo.updateHead(tx, secret.id, secret.current_version, headChanges))) return false;
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "secret.update", {
            ...target(scope, key, secret.current_version),
            details: { changed: Object.keys(extra).join(" ") },
          }),
        );
        return true;
      });
      if (!moved)
        throw new ConflictError(`Secret "${key}" was changed by someone else meanwhile; fetch it and retry`);
      return toSecretMetadata({ ...secret, ...headChanges });
    },

    async remove(ctx: RequestContext, projectSlug: string, envSlug: string, key: string): Promise<void> {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:delete");
      const secret = await findSecret(scope, key);
      await store.transaction(async (tx) => {
        await repo.delete(tx, secret.id);
        await audit.appendInTransaction(
          tx,
          auditEvent(ctx, "secret.delete", target(scope, key, secret.current_version)),
        );
      });
    },

    async reveal(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      key: string,
    ): Promise<RevealedSecret> {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:reveal");
      const current = await heads.findCurrent(scope.environment.id, key);
      if (current === undefined) throw notFound(scope, key);
      const fields = await open(scope, current.secret, current.version);
      // The value leaves only once its reveal event is durable (group commit).
      await audit.record(auditEvent(ctx, "secret.reveal", target(scope, key, current.version.version)));
      return reveal(current.secret, current.version.version, fields);
    },

    async revealVersion(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      key: string,
      version: number,
    ) {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:reveal");
      const secret = await findSecret(scope, key);
      const row = await repo.findVersion(store.db, secret.id, version);
      if (row === undefined) throw new NotFoundError(`Secret "${key}" has no version ${version}`);
      const fields = await open(scope, secret, row);
      await audit.record(auditEvent(ctx, "secret.reveal", target(scope, key, version)));
      return reveal(secret, version, fields);
    },

    async revealMany(ctx: RequestContext, projectSlug: string, envSlug: string, keys?: string[]) {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:reveal");
      const wanted = keys === undefined ? undefined : [...new Set(keys)];
      const at = now();
      // Secrets whose current version was deleted through the Vault API have no value to give.
      const rows: SecretWithVersion[] = (
        wanted === undefined
          ? await repo.listCurrent(store.db, scope.environment.id)
          : await heads.listCurrent(scope.environment.id, wanted)
      ).filter((row) => isReadableVersion(row.version, at));
      if (wanted !== undefined && rows.length !== wanted.length) {
        const found = new Set(rows.map((row) => row.secret.key));
        const missing = wanted.filter((name) => !found.has(name));
        throw new NotFoundError(
          `Secret${missing.length === 1 ? "" : "s"} ${missing.map((name) => `"${name}"`).join(", ")} not found in ${projectSlug}/${envSlug}`,
        );
      }
      const out: RevealedSecret[] = [];
      for (const row of rows) {
        out.push(reveal(row.secret, row.version.version, await open(scope, row.secret, row.version)));
      }
      await Promise.all(
        rows.map((row) =>
          audit.record(
            auditEvent(ctx, "secret.reveal_bulk", target(scope, row.secret.key, row.version.version)),
          ),
        ),
      );
      return out;
    },

    async versions(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      key: string,
    ): Promise<VersionInfo[]> {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:list");
      const secret = await findSecret(scope, key);
      const rows = await repo.listVersions(store.db, secret.id);
      return rows.map((row) => ({
        version: row.version,
        createdAt: row.created_at,
        createdBy: JSON.parse(row.created_by) as Actor,
        fields: Object.keys(JSON.parse(row.ciphertexts) as Record<string, string>),
      }));
    },

    async rollback(ctx: RequestContext, projectSlug: string, envSlug: string, key: string, version: number) {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:update");
      const secret = await findSecret(scope, key);
      if (version === secret.current_version) {
        throw new NoChangesError(`Version ${version} is already the current version of "${key}"`);
      }
      const row = await repo.findVersion(store.db, secret.id, version);
      if (row === undefined) throw new NotFoundError(`Secret "${key}" has no version ${version}`);
      const old = await open(scope, secret, row);
      const fields = new Map([...old].map(([name, value]) => [name, value.reveal()]));
      const event = (next: number) =>
        auditEvent(ctx, "secret.rollback", { ...target(scope, key, next), details: { from: version } });
      return toSecretMetadata(
        await writeVersion(
          scope,
          secret,
          fields,
          JSON.stringify(ctx.principal.actor),
          {},
          event,
          row.json_fields,
        ),
      );
    },
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
