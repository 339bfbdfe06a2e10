// Opens the database (embedded SQLite by default), runs migrations, and hands out transactions.
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Kysely, SqliteDialect } from "kysely";
import { Migrator } from "kysely/migration";
import type { Database, Db, Tx } from "./database.ts";
import { DamagedDatabaseError, isStorageDamaged } from "./errors.ts";
import { createLocalBus, type InvalidationBus } from "./invalidation.ts";
import { migrationProvider } from "./migrations/index.ts";
import { adaptDatabase } from "./sqlite-driver.ts";

export type Store = {
  /** Which SQL dialect is behind the store, for the few statements that differ (row locks). */
  dialect: "sqlite" | "postgres";
  db: Db;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `work` while no transaction of this process is open. On SQLite, where one connection writes at a time,
   * a writer on another connection (the audit log's thread) takes its turn here, so that the two never wait for
   * each other's locks inside SQLite, which would block the event loop. On PostgreSQL it just runs `work`.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** The embedded database's file and settings, for a thread that opens its own connection; undefined on PostgreSQL. */
  sqlite: SqliteOptions | undefined;
  /**
   * SQLite only: how many statements that may change rows have run on the server's connection since it opened
   * (rolled back or not). Every write of the tables a cache may hold goes through that connection (the audit thread
   * writes only the audit tables; no other process writes a served database), so a row read while the count stays
   * the same is still current. Undefined on PostgreSQL, where other nodes write.
   */
  changeCount: (() => number) | undefined;
  /** True when the schema has been created (the instance was initialised before). */
  isInitialised(): Promise<boolean>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /** Tells every node (one, on SQLite) to drop cached data about a topic. */
  bus: InvalidationBus;
  close(): Promise<void>;
};

export type SqliteOptions = {
  file: string;
  busyTimeoutMs?: number;
  /** A quota on the database's size (SQLite's max_page_count): writes past it fail with SQLITE_FULL. */
  maxBytes?: number | undefined;
};

/** SQLite's header is 100 bytes: a shorter existing file was emptied or cut, and SQLite would start it afresh. */
const SQLITE_HEADER_BYTES = 100;

/** Every connection to the embedded file (the server's, the audit log thread's) is opened with these settings. */
export function openSqliteConnection(options: SqliteOptions): DatabaseSync {
  const existing = statSync(options.file, { throwIfNoEntry: false });
  if (existing !== undefined && existing.size < SQLITE_HEADER_BYTES) {
    throw new DamagedDatabaseError(
      options.file,
      `is ${existing.size === 0 ? "empty" : "cut short"} (${existing.size} bytes)`,
    );
  }
  const native = new DatabaseSync(options.file);
  try {
    native.exec("PRAGMA journal_mode = WAL");
    native.exec("PRAGMA synchronous = FULL");
    native.exec("PRAGMA foreign_keys = ON");
    native.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // Reading the schema now refuses a truncated or overwritten file before anything is served from it.
    native.prepare("select count(*) from sqlite_schema").get();
    if (options.maxBytes !== undefined) {
      const { page_size } = native.prepare("PRAGMA page_size").get() as { page_size: number };
      native.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(options.maxBytes / page_size))}`);
    }
    return native;
  } catch (error) {
    native.close();
    if (!isStorageDamaged(error)) throw error;
    throw new DamagedDatabaseError(
      options.file,
      `is damaged (SQLite: ${(error as Error).message}): it was truncated, overwritten or altered`,
    );
  }
}

export function openSqliteStore(options: SqliteOptions): Store {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  const native = openSqliteConnection(options);
  const adapted = adaptDatabase(native);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: adapted }) });
  return createStore(db, "sqlite", {
    bus: createLocalBus(),
    sqlite: options,
    changeCount: adapted.writes,
    async isInitialised() {
      const tables = await db.introspection.getTables();
      return tables.some((table) => table.name === "instance_meta");
    },
  });
}

type DialectParts = {
  bus: InvalidationBus;
  isInitialised(): Promise<boolean>;
  migrationSchema?: string;
  sqlite?: SqliteOptions;
  changeCount?: () => number;
};

/** A queue of async turns: each `run` starts when the previous one has settled. */
function createTurns() {
  let last: Promise<unknown> = Promise.resolve();
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      const turn = last.then(work, work);
      last = turn.catch(() => undefined);
      return turn;
    },
  };
}

export function createStore(db: Db, dialect: Store["dialect"], parts: DialectParts): Store {
  const turns = dialect === "sqlite" ? createTurns() : undefined;
  return {
    dialect,
    db,
    bus: parts.bus,
    sqlite: parts.sqlite,
    changeCount: parts.changeCount,
    transaction:
      turns === undefined
        ? (work) => db.transaction().execute(work)
        : (work) => turns.run(() => db.transaction().execute(work)),
    exclusive: turns === undefined ? (work) => work() : (work) => turns.run(work),
    isInitialised: parts.isInitialised,
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: migrationProvider,
        ...(parts.migrationSchema === undefined ? {} : { migrationTableSchema: parts.migrationSchema }),
      });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((result) => result.status === "Error");
      if (error !== undefined || failed !== undefined) {
        const name = failed?.migrationName ?? "unknown";
        throw new Error(
          `database migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
    async ping() {
      await db.selectFrom("instance_meta").select("name").limit(1).execute();
    },
    close: () => db.destroy(),
  };
}
