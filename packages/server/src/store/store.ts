// Opens the database (embedded SQLite by default), runs migrations, and hands out transactions.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Kysely, SqliteDialect } from "kysely";
import { Migrator } from "kysely/migration";
import type { Database, Db, Tx } from "./database.ts";
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
  return createStore(db, "sqlite");
}

function createStore(db: Db, dialect: Store["dialect"]): Store {
  return {
    dialect,
    db,
    transaction: (work) => db.transaction().execute(work),
    async isInitialised() {
      const tables = await db.introspection.getTables();
      return tables.some((table) => table.name === "instance_meta");
    },
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider });
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
