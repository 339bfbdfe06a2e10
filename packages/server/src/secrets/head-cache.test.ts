// The head-row cache on a real embedded database: what it keeps, when it reads again, and the write that lands
// while a read is under way. (test/reveal-cache.test.ts checks every write path through the API.)
import { createSecretKey, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encrypt } from "../crypto/envelope.ts";
import type { KeysService } from "../keys/keys-service.ts";
import type { Scope } from "../projects/projects-service.ts";
import { openSqliteStore, type Store } from "../store/store.ts";
import { createHeadReader } from "./head-cache.ts";
import { createSecretsRepo } from "./secrets-repo.ts";
import { openFields } from "./secrets-service.ts";

const ENV = "env-1";
const ACTOR = JSON.stringify({ type: "token", id: "t", name: "test" });
const AT = "2026-01-01T00:00:00.000Z";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "coffer-heads-"));
  store = openSqliteStore({ file: join(dir, "coffer.db") });
  await store.migrate();
  await sql`insert into projects values ('p', 'p', 'P', '', 1, ${AT}, ${AT})`.execute(store.db);
  await sql`insert into environments (id, project_id, slug, name, position, created_at)
            values (${ENV}, 'p', 'dev', 'Dev', 0, ${AT})`.execute(store.db);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function addSecret(key: string, ciphertexts = "{}"): Promise<void> {
  const id = `id-${key}`;
  await sql`insert into secrets values (${id}, ${ENV}, ${key}, null, '', 'generic', '{}', '[]', '["value"]', 1,
            ${AT}, ${ACTOR}, ${AT}, ${ACTOR})`.execute(store.db);
  await sql`insert into secret_versions (secret_id, version, ciphertexts, key_version, created_at, created_by)
            values (${id}, 1, ${ciphertexts}, 1, ${AT}, ${ACTOR})`.execute(store.db);
}

const setCiphertexts = (key: string, ciphertexts: string) =>
  sql`update secret_versions set ciphertexts = ${ciphertexts} where secret_id = ${`id-${key}`}`.execute(
    store.db,
  );

/** The real repo, counting its reads; `during` runs inside a read, after the query, before it returns. */
function countingRepo(during?: () => Promise<void>) {
  const repo = createSecretsRepo();
  const reads = { count: 0 };
  return {
    reads,
    repo: {
      async findCurrent(...args: Parameters<typeof repo.findCurrent>) {
        reads.count++;
        const row = await repo.findCurrent(...args);
        await during?.();
        return row;
      },
      async listCurrent(...args: Parameters<typeof repo.listCurrent>) {
        reads.count++;
        const rows = await repo.listCurrent(...args);
        await during?.();
        return rows;
      },
    },
  };
}

describe("the head-row cache", () => {
  it("answers a second read from memory, until anything is written", async () => {
    await addSecret("A", '{"value":"one"}');
    const { repo, reads } = countingRepo();
    const heads = createHeadReader(store, repo);
    expect((await heads.findCurrent(ENV, "A"))?.version.ciphertexts).toBe('{"value":"one"}');
    expect((await heads.findCurrent(ENV, "A"))?.version.ciphertexts).toBe('{"value":"one"}');
    expect(reads.count).toBe(1);
    // Any write on the connection, even to another table, drops what was kept.
    await sql`insert into instance_meta values ('unrelated', 'x')`.execute(store.db);
    await heads.findCurrent(ENV, "A");
    expect(reads.count).toBe(2);
    await setCiphertexts("A", '{"value":"two"}');
    expect((await heads.findCurrent(ENV, "A"))?.version.ciphertexts).toBe('{"value":"two"}');
    expect(reads.count).toBe(3);
  });

  it("keeps rows across reads and read-only transactions; drops them on a write that failed", async () => {
    await addSecret("A");
    const { repo, reads } = countingRepo();
    const heads = createHeadReader(store, repo);
    await heads.findCurrent(ENV, "A");
    await store.transaction((tx) => tx.selectFrom("projects").selectAll().execute());
    await store.db.selectFrom("secrets").selectAll().execute();
    await heads.findCurrent(ENV, "A");
    expect(reads.count).toBe(1);
    // A failed statement may have written part of its rows before failing: counted all the same.
    await expect(addSecret("A")).rejects.toThrow(/UNIQUE/);
    await heads.findCurrent(ENV, "A");
    expect(reads.count).toBe(2);
  });

  it("does not keep a row read while a write landed", async () => {
    await addSecret("A", '{"value":"one"}');
    let writeOnce = true;
    const { repo, reads } = countingRepo(async () => {
      if (!writeOnce) return;
      writeOnce = false;
      await setCiphertexts("A", '{"value":"two"}');
    });
    const heads = createHeadReader(store, repo);
    // This read returns the row as it was when queried; it must not be kept, since the write came after.
    expect((await heads.findCurrent(ENV, "A"))?.version.ciphertexts).toBe('{"value":"one"}');
    expect((await heads.findCurrent(ENV, "A"))?.version.ciphertexts).toBe('{"value":"two"}');
    expect(reads.count).toBe(2);
  });

  it("keeps no answer for a key that does not exist", async () => {
    const { repo, reads } = countingRepo();
    const heads = createHeadReader(store, repo);
    expect(await heads.findCurrent(ENV, "MISSING")).toBeUndefined();
    await addSecret("MISSING");
    expect((await heads.findCurrent(ENV, "MISSING"))?.secret.key).toBe("MISSING");
    expect(reads.count).toBe(2);
  });

  it("lists from memory only when every key is kept, in key order, each key once", async () => {
    await addSecret("B");
    await addSecret("A");
    const { repo, reads } = countingRepo();
    const heads = createHeadReader(store, repo);
    await heads.findCurrent(ENV, "A");
    const keysOf = (rows: { secret: { key: string } }[]) => rows.map((row) => row.secret.key);
    // B is not kept yet: one query for both.
    expect(keysOf(await heads.listCurrent(ENV, ["B", "A"]))).toEqual(["A", "B"]);
    expect(reads.count).toBe(2);
    expect(keysOf(await heads.listCurrent(ENV, ["B", "A", "B"]))).toEqual(["A", "B"]);
    expect(reads.count).toBe(2);
  });

  it("drops the earliest row past its limit", async () => {
    await addSecret("A");
    await addSecret("B");
    const { repo, reads } = countingRepo();
    const heads = createHeadReader(store, repo, 1);
    await heads.findCurrent(ENV, "A");
    await heads.findCurrent(ENV, "B");
    await heads.findCurrent(ENV, "B");
    expect(reads.count).toBe(2);
    await heads.findCurrent(ENV, "A");
    expect(reads.count).toBe(3);
  });

  it("hands out rows that cannot be changed by the code that uses them", async () => {
    await addSecret("A");
    const heads = createHeadReader(store, countingRepo().repo);
    const row = await heads.findCurrent(ENV, "A");
    expect(Object.isFrozen(row?.version)).toBe(true);
    expect(Object.isFrozen(row?.secret)).toBe(true);
  });

  it("reads the database every time when the store cannot count writes (PostgreSQL)", async () => {
    await addSecret("A");
    const { repo, reads } = countingRepo();
    const heads = createHeadReader({ db: store.db, changeCount: undefined }, repo);
    expect(heads.opened).toBeUndefined();
    await heads.findCurrent(ENV, "A");
    await heads.findCurrent(ENV, "A");
    await heads.listCurrent(ENV, ["A"]);
    expect(reads.count).toBe(3);
  });
});

