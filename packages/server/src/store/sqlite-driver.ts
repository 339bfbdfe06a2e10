// Adapts node:sqlite's DatabaseSync to the interface Kysely's SqliteDialect expects, with a statement cache.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { NulCharacterError } from "./errors.ts";

const STATEMENT_CACHE_LIMIT = 512;

type SqlParameter = null | number | bigint | string | NodeJS.ArrayBufferView;

/** The parameters, refused when a text one holds NUL (PostgreSQL's rule, applied on SQLite too). */
function checked(parameters: readonly unknown[]): SqlParameter[] {
  for (const parameter of parameters) {
    if (typeof parameter === "string" && parameter.includes("\0")) throw new NulCharacterError();
  }
  return parameters as SqlParameter[];
}

/**
 * Statements that cannot change a row: selects (SQLite's SELECT writes nothing, and no function with side effects
 * is registered) and transaction control, whose writes are the statements inside it.
 */
const ROW_PRESERVING = /^\s*(select|begin|commit|end|rollback|savepoint|release)\b/i;

function adaptStatement(statement: StatementSync, sql: string, counter: { writes: number }): SqliteStatement {
  if (ROW_PRESERVING.test(sql)) {
    return {
      reader: statement.columns().length > 0,
      all: (parameters) => statement.all(...checked(parameters)),
      run: (parameters) => statement.run(...checked(parameters)),
      iterate: (parameters) => statement.iterate(...checked(parameters)),
    };
  }
  // Counted before it runs: a statement that fails part-way may still have written.
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => {
      counter.writes++;
      return statement.all(...checked(parameters));
    },
    run: (parameters) => {
      counter.writes++;
      return statement.run(...checked(parameters));
    },
    iterate: (parameters) => {
      counter.writes++;
      return statement.iterate(...checked(parameters));
    },
  };
}

/**
 * SQLite ends the whole transaction by itself on some errors (SQLITE_FULL among them): Kysely's ROLLBACK would then
 * fail with "no transaction is active" and replace the error that explains the failure. It runs only when needed.
 */
function rollbackIfActive(database: DatabaseSync): SqliteStatement {
  const rollback = database.prepare("rollback");
  const nothing = { changes: 0, lastInsertRowid: 0 };
  return {
    reader: false,
    all: () => [],
    run: () => (database.isTransaction ? rollback.run() : nothing),
    iterate: () => [][Symbol.iterator](),
  };
}

export type AdaptedDatabase = SqliteDatabase & {
  /**
   * How many statements that may change rows (anything but a select or transaction control) have run through this
   * adapter since it was made, rolled back or not.
   */
  writes(): number;
};

/** Prepared statements are reused by SQL text: Kysely compiles the same few queries over and over. */
export function adaptDatabase(database: DatabaseSync): AdaptedDatabase {
  const cache = new Map<string, SqliteStatement>();
  const counter = { writes: 0 };
  const rollback = rollbackIfActive(database);
  return {
    close: () => database.close(),
    writes: () => counter.writes,
    prepare(sql) {
      if (sql === "rollback") return rollback;
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = adaptStatement(database.prepare(sql), sql, counter);
        if (cache.size >= STATEMENT_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
