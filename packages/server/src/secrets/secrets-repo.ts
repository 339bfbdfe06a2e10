// SQL for secrets and their versions.
import { type CompiledQuery, sql } from "kysely";
import type { Executor, NewSecretVersionRow, SecretRow, SecretVersionRow } from "../store/database.ts";

/**
 * Multi-row inserts go in chunks of these sizes only, so that a batch of any length compiles to a handful of
 * distinct statements that the prepared-statement cache keeps (128 rows × 13 columns stays under every
 * dialect's parameter limit).
 */
const INSERT_CHUNKS = [128, 32, 8, 1];
/** Keys per `in (…)` lookup: well under SQLite's and PostgreSQL's parameter limits. */
const LOOKUP_CHUNK = 500;

async function insertInChunks<Row>(rows: Row[], insert: (chunk: Row[]) => Promise<unknown>): Promise<void> {
  let start = 0;
  while (start < rows.length) {
    const size = INSERT_CHUNKS.find((chunk) => chunk <= rows.length - start) ?? 1;
    await insert(rows.slice(start, start + size));
    start += size;
  }
}

export type ListFilter = { limit: number; after?: string; prefix?: string; search?: string };
export type SecretWithVersion = { secret: SecretRow; version: SecretVersionRow };

/** Escapes LIKE wildcards so user input matches literally (with `escape '\'`). */
function likePattern(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("%", "\\%").replaceAll("_", "\\_");
}

/** The query behind findCurrent; its two parameters are the environment id and the key, in that order. */
/** Each secret of an environment with its current version, in one query. */
function joinedCurrent(db: Executor, environmentId: string) {
  return db
    .selectFrom("secrets as s")
    .innerJoin("secret_versions as v", (join) =>
      join.onRef("v.secret_id", "=", "s.id").onRef("v.version", "=", "s.current_version"),
    )
    .selectAll("s")
    .select([
      "v.ciphertexts",
      "v.key_version",
      "v.created_at as v_created_at",
      "v.created_by as v_created_by",
      "v.deletion_time",
      "v.destroyed",
      "v.json_fields",
    ])
    .where("s.environment_id", "=", environmentId);
}

function currentByKey(db: Executor, environmentId: string, key: string) {
  return joinedCurrent(db, environmentId).where("s.key", "=", key);
}

/** Version numbers are 32-bit integers on both databases (PostgreSQL's `integer`). */
const MAX_STORED_VERSION = 2 ** 31 - 1;

/** Lists of up to this many keys (what templates and proxies name) run a query compiled once per length. */
const COMPILED_KEY_LISTS = 16;

