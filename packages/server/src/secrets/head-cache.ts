// Each secret's head row (its current version, as ciphertext) kept in memory between reads, on the embedded database.
//
// A reveal reads one head row, and every proxied call or resolved template reads a few: on SQLite that query is the
// largest single cost of a reveal. A cached row stays valid while the server's connection has written nothing
// (Store.changeCount): any write to any table drops the whole cache, which is coarse but cannot miss a write path
// (an update, a rollback, a Vault delete or destroy, a data-key rotation). On PostgreSQL, where other nodes write,
// there is no cache.
//
// The fields of a cached row, once decrypted, are kept with it (OpenedFields): decrypting is the largest cost left on
// a proxied call once the row is in memory (creating an AES-GCM decipher, ~80 µs when the process has been idle). They
// are kept outside the JavaScript heap (Buffers, like the data keys' key material), and dropped and zeroed when
// their row is: on any write, on eviction, when the row is read again. The exposure does not change: the data keys
// and the cached ciphertexts are in the same memory (docs/security.md).
import type { Db, SecretVersionRow } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import type { SecretsRepo, SecretWithVersion } from "./secrets-repo.ts";

/** Rows kept at most; past it the earliest kept is dropped (its next use reads the database again). */
export const HEAD_CACHE_LIMIT = 10_000;

/** Decrypted fields (field name → plaintext bytes) of the version rows a HeadReader holds, see above. */
export type OpenedFields = {
  /** What `keep` was given for `version`, while the reader still holds that row. */
  get(version: SecretVersionRow): ReadonlyMap<string, Buffer> | undefined;
  /**
   * Keeps `fields` with `version` if the reader holds that row (the one it last handed out) and has none for it yet;
   * true when it did. What it did not keep, the caller should zero once read.
   */
  keep(version: SecretVersionRow, fields: ReadonlyMap<string, Buffer>): boolean;
};

export type HeadReader = {
  /** The secret `key` of the environment with its current version, or undefined. */
  findCurrent(environmentId: string, key: string): Promise<SecretWithVersion | undefined>;
  /** The secrets among `keys` that exist, with their current versions, in key order. */
  listCurrent(environmentId: string, keys: readonly string[]): Promise<SecretWithVersion[]>;
  /** Decrypted fields of the rows held; undefined when no row is held (PostgreSQL). */
  opened: OpenedFields | undefined;
};

function freeze(row: SecretWithVersion): SecretWithVersion {
  Object.freeze(row.secret);
  Object.freeze(row.version);
  return Object.freeze(row);
}

/**
 * Reads head rows for use (reveal, proxy, templates), from memory when it can. Writers keep calling the repo
 * itself: what they read must come from the database, inside their transaction.
 */
export function createHeadReader(
  store: Pick<Store, "db" | "changeCount">,
  repo: Pick<SecretsRepo, "findCurrent" | "listCurrent">,
  limit = HEAD_CACHE_LIMIT,
): HeadReader {
  const db: Db = store.db;
  const changeCount = store.changeCount;
  if (changeCount === undefined) {
    return {
      findCurrent: (environmentId, key) => repo.findCurrent(db, environmentId, key),
      listCurrent: (environmentId, keys) => repo.listCurrent(db, environmentId, [...keys]),
      opened: undefined,
    };
  }

  const writes: () => number = changeCount;
  const rows = new Map<string, SecretWithVersion>();
  let validAt = -1;
  // Environment ids are UUIDs and keys never hold a NUL: the pair cannot be confused with another.
  const cacheKey = (environmentId: string, key: string) => `${environmentId}\0${key}`;

  // An entry for the version of every row in `rows` (null until its fields are kept), and for no other.
  const decrypted = new Map<SecretVersionRow, ReadonlyMap<string, Buffer> | null>();

  function forgetFields(version: SecretVersionRow): void {
    const fields = decrypted.get(version);
    decrypted.delete(version);
    for (const bytes of fields?.values() ?? []) bytes.fill(0);
  }

  function drop(key: string): void {
    const row = rows.get(key);
    if (row === undefined) return;
    rows.delete(key);
    forgetFields(row.version);
  }

  /** The change count now, with the cache emptied if anything was written since it was last looked at. */
  function current(): number {
    const count = writes();
    if (count !== validAt) {
      rows.clear();
      for (const version of [...decrypted.keys()]) forgetFields(version);
      validAt = count;
    }
    return count;
  }

  /** Keeps rows read while the count was `readAt`, unless something was written while they were being read. */
  function keep(readAt: number, read: SecretWithVersion[]): void {
    if (current() !== readAt) return;
    for (const row of read) {
      const key = cacheKey(row.secret.environment_id, row.secret.key);
      drop(key);
      if (rows.size >= limit) drop(rows.keys().next().value as string);
      rows.set(key, freeze(row));
      decrypted.set(row.version, null);
    }
  }

  const opened: OpenedFields = {
    get(version) {
      current();
      return decrypted.get(version) ?? undefined;
    },
    keep(version, fields) {
      current();
      if (decrypted.get(version) !== null) return false;
      decrypted.set(version, fields);
      return true;
    },
  };

  return {
    async findCurrent(environmentId, key) {
      const readAt = current();
      const cached = rows.get(cacheKey(environmentId, key));
      if (cached !== undefined) return cached;
      const row = await repo.findCurrent(db, environmentId, key);
      if (row !== undefined) keep(readAt, [row]);
      return row;
    },

    async listCurrent(environmentId, keys) {
      const readAt = current();
      const found: SecretWithVersion[] = [];
      for (const key of new Set(keys)) {
        const cached = rows.get(cacheKey(environmentId, key));
        if (cached === undefined) {
          // One query for the lot: a partial hit saves little and would need the two halves merged in order.
          const read = await repo.listCurrent(db, environmentId, [...keys]);
          keep(readAt, read);
          return read;
        }
        found.push(cached);
      }
      // Keys are ASCII, so this is the database's order too.
      return found.sort((a, b) => (a.secret.key < b.secret.key ? -1 : a.secret.key > b.secret.key ? 1 : 0));
    },

    opened,
  };
}
