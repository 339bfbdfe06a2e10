// The scale-out store: PostgreSQL through pg, with the schema in its own namespace and LISTEN/NOTIFY for caches.
import { randomUUID } from "node:crypto";
import {
  CompiledQuery,
  type DatabaseIntrospector,
  Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  sql,
} from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { Database } from "./database.ts";
import { type CacheTopic, createHandlers, type InvalidationBus } from "./invalidation.ts";
import { createStore, type Store } from "./store.ts";

export type PostgresOptions = { url: string; schema: string; poolSize: number; logger?: Logger };

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema in the database, and that query fails when
 * any schema is dropped while it runs (another instance's, an operator's, a test run's): the migrator then fails
 * to start the node. The migrator only asks which tables exist in Coffer's own schema; this answers just that.
 */
class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #schema: string;

  constructor(schema: string, config: PostgresDialectConfig) {
    super(config);
    this.#schema = schema;
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    const schema = this.#schema;
    return {
      async getSchemas() {
        const result = await sql<{ name: string }>`
          select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
        return result.rows;
      },
      async getTables() {
        const result = await sql<{ name: string; type: string }>`
          select table_name as name, table_type as type from information_schema.tables
           where table_schema = ${schema}`.execute(db);
        return result.rows.map((row) => ({
          name: row.name,
          schema,
          isView: row.type === "VIEW",
          isForeign: row.type === "FOREIGN",
          columns: [],
        }));
      },
    };
  }
}

/** Identifiers are validated by config.ts; quoting keeps them exact. */
function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export async function openPostgresStore(options: PostgresOptions): Promise<Store> {
  const schema = quoted(options.schema);
  const bootstrap = new pg.Client({ connectionString: options.url });
  await bootstrap.connect();
  try {
    // Two nodes starting together must not race to create the namespace.
    await bootstrap.query("select pg_advisory_lock(hashtext('coffer.schema'))");
    await bootstrap.query(`create schema if not exists ${schema}`);
    await bootstrap.query("select pg_advisory_unlock(hashtext('coffer.schema'))");
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize });
  pool.on("error", (error) =>
    options.logger?.warn({ err: { message: error.message } }, "idle database connection failed"),
  );
  const db = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect(options.schema, {
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set search_path to ${schema}`));
      },
    }),
  });
  const bus = await listen(options, `coffer_cache_${options.schema}`, pool);
  const store = createStore(db, "postgres", {
    bus,
    migrationSchema: options.schema,
    async isInitialised() {
      const result = await pool.query(
        "select 1 from information_schema.tables where table_schema = $1 and table_name = 'instance_meta'",
        [options.schema],
      );
      return (result.rowCount ?? 0) > 0;
    },
  });
  return {
    ...store,
    async close() {
      await bus.close();
      await store.close();
    },
  };
}

/** A dedicated connection LISTENs; while it is down every cache is dropped and bypassed, and it reconnects. */
async function listen(options: PostgresOptions, channel: string, pool: pg.Pool): Promise<InvalidationBus> {
  const node = randomUUID();
  const handlers = createHandlers();
  let client: pg.Client | undefined;
  let healthy = false;
  let closed = false;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const lost = (reason: string) => {
    if (closed) return;
    if (healthy)
      options.logger?.warn({ reason }, "cache invalidation channel lost; caches bypassed until it is back");
    healthy = false;
    handlers.runAll();
    client?.removeAllListeners();
    client?.end().catch(() => undefined);
    client = undefined;
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.url });
    next.on("error", (error) => lost(error.message));
    next.on("end", () => lost("connection ended"));
    next.on("notification", (message) => {
      const [from, topic] = (message.payload ?? "").split(":");
      if (from !== node && topic !== undefined) handlers.run(topic as CacheTopic);
    });
    try {
      await next.connect();
      await next.query(`listen ${quoted(channel)}`);
    } catch (error) {
      next.removeAllListeners();
      await next.end().catch(() => undefined);
      lost((error as Error).message);
      return;
    }
    client = next;
    delay = RECONNECT_MIN_MS;
    healthy = true;
    // Anything may have changed while we were not listening.
    handlers.runAll();
  }

  await connect();
  return {
    get healthy() {
      return healthy;
    },
    async publish(topic) {
      handlers.run(topic);
      await pool.query("select pg_notify($1, $2)", [channel, `${node}:${topic}`]);
    },
    subscribe: handlers.subscribe,
    async close() {
      closed = true;
      clearTimeout(timer);
      client?.removeAllListeners();
      await client?.end().catch(() => undefined);
    },
  };
}
