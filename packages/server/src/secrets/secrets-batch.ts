// Batch import: many secrets validated together, then written all-or-nothing in one transaction with their audit events.
import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { RequestContext } from "../auth/permissions.ts";
import { ConflictError, TooLargeError, ValidationError } from "../errors.ts";
import type { Scope } from "../projects/projects-service.ts";
import type { NewSecretVersionRow, SecretRow } from "../store/database.ts";
import { isUniqueViolation } from "../store/errors.ts";
import { LIMITS, type SecretLimits, validateSecretKey } from "../validation.ts";
import {
  type CreateSecretInput,
  DEFAULT_TYPE,
  type Descriptive,
  ensureRoomInEnvironment,
  fieldsOfCreate,
  type SecretsDeps,
  sealFields,
  validateDescriptive,
} from "./secrets-service.ts";

/** Items per request: with values up to 64 KiB the body limit binds first; this bounds the transaction. */
export const MAX_BATCH_ITEMS = 10_000;

export type OnConflict = "skip" | "overwrite" | "fail";
export type BatchItem = Pick<CreateSecretInput, "value" | "fields" | "description" | "type" | "metadata"> & {
  key: string;
};
export type BatchInput = { secrets: BatchItem[]; onConflict: OnConflict; dryRun?: boolean };
export type BatchResult = { created: string[]; updated: string[]; skipped: string[] };

type PreparedItem = { key: string; fields: Map<string, string>; descriptive: Descriptive };
type Plan = { create: PreparedItem[]; update: [PreparedItem, SecretRow][]; skip: PreparedItem[] };

/** Keys named in a conflict message; the error's details list them all. */
const KEYS_IN_MESSAGE = 10;

/** Validates every item before anything is read or written; an error names the item's index and key. */
function prepareItems(items: BatchItem[], limits: SecretLimits): PreparedItem[] {
  if (items.length > MAX_BATCH_ITEMS) {
    throw new ValidationError("secrets", `At most ${MAX_BATCH_ITEMS} secrets per batch; send them in chunks`);
  }
  const indexOfKey = new Map<string, number>();
  return items.map((item, index) => {
    try {
      const key = validateSecretKey(item.key);
      const earlier = indexOfKey.get(key);
      if (earlier !== undefined) {
        throw new ValidationError("key", `Secret key "${key}" is also item ${earlier} of the batch`);
      }
      indexOfKey.set(key, index);
      return { key, fields: fieldsOfCreate(item, limits), descriptive: validateDescriptive(item) };
    } catch (error) {
      // A key too long to be one is not repeated: it may be a pasted value.
      const key = String(item.key);
      const shown = key.length <= LIMITS.keyLength ? { key } : {};
      const message = `secrets[${index}]${"key" in shown ? ` (key "${key}")` : ""}: ${(error as Error).message}`;
      if (error instanceof TooLargeError) {
        throw new TooLargeError(message, { ...error.details, index, ...shown });
      }
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(error.field, message, { ...error.details, index, ...shown });
    }
  });
}

function planBatch(items: PreparedItem[], existing: Map<string, SecretRow>, onConflict: OnConflict): Plan {
  const plan: Plan = { create: [], update: [], skip: [] };
  for (const item of items) {
    const secret = existing.get(item.key);
    if (secret === undefined) plan.create.push(item);
    else if (onConflict === "overwrite") plan.update.push([item, secret]);
    else plan.skip.push(item);
  }
  return plan;
}

function conflictError(scope: Scope, keys: string[]): ConflictError {
  const named = keys
    .slice(0, KEYS_IN_MESSAGE)
    .map((key) => `"${key}"`)
    .join(", ");
  const more = keys.length > KEYS_IN_MESSAGE ? ` and ${keys.length - KEYS_IN_MESSAGE} more` : "";
  const where = `${scope.project.slug}/${scope.environment.slug}`;
  return new ConflictError(
    `${keys.length} secret${keys.length === 1 ? "" : "s"} already exist${keys.length === 1 ? "s" : ""} in ${where}: ${named}${more}. Nothing was written; choose onConflict "skip" or "overwrite"`,
    { keys },
  );
}