export function createSecretsRepo() {
  let currentQuery: CompiledQuery | undefined;
  const currentOfKeys = new Map<number, CompiledQuery>();
  return {
    async list(db: Executor, environmentId: string, filter: ListFilter): Promise<SecretRow[]> {
      let query = db.selectFrom("secrets").selectAll().where("environment_id", "=", environmentId);
      if (filter.prefix !== undefined) {
        // Whole segments, case-sensitive: `payments` matches `payments` and `payments/db`, not `paymentsX`.
        const prefix = filter.prefix.endsWith("/") ? filter.prefix.slice(0, -1) : filter.prefix;
        const withSlash = `${prefix}/`;
        query = query.where((eb) =>
          eb.or([
            eb("key", "=", prefix),
            eb(sql<string>`substr(${sql.ref("key")}, 1, ${withSlash.length})`, "=", withSlash),
          ]),
        );
      }
      if (filter.search !== undefined && filter.search !== "") {
        const pattern = `%${likePattern(filter.search.toLowerCase())}%`;
        query = query.where(
          sql<boolean>`(lower(${sql.ref("key")}) like ${pattern} escape '\\' or lower(${sql.ref("description")}) like ${pattern} escape '\\')`,
        );
      }
      if (filter.after !== undefined) query = query.where("key", ">", filter.after);
      return query.orderBy("key").limit(filter.limit).execute();
    },

    findByKey: (db: Executor, environmentId: string, key: string): Promise<SecretRow | undefined> =>
      db
        .selectFrom("secrets")
        .selectAll()
        .where("environment_id", "=", environmentId)
        .where("key", "=", key)
        .executeTakeFirst(),

    /** The secrets of the environment among `keys`, by key (any number of keys). */
    async findByKeys(db: Executor, environmentId: string, keys: string[]): Promise<Map<string, SecretRow>> {
      const found = new Map<string, SecretRow>();
      for (let start = 0; start < keys.length; start += LOOKUP_CHUNK) {
        const rows = await db
          .selectFrom("secrets")
          .selectAll()
          .where("environment_id", "=", environmentId)
          .where("key", "in", keys.slice(start, start + LOOKUP_CHUNK))
          .execute();
        for (const row of rows) found.set(row.key, row);
      }
      return found;
    },

    /** Undefined for a number no version can have (the column is 32-bit): PostgreSQL would refuse to compare it. */
    findVersion: async (
      db: Executor,
      secretId: string,
      version: number,
    ): Promise<SecretVersionRow | undefined> =>
      Number.isInteger(version) && version >= 0 && version <= MAX_STORED_VERSION
        ? db
            .selectFrom("secret_versions")
            .selectAll()
            .where("secret_id", "=", secretId)
            .where("version", "=", version)
            .executeTakeFirst()
        : undefined,

    /** The head row and its current version in one round trip: the hot path of every reveal. */
    async findCurrent(
      db: Executor,
      environmentId: string,
      key: string,
    ): Promise<SecretWithVersion | undefined> {
      // Compiled once: building and compiling the query cost more than running it.
      currentQuery ??= currentByKey(db, "", "").compile();
      const result = await db.executeQuery<JoinedRow>({ ...currentQuery, parameters: [environmentId, key] });
      const row = result.rows[0];
      return row === undefined ? undefined : splitJoined(row);
    },

    async listCurrent(db: Executor, environmentId: string, keys?: string[]): Promise<SecretWithVersion[]> {
      if (keys !== undefined && keys.length === 0) return [];
      if (keys !== undefined && keys.length <= COMPILED_KEY_LISTS) {
        // Compiled once per list length: the proxy and templates run this on every use.
        let compiled = currentOfKeys.get(keys.length);
        if (compiled === undefined) {
          const placeholders = keys.map(() => "");
          compiled = joinedCurrent(db, "").where("s.key", "in", placeholders).orderBy("s.key").compile();
          currentOfKeys.set(keys.length, compiled);
        }
        const result = await db.executeQuery<JoinedRow>({
          ...compiled,
          parameters: [environmentId, ...keys],
        });
        return result.rows.map(splitJoined);
      }
      let query = joinedCurrent(db, environmentId);
      if (keys !== undefined) query = query.where("s.key", "in", keys);
      const rows = await query.orderBy("s.key").execute();
      return rows.map(splitJoined);
    },

    listVersions: (db: Executor, secretId: string): Promise<SecretVersionRow[]> =>
      db
        .selectFrom("secret_versions")
        .selectAll()
        .where("secret_id", "=", secretId)
        .orderBy("version", "desc")
        .execute(),

    async insertSecret(db: Executor, row: SecretRow): Promise<void> {
      await db.insertInto("secrets").values(row).execute();
    },

    async insertVersion(db: Executor, row: NewSecretVersionRow): Promise<void> {
      await db.insertInto("secret_versions").values(row).execute();
    },

    /** Many secrets in multi-row statements; every row must name the same columns. */
    insertSecrets: (db: Executor, rows: SecretRow[]): Promise<void> =>
      insertInChunks(rows, (chunk) => db.insertInto("secrets").values(chunk).execute()),

    /** Many versions in multi-row statements; every row must name the same columns. */
    insertVersions: (db: Executor, rows: NewSecretVersionRow[]): Promise<void> =>
      insertInChunks(rows, (chunk) => db.insertInto("secret_versions").values(chunk).execute()),

    /** Optimistic update: succeeds only if nobody else moved the secret on since it was read. */
    async updateHead(
      db: Executor,
      id: string,
      expectedVersion: number,
      changes: Partial<SecretRow>,
    ): Promise<boolean> {
      const result = await db
        .updateTable("secrets")
        .set(changes)
        .where("id", "=", id)
        .where("current_version", "=", expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * How many secrets the environment holds. With `lock` (PostgreSQL, in a transaction) the environment's row is
     * locked first, so that writers counting in the same environment take turns until they commit.
     */
    async countInEnvironment(db: Executor, environmentId: string, lock: boolean): Promise<number> {
      if (lock) {
        await db
          .selectFrom("environments")
          .select("id")
          .where("id", "=", environmentId)
          .forNoKeyUpdate()
          .execute();
      }
      const row = await db
        .selectFrom("secrets")
        .select((eb) => eb.fn.countAll<number | string>().as("held"))
        .where("environment_id", "=", environmentId)
        .executeTakeFirstOrThrow();
      return Number(row.held);
    },

    async delete(db: Executor, id: string): Promise<void> {
      await db.deleteFrom("secret_versions").where("secret_id", "=", id).execute();
      await db.deleteFrom("secrets").where("id", "=", id).execute();
    },
  };
}

type JoinedRow = SecretRow & {
  ciphertexts: string;
  key_version: number;
  v_created_at: string;
  v_created_by: string;
  deletion_time: string | null;
  destroyed: number;
  json_fields: string | null;
};

/** Field by field rather than with an object rest: this runs on every reveal, and the rest pattern is slow. */
function splitJoined(row: JoinedRow): SecretWithVersion {
  const secret: SecretRow = {
    id: row.id,
    environment_id: row.environment_id,
    key: row.key,
    display_name: row.display_name,
    description: row.description,
    type: row.type,
    metadata: row.metadata,
    allowed_destinations: row.allowed_destinations,
    fields: row.fields,
    current_version: row.current_version,
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
  };
  return {
    secret,
    version: {
      secret_id: row.id,
      version: row.current_version,
      ciphertexts: row.ciphertexts,
      key_version: row.key_version,
      created_at: row.v_created_at,
      created_by: row.v_created_by,
      deletion_time: row.deletion_time,
      destroyed: row.destroyed,
      json_fields: row.json_fields,
    },
  };
}

export type SecretsRepo = ReturnType<typeof createSecretsRepo>;
