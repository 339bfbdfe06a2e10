// Backups: `coffer backup` snapshots the embedded database while the server runs and is written to; `coffer restore`
// puts a snapshot back only under the master key it was made with. On PostgreSQL, pg_dump and psql do the same.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKey } from "@coffer/server";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  databaseEnv,
  ON_POSTGRES,
  schemaOf,
  secretsPath,
  startServer,
  TEST_PG_URL,
  type TestServer,
  tempDir,
} from "./helpers.ts";
import { runCli } from "./nodes.ts";

const base = secretsPath("shop", "production");
const CANARY = `canary-${randomBytes(12).toString("hex")}`;
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = tempDir("coffer-backup-");
  dirs.push(dir);
  return dir;
}

function fileHash(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Writes new secrets and new versions of one counter secret until stopped; records what was acknowledged. */
function startWriters(coffer: TestServer) {
  const acknowledged = new Map<string, string>();
  let counterVersion = 1;
  let stopped = false;
  const newSecrets = (async () => {
    for (let n = 0; !stopped; n++) {
      const value = `value-${n}-${randomBytes(4).toString("hex")}`;
      const response = await coffer.api("POST", base, { key: `W${n}`, value });
      if (response.status === 201) acknowledged.set(`W${n}`, value);
    }
  })();
  const counter = (async () => {
    while (!stopped) {
      const response = await coffer.api("PATCH", `${base}/COUNTER`, {
        value: `counter-${counterVersion + 1}`,
      });
      if (response.status === 200) counterVersion++;
    }
  })();
  return {
    acknowledged,
    async stop() {
      stopped = true;
      await Promise.all([newSecrets, counter]);
    },
  };
}

/** Every value the restored instance serves: each secret matches what was written, head and versions agree. */
async function expectConsistent(restored: TestServer, written: Map<string, string>) {
  const all = await restored.api("POST", "/v1/projects/shop/environments/production/values", {});
  expect(all.status).toBe(200);
  for (const secret of all.body.secrets as { key: string; version: number; data: { value: string } }[]) {
    if (secret.key === "COUNTER") expect(secret.data.value).toBe(`counter-${secret.version}`);
    else if (secret.key === "CANARY") expect(secret.data.value).toBe(CANARY);
    else expect(secret.data.value).toBe(written.get(secret.key));
  }
  expect((await restored.api("POST", "/v1/audit/verify", {})).body).toMatchObject({ ok: true });
  return all.body.secrets.length as number;
}

describe.skipIf(ON_POSTGRES)("coffer backup and coffer restore (embedded database)", () => {
  it("a backup taken while the server runs and is written to restores into a new data directory and serves the same values", async () => {
    const coffer = await startServer();
    const work = scratch();
    const snapshot = join(work, "coffer.snapshot");
    const restoredDir = join(work, "restored-data");
    try {
      await coffer.api("POST", "/v1/projects", { slug: "shop" });
      await coffer.api("POST", base, { key: "CANARY", value: CANARY });
      await coffer.api("POST", base, { key: "COUNTER", value: "counter-1" });
      const writers = startWriters(coffer);
      while (writers.acknowledged.size < 50) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = new Map(writers.acknowledged);

      const backup = await runCli(["backup", "--out", snapshot, "--data-dir", coffer.dataDir], {});
      const after = writers.acknowledged.size;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await writers.stop();
      expect(backup, backup.stderr).toMatchObject({ code: 0 });
      expect(backup.stdout).toMatch(/^Backup written to .*coffer\.snapshot \(\d+ bytes, encrypted/);

      const bytes = readFileSync(snapshot);
      expect(bytes.includes(Buffer.from(CANARY))).toBe(false);
      for (const value of before.values()) expect(bytes.includes(Buffer.from(value))).toBe(false);

      const key = { COFFER_MASTER_KEY: coffer.masterKey };
      const restore = await runCli(["restore", "--in", snapshot, "--data-dir", restoredDir], key);
      expect(restore, restore.stderr).toMatchObject({ code: 0 });
      expect(restore.stdout).toContain(`into ${join(restoredDir, "coffer.db")}`);

      const restored = await startServer({ dataDir: restoredDir, masterKey: coffer.masterKey });
      try {
        const count = await expectConsistent(restored, writers.acknowledged);
        // Everything acknowledged before the backup started is in it; nothing written after it ended.
        for (const [name, value] of before) {
          expect((await restored.api("GET", `${base}/${name}/value`)).body.data.value).toBe(value);
        }
        expect(count).toBeGreaterThanOrEqual(before.size + 2);
        expect(count).toBeLessThanOrEqual(after + 2);
      } finally {
        await restored.server.close();
      }
    } finally {
      await coffer.close();
    }
  });

  it("restore refuses a snapshot made under another master key, with a clear message, and leaves the target untouched", async () => {
    const other = await startServer();
    await other.api("POST", "/v1/projects", { slug: "shop" });
    await other.server.close();
    const work = scratch();
    const snapshot = join(work, "other.snapshot");
    // Also with the server stopped.
    expect((await runCli(["backup", "--out", snapshot, "--data-dir", other.dataDir], {})).code).toBe(0);
    rmSync(other.dataDir, { recursive: true, force: true });

    const mine = await startServer();
    await mine.api("POST", "/v1/projects", { slug: "shop" });
    await mine.api("POST", base, { key: "MINE", value: "still-here" });
    await mine.server.close();
    const target = join(mine.dataDir, "coffer.db");
    const before = fileHash(target);
    const env = { COFFER_MASTER_KEY: mine.masterKey };

    const refused = await runCli(["restore", "--in", snapshot, "--data-dir", mine.dataDir, "--force"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "Error: The snapshot's key check does not match the configured master key; nothing was restored\n",
    );
    expect(fileHash(target)).toBe(before);

    const fresh = join(work, "fresh-data");
    expect((await runCli(["restore", "--in", snapshot, "--data-dir", fresh], env)).code).toBe(1);
    expect(existsSync(join(fresh, "coffer.db"))).toBe(false);

    // The right key, but a database already there: only with --force.
    const own = join(work, "own.snapshot");
    expect((await runCli(["backup", "--out", own, "--data-dir", mine.dataDir], {})).code).toBe(0);
    const exists = await runCli(["restore", "--in", own, "--data-dir", mine.dataDir], env);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain("pass --force to replace it");
    expect((await runCli(["restore", "--in", own, "--data-dir", mine.dataDir, "--force"], env)).code).toBe(0);

    const again = await startServer({ dataDir: mine.dataDir, masterKey: mine.masterKey });
    try {
      expect((await again.api("GET", `${base}/MINE/value`)).body.data.value).toBe("still-here");
    } finally {
      await again.close();
    }
  });
});

describe.skipIf(!ON_POSTGRES)("backups on PostgreSQL", () => {
  const restoreDb = `coffer_restore_${randomBytes(4).toString("hex")}`;
  const restoreUrl = TEST_PG_URL.replace(/\/[^/]*$/, `/${restoreDb}`);
  const adminUrl = TEST_PG_URL.replace(/\/[^/]*$/, "/postgres");
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  afterAll(() => admin(`drop database if exists ${restoreDb} with (force)`));

  it("coffer backup points to pg_dump instead", async () => {
    const dataDir = scratch();
    const result = await runCli(
      ["backup", "--out", join(dataDir, "x"), "--data-dir", dataDir],
      databaseEnv(dataDir),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`back it up with pg_dump --schema=${schemaOf(dataDir)}`);
  });

  it("pg_dump of a live instance, restored with psql into another database, serves the same values with the same key", async () => {
    const coffer = await startServer();
    const work = scratch();
    const dump = join(work, "coffer.sql");
    const schema = schemaOf(coffer.dataDir);
    try {
      await coffer.api("POST", "/v1/projects", { slug: "shop" });
      await coffer.api("POST", base, { key: "CANARY", value: CANARY });
      await coffer.api("POST", base, { key: "COUNTER", value: "counter-1" });
      const writers = startWriters(coffer);
      while (writers.acknowledged.size < 20) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = new Map(writers.acknowledged);
      // The commands of docs/deployment.md, with the test's database and schema.
      execFileSync("pg_dump", ["--schema", schema, "--no-owner", "--file", dump, TEST_PG_URL]);
      await writers.stop();
      expect(readFileSync(dump).includes(Buffer.from(CANARY))).toBe(false);

      execFileSync("psql", ["--no-psqlrc", "--quiet", "--command", `create database ${restoreDb}`, adminUrl]);
      execFileSync("psql", [
        "--no-psqlrc",
        "--quiet",
        "--set",
        "ON_ERROR_STOP=1",
        "--single-transaction",
        "--file",
        dump,
        restoreUrl,
      ]);

      const restored = await startServer({
        dataDir: scratch(),
        masterKey: coffer.masterKey,
        env: { COFFER_DATABASE_URL: restoreUrl, COFFER_DATABASE_SCHEMA: schema },
      });
      try {
        await expectConsistent(restored, writers.acknowledged);
        for (const [name, value] of before) {
          expect((await restored.api("GET", `${base}/${name}/value`)).body.data.value).toBe(value);
        }
        // It is a working instance: it takes writes too.
        expect((await restored.api("POST", base, { key: "AFTER_RESTORE", value: "x" })).status).toBe(201);
      } finally {
        await restored.server.close();
      }
      await expect(
        startServer({
          dataDir: scratch(),
          masterKey: generateMasterKey(),
          env: { COFFER_DATABASE_URL: restoreUrl, COFFER_DATABASE_SCHEMA: schema },
        }),
      ).rejects.toThrow(/master key does not match/);
    } finally {
      await coffer.close();
    }
  });
});
