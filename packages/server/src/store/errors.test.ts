import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { isStorageDamaged, isStorageFull, isUniqueViolation } from "./errors.ts";

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** PostgreSQL's error as the pg driver raises it, with the SQLSTATE the server sent. */
function postgresError(sqlstate: string): pg.DatabaseError {
  const error = new pg.DatabaseError("could not extend file", 0, "error");
  error.code = sqlstate;
  return error;
}

describe("database errors by meaning", () => {
  it("knows SQLite running out of pages as storage full, and nothing else", () => {
    const db = new DatabaseSync(":memory:");
    db.exec("create table t (v text primary key)");
    db.exec("PRAGMA max_page_count = 3");
    const full = thrownBy(() => db.prepare("insert into t values (?)").run("x".repeat(20_000)));
    db.exec("PRAGMA max_page_count = 100");
    db.prepare("insert into t values (?)").run("once");
    const duplicate = thrownBy(() => db.prepare("insert into t values (?)").run("once"));
    db.close();
    expect(isStorageFull(full)).toBe(true);
    expect(isStorageFull(duplicate)).toBe(false);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isStorageDamaged(full)).toBe(false);
  });

  it("knows PostgreSQL's disk_full and out_of_memory as storage full", () => {
    expect(isStorageFull(postgresError("53100"))).toBe(true);
    expect(isStorageFull(postgresError("53200"))).toBe(true);
    expect(isStorageFull(postgresError("23505"))).toBe(false);
    expect(isStorageFull(postgresError("57014"))).toBe(false);
    expect(isStorageFull(new Error("database or disk is full"))).toBe(false);
  });
});