export function createSecretsBatch(deps: SecretsDeps) {
  const { store, repo, projects, keys, audit, limits, now } = deps;
  const target = (scope: Scope, key: string, version: number) => ({
    project: scope.project.slug,
    environment: scope.environment.slug,
    key,
    version,
  });

  /** The rows and events of a plan; values are sealed here, before the transaction opens. */
  async function buildWrites(ctx: RequestContext, scope: Scope, plan: Plan) {
    const at = now();
    const actor = JSON.stringify(ctx.principal.actor);
    const secrets: SecretRow[] = [];
    const heads: { id: string; from: number; changes: Partial<SecretRow> }[] = [];
    const versions: NewSecretVersionRow[] = [];
    const events: AuditEvent[] = [];
    const addVersion = async (secretId: string, version: number, fields: Map<string, string>) => {
      const sealed = await sealFields(keys, scope, secretId, version, fields);
      versions.push({
        secret_id: secretId,
        version,
        ciphertexts: sealed.ciphertexts,
        key_version: sealed.keyVersion,
        created_at: at,
        created_by: actor,
        json_fields: null,
      });
    };
    for (const { key, fields, descriptive } of plan.create) {
      const id = randomUUID();
      secrets.push({
        id,
        environment_id: scope.environment.id,
        key,
        display_name: null,
        description: descriptive.description ?? "",
        type: descriptive.type ?? DEFAULT_TYPE,
        metadata: JSON.stringify(descriptive.metadata ?? {}),
        allowed_destinations: "[]",
        fields: JSON.stringify([...fields.keys()]),
        current_version: 1,
        created_at: at,
        created_by: actor,
        updated_at: at,
        updated_by: actor,
      });
      await addVersion(id, 1, fields);
      const details = { fields: fields.size, import: true };
      events.push(auditEvent(ctx, "secret.create", { ...target(scope, key, 1), details }));
    }
    for (const [{ key, fields, descriptive }, secret] of plan.update) {
      const version = secret.current_version + 1;
      const changes: Partial<SecretRow> = {
        fields: JSON.stringify([...fields.keys()]),
        current_version: version,
        updated_at: at,
        updated_by: actor,
      };
      if (descriptive.description !== undefined) changes.description = descriptive.description;
      if (descriptive.type !== undefined) changes.type = descriptive.type;
      if (descriptive.metadata !== undefined) changes.metadata = JSON.stringify(descriptive.metadata);
      heads.push({ id: secret.id, from: secret.current_version, changes });
      await addVersion(secret.id, version, fields);
      const details = { changed: "value", import: true };
      events.push(auditEvent(ctx, "secret.update", { ...target(scope, key, version), details }));
    }
    return { secrets, heads, versions, events };
  }

  /**
   * Creates (and with onConflict "overwrite", replaces the value of) many secrets at once. Nothing is written
   * unless everything is: an invalid item, a conflict under "fail", or a concurrent writer aborts the whole batch.
   */
  return async function importBatch(
    ctx: RequestContext,
    projectSlug: string,
    envSlug: string,
    input: BatchInput,
  ): Promise<BatchResult> {
    const items = prepareItems(input.secrets, limits);
    const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:create");
    if (input.onConflict === "overwrite") {
      projects.requirePermission(ctx.principal, "secrets:update", scope.project);
    }
    const existing = await repo.findByKeys(
      store.db,
      scope.environment.id,
      items.map((item) => item.key),
    );
    const plan = planBatch(items, existing, input.onConflict);
    if (input.onConflict === "fail" && plan.skip.length > 0) {
      throw conflictError(
        scope,
        plan.skip.map((item) => item.key),
      );
    }
    const result: BatchResult = {
      created: plan.create.map((item) => item.key),
      updated: plan.update.map(([item]) => item.key),
      skipped: plan.skip.map((item) => item.key),
    };
    // Checked here too, so that a dry run reports it; the check that counts is the one in the transaction.
    if (plan.create.length > 0) await ensureRoomInEnvironment(deps, store.db, scope, plan.create.length);
    if (input.dryRun === true || plan.create.length + plan.update.length === 0) return result;

    const writes = await buildWrites(ctx, scope, plan);
    const movedOn = () =>
      new ConflictError(
        "Some of these secrets were created or changed by someone else meanwhile; nothing was written, retry",
      );
    try {
      await store.transaction(async (tx) => {
        if (writes.secrets.length > 0) await ensureRoomInEnvironment(deps, tx, scope, writes.secrets.length);
        await repo.insertSecrets(tx, writes.secrets);
        for (const head of writes.heads) {
          if (!(await repo.updateHead(tx, head.id, head.from, head.changes))) throw movedOn();
        }
        await repo.insertVersions(tx, writes.versions);
        await audit.appendManyInTransaction(tx, writes.events);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw movedOn();
      throw error;
    }
    return result;
  };
}
