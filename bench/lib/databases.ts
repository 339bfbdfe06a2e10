// Where a bench Coffer keeps its data (the embedded SQLite file, or a fresh schema on PostgreSQL), and bulk seeding
// of that data by direct SQL with real ciphertexts, for scenarios that need a store of a million secrets.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
// The server's own sealing code, so that seeded values are exactly what the server would have written (and read
// back through its API); the bench is a tool of this repository, not a package with a public surface to respect.
import { openSeeder, type Seeder } from "../../packages/server/test/seed-store.ts";
import type { CofferInstance } from "./coffer.ts";

export const BENCH_PG_URL = process.env["COFFER_BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export type BenchDatabase = { kind: "sqlite" } | { kind: "postgres"; url: string; schema: string };

export const SQLITE: BenchDatabase = { kind: "sqlite" };

/** A fresh schema name on the bench's PostgreSQL, or undefined when it cannot be reached. */
export async function postgresDatabase(): Promise<BenchDatabase | undefined> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  return { kind: "postgres", url: BENCH_PG_URL, schema: `bench_${randomBytes(6).toString("hex")}` };
}

/** What `coffer serve` needs to use the database. */
export function databaseEnv(database: BenchDatabase): Record<string, string> {
  return database.kind === "sqlite"
    ? {}
    : { COFFER_DATABASE_URL: database.url, COFFER_DATABASE_SCHEMA: database.schema };
}

/** Drops a PostgreSQL bench schema (the SQLite file goes with the server's data directory). */
export async function dropDatabase(database: BenchDatabase): Promise<void> {
  if (database.kind === "sqlite") return;
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${database.schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** The master key of a `coffer serve --dev` instance, kept in its data directory. */
export function devMasterKey(coffer: CofferInstance): string {
  return readFileSync(join(coffer.dataDir, "dev-master-key"), "utf8").trim();
}

/** A seeder writing into a running bench instance's database, sealing with its dev master key. */
export function openBenchSeeder(coffer: CofferInstance, database: BenchDatabase): Promise<Seeder> {
  const target =
    database.kind === "sqlite"
      ? { file: join(coffer.dataDir, "coffer.db") }
      : { url: database.url, schema: database.schema };
  return openSeeder(target, devMasterKey(coffer));
}
