// Test and bench support: fills a Coffer database with many secrets by direct SQL, sealed exactly as the server
// seals them (the project's data key, the value's binding), so that they read back through the API. Thousands
// of HTTP writes would take minutes; this takes seconds for a million. The project and environment must exist.
import { randomUUID } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { encrypt } from "../src/crypto/envelope.ts";
import { createKeyring } from "../src/crypto/keyring.ts";
import { deriveMasterKey, type KdfParams, parseMasterKey } from "../src/crypto/master-key.ts";
import { valueBinding } from "../src/secrets/value-binding.ts";

/** The embedded database file, or a PostgreSQL database and schema. */
export type SeedTarget = { file: string } | { url: string; schema: string };

export type SeedBatch = {
  project: string;
  environment: string;
  count: number;
  key: (index: number) => string;
  value: (index: number) => string;
};

export type Seeder = {
  /** Inserts each batch's secrets (version 1, one `value` field), all in one transaction; returns how many. */
  seed(...batches: SeedBatch[]): Promise<number>;
  close(): Promise<void>;
};

const SECRET_COLUMNS = [
  "id",
  "environment_id",
  "key",
  "display_name",
  "description",
  "type",
  "metadata",
  "allowed_destinations",
  "fields",
  "current_version",
  "created_at",
  "created_by",
  "updated_at",
  "updated_by",
] as const;
const VERSION_COLUMNS = [
  "secret_id",
  "version",
  "ciphertexts",
  "key_version",
  "created_at",
  "created_by",
] as const;
const ACTOR = JSON.stringify({ type: "token", id: "seed", name: "seed" });
const CHUNK = 5_000;

type Sql = {
  all(query: string, params: (string | number)[]): Promise<Record<string, unknown>[]>;
  insertRows(table: string, columns: readonly string[], rows: (string | number | null)[][]): Promise<void>;
  transaction(work: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
};

export async function openSeeder(target: SeedTarget, masterKey: string): Promise<Seeder> {
  const sql = "file" in target ? sqliteSql(target.file) : await postgresSql(target.url, target.schema);
  const [kdf] = await sql.all("select value from instance_meta where name = 'kdf'", []);
  const keyring = createKeyring(
    await deriveMasterKey(
      parseMasterKey(masterKey),
      kdf === undefined ? undefined : (JSON.parse(String(kdf["value"])) as KdfParams),
    ),
  );
  /** The environment's id and the project's active data key, unwrapped. */
  async function placeOf(batch: SeedBatch) {
    const [place] = await sql.all(
      `select p.id as project_id, p.active_key_version, e.id as environment_id, d.wrapped_key
         from projects p
         join environments e on e.project_id = p.id
         join data_keys d on d.project_id = p.id and d.version = p.active_key_version
        where p.slug = ? and e.slug = ?`,
      [batch.project, batch.environment],
    );
    if (place === undefined) throw new Error(`no environment ${batch.project}/${batch.environment} to seed`);
    const projectId = String(place["project_id"]);
    const keyVersion = Number(place["active_key_version"]);
    const wrapped = Buffer.from(String(place["wrapped_key"]), "base64");
    return {
      projectId,
      environmentId: String(place["environment_id"]),
      keyVersion,
      dataKey: keyring.unwrapDataKey(projectId, keyVersion, wrapped),
    };
  }

  async function insertBatch(batch: SeedBatch, at: string): Promise<void> {
    const { projectId, environmentId, keyVersion, dataKey } = await placeOf(batch);
    for (let start = 0; start < batch.count; start += CHUNK) {
      const secrets: (string | number | null)[][] = [];
      const versions: (string | number | null)[][] = [];
      for (let index = start; index < Math.min(start + CHUNK, batch.count); index++) {
        const secretId = randomUUID();
        const binding = valueBinding({ projectId, environmentId, secretId, version: 1 }, "value");
        const envelope = encrypt(dataKey, keyVersion, Buffer.from(batch.value(index), "utf8"), binding);
        const ciphertexts = JSON.stringify({ value: envelope.toString("base64") });
        // In SECRET_COLUMNS order: no name, no description, generic, no metadata or destinations.
        secrets.push([
          secretId,
          environmentId,
          batch.key(index),
          null,
          "",
          "generic",
          "{}",
          "[]",
          '["value"]',
          1,
          at,
          ACTOR,
          at,
          ACTOR,
        ]);
        versions.push([secretId, 1, ciphertexts, keyVersion, at, ACTOR]);
      }
      await sql.insertRows("secrets", SECRET_COLUMNS, secrets);
      await sql.insertRows("secret_versions", VERSION_COLUMNS, versions);
    }
  }

  return {
    async seed(...batches) {
      const at = new Date().toISOString();
      await sql.transaction(async () => {
        for (const batch of batches) await insertBatch(batch, at);
      });
      return batches.reduce((sum, batch) => sum + batch.count, 0);
    },
    close: () => sql.close(),
  };
}

function sqliteSql(file: string): Sql {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA busy_timeout = 10000");
  // Seeding is set-up, not a write to keep through a power cut: no fsync at each commit.
  db.exec("PRAGMA synchronous = NORMAL");
  // Random ids make random index inserts: a large page cache keeps them off the disk until the commit.
  db.exec("PRAGMA cache_size = -262144");
  const statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  const insert = (table: string, columns: readonly string[]) => {
    const text = `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`;
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  return {
    all: async (query, params) => db.prepare(query).all(...params) as Record<string, unknown>[],
    async insertRows(table, columns, rows) {
      const statement = insert(table, columns);
      for (const row of rows) statement.run(...row);
    },
    async transaction(work) {
      db.exec("begin immediate");
      try {
        await work();
        db.exec("commit");
      } catch (error) {
        db.exec("rollback");
        throw error;
      }
    },
    async close() {
      // Folds the seeded pages into the database file and empties the WAL, so that a server measured next does
      // not share the disk with the write-back of a gigabyte of WAL.
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close();
    },
  };
}

async function postgresSql(url: string, schema: string): Promise<Sql> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`set search_path to "${schema}"`);
  const numbered = (query: string) => {
    let n = 0;
    return query.replace(/\?/g, () => `$${++n}`);
  };
  return {
    all: async (query, params) => (await client.query(numbered(query), params)).rows,
    async insertRows(table, columns, rows) {
      // One statement per chunk: each column travels as an array, unnest turns them back into rows.
      const types = columns.map((column) =>
        column === "version" || column.endsWith("_version") ? "int" : "text",
      );
      const arrays = columns.map((_, index) => rows.map((row) => row[index] ?? null));
      await client.query(
        `insert into ${table} (${columns.join(", ")}) select * from unnest(${types
          .map((type, index) => `$${index + 1}::${type}[]`)
          .join(", ")})`,
        arrays,
      );
    },
    async transaction(work) {
      await client.query("begin");
      try {
        await work();
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw error;
      }
    },
    close: () => client.end(),
  };
}