describe("decrypted fields kept with the cached rows", () => {
  const bytes = (text: string) => new Map([["value", Buffer.from(text)]]);

  it("are kept for a row the cache holds, and dropped and zeroed on any write", async () => {
    await addSecret("A");
    const heads = createHeadReader(store, countingRepo().repo);
    const opened = heads.opened;
    const row = await heads.findCurrent(ENV, "A");
    if (opened === undefined || row === undefined) throw new Error("expected a caching reader and a row");
    const fields = bytes("one");
    expect(opened.keep(row.version, fields)).toBe(true);
    expect(opened.get(row.version)).toBe(fields);
    // Opened twice at once: the first kept stays, the second is the caller's to zero.
    expect(opened.keep(row.version, bytes("one"))).toBe(false);
    expect(opened.get(row.version)).toBe(fields);
    await sql`insert into instance_meta values ('unrelated', 'x')`.execute(store.db);
    expect(opened.get(row.version)).toBeUndefined();
    expect(fields.get("value")).toEqual(Buffer.alloc(3));
  });

  it("are not kept for a row the cache does not hold, or no longer holds", async () => {
    await addSecret("A");
    await addSecret("B");
    const repo = countingRepo().repo;
    const heads = createHeadReader(store, repo, 1);
    const opened = heads.opened;
    if (opened === undefined) throw new Error("expected a caching reader");
    // Read by someone else (a writer, a Vault read): not the cache's row.
    const elsewhere = await repo.findCurrent(store.db, ENV, "A");
    if (elsewhere === undefined) throw new Error("expected A");
    expect(opened.keep(elsewhere.version, bytes("one"))).toBe(false);
    expect(opened.get(elsewhere.version)).toBeUndefined();
    // Evicted past the limit, and replaced by a newer read of the same secret.
    const a = await heads.findCurrent(ENV, "A");
    if (a === undefined) throw new Error("expected A");
    const fieldsOfA = bytes("one");
    opened.keep(a.version, fieldsOfA);
    await heads.findCurrent(ENV, "B");
    expect(opened.get(a.version)).toBeUndefined();
    expect(fieldsOfA.get("value")).toEqual(Buffer.alloc(3));
    const b = await heads.findCurrent(ENV, "B");
    const again = await heads.listCurrent(ENV, ["A", "B"]);
    if (b === undefined) throw new Error("expected B");
    expect(opened.keep(b.version, bytes("two"))).toBe(false);
    expect(again.map((row) => row.version === b.version)).toEqual([false, false]);
    expect(opened.get(b.version)).toBeUndefined();
  });

  it("spare openFields a second decryption until the row changes", async () => {
    const key = createSecretKey(randomBytes(32));
    const sealed = (text: string, version = 1) =>
      JSON.stringify({
        value: encrypt(key, 1, Buffer.from(text), ["p", ENV, "id-A", version, "value"]).toString("base64"),
      });
    await addSecret("A", sealed("one"));
    const lookups = { count: 0 };
    const keys = {
      dataKey: async () => {
        lookups.count++;
        return key;
      },
    } as unknown as KeysService;
    const scope = { project: { id: "p" }, environment: { id: ENV } } as Scope;
    const heads = createHeadReader(store, countingRepo().repo);
    const open = async () => {
      const current = await heads.findCurrent(ENV, "A");
      if (current === undefined) throw new Error("expected A");
      const fields = await openFields(keys, scope, current.secret, current.version, AT, heads.opened);
      return fields.get("value")?.reveal();
    };
    expect(await open()).toBe("one");
    expect(await open()).toBe("one");
    expect(lookups.count).toBe(1);
    await setCiphertexts("A", sealed("two"));
    expect(await open()).toBe("two");
    expect(await open()).toBe("two");
    expect(lookups.count).toBe(2);
  });
});
