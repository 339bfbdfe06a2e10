// Opens the database (embedded SQLite by default), runs migrations, and hands out transactions.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Kysely, SqliteDialect } from "kysely";
import { Migrator } from "kysely/migration";
import type { Database, Db, Tx } from "./database.ts";
import { createLocalBus, type InvalidationBus } from "./invalidation.ts";
import { migrationProvider } from "./migrations/index.ts";
import { adaptDatabase } from "./sqlite-driver.ts";

export type Store = {
  /** Which SQL dialect is behind the store, for the few statements that differ (row locks). */
  dialect: "sqlite" | "postgres";
  db: Db;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** True when the schema has been created (the instance was initialised before). */
  isInitialised(): Promise<boolean>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /** Tells every node (one, on SQLite) to drop cached data about a topic. */
  bus: InvalidationBus;
  close(): Promise<void>;
};

export type SqliteOptions = { file: string; busyTimeoutMs?: number };

export function openSqliteStore(options: SqliteOptions): Store {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  const native = new DatabaseSync(options.file);
  native.exec("PRAGMA journal_mode = WAL");
  native.exec("PRAGMA synchronous = FULL");
  native.exec("PRAGMA foreign_keys = ON");
  native.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: adaptDatabase(native) }) });
  return createStore(db, "sqlite", {
    bus: createLocalBus(),
    async isInitialised() {
      const tables = await db.introspection.getTables();
      return tables.some((table) => table.name === "instance_meta");
    },
  });
}

type DialectParts = { bus: InvalidationBus; isInitialised(): Promise<boolean>; migrationSchema?: string };

export function createStore(db: Db, dialect: Store["dialect"], parts: DialectParts): Store {
  return {
    dialect,
    db,
    bus: parts.bus,
    transaction: (work) => db.transaction().execute(work),
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
