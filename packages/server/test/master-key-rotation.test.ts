// Master-key rotation: every wrapped key is re-wrapped under the new master key in one transaction; no secret is
// touched, so the old key stops working at once and nothing is re-entered. Nodes keep serving across it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKey, rotateMasterCommand } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import { createKeyring, type Keyring } from "../src/crypto/keyring.ts";
import { deriveMasterKey, parseMasterKey } from "../src/crypto/master-key.ts";
import { createKeysRepo, type KeysRepo } from "../src/keys/keys-repo.ts";
import { rotateMasterKey } from "../src/keys/master-rotation.ts";
import { openStore } from "../src/main.ts";
import {
  databaseEnv,
  ON_POSTGRES,
  rawSql,
  schemaOf,
  secretsPath,
  startServer,
  TEST_PG_URL,
  type TestServer,
  tempDir,
} from "./helpers.ts";

const dataDirs: string[] = [];

afterAll(async () => {
  for (const dir of dataDirs) {
    rmSync(dir, { recursive: true, force: true });
    if (!ON_POSTGRES) continue;
    const sql = await rawSql(dir);
    await sql.run(`drop schema if exists ${schemaOf(dir)} cascade`);
    await sql.close();
  }
});

/** A fresh instance under `key`, whose data directory (and schema) outlives its server. */
async function newInstance(key: string): Promise<TestServer> {
  const dataDir = tempDir();
  dataDirs.push(dataDir);
  return startServer({ dataDir, masterKey: key });
}

/** `coffer keys rotate-master` as the operator runs it, beside or without a server. */
async function rotateWithCommand(dataDir: string, from: string, to: string): Promise<string> {
  const out: string[] = [];
  await rotateMasterCommand(
    ["--data-dir", dataDir],
    { COFFER_MASTER_KEY: to, COFFER_MASTER_KEY_PREVIOUS: from, ...databaseEnv(dataDir) },
    { stdout: { write: (text: string) => out.push(text) }, readStdin: async () => "" },
  );
  return out.join("");
}

function openStoreOf(dataDir: string) {
  return openStore({
    databaseFile: join(dataDir, "coffer.db"),
    database: ON_POSTGRES ? { url: TEST_PG_URL, schema: schemaOf(dataDir), poolSize: 2 } : undefined,
  });
}

async function keyringOf(key: string): Promise<Keyring> {
  // Raw keys need no KDF parameters.
  return createKeyring(await deriveMasterKey(parseMasterKey(key), undefined));
}

/** Which master key opens every wrapped key and the key check: "old", "new", or "mixed" when neither opens all. */
async function wrappedUnder(dataDir: string, keys: { old: string; new: string }): Promise<string> {
  const rings = { old: await keyringOf(keys.old), new: await keyringOf(keys.new) };
  const sql = await rawSql(dataDir);
  try {
    const wrapped = [
      ...(await sql.all("select project_id, version, wrapped_key from data_keys")).map((row) => ({
        owner: String(row["project_id"]),
        version: Number(row["version"]),
        wrapped: Buffer.from(String(row["wrapped_key"]), "base64"),
      })),
      ...(
        await sql.all(
          "select name, value from instance_meta where name in ('token_hash_key', 'audit_hash_key')",
        )
      ).map((row) => ({
        owner: row["name"] === "token_hash_key" ? "instance/token-hash" : "instance/audit-chain",
        version: 1,
        wrapped: Buffer.from(String(row["value"]), "base64"),
      })),
    ];
    const [check] = await sql.all("select value from instance_meta where name = 'key_check'");
    const opensAll = (ring: Keyring) =>
      ring.verifyKeyCheck(Buffer.from(String(check?.["value"]), "base64")) &&
      wrapped.every(({ owner, version, wrapped: bytes }) => {
        try {
          ring.unwrapDataKey(owner, version, bytes);
          return true;
        } catch {
          return false;
        }
      });
    if (opensAll(rings.old)) return "old";
    if (opensAll(rings.new)) return "new";
    return "mixed";
  } finally {
    await sql.close();
  }
}

async function expectValue(
  server: TestServer,
  project: string,
  key: string,
  value: string,
  version?: number,
) {
  const base = secretsPath(project, "production");
  const path = version === undefined ? `${base}/${key}/value` : `${base}/${key}/versions/${version}/value`;
  const response = await server.api("GET", path);
  expect(response.status, response.text).toBe(200);
  expect(response.body.data.value).toBe(value);
}

describe("master-key rotation", () => {
  it("re-wraps the keys: values written before read the same after a restart with only the new key, and the old key alone is refused", async () => {
    const oldKey = generateMasterKey();
    const newKey = generateMasterKey();
    const first = await newInstance(oldKey);
    for (const project of ["alpha", "beta"]) {
      await first.api("POST", "/v1/projects", { slug: project });
      const base = secretsPath(project, "production");
      await first.api("POST", base, { key: "DB_PASSWORD", value: `${project}-v1` });
      await first.api("PATCH", `${base}/DB_PASSWORD`, { value: `${project}-v2` });
    }
    await first.server.close();

    const output = await rotateWithCommand(first.dataDir, oldKey, newKey);
    expect(output).toMatch(/^Re-wrapped 2 data keys under the new master key in [\d.]+ ms\./);
    expect(await wrappedUnder(first.dataDir, { old: oldKey, new: newKey })).toBe("new");

    await expect(startServer({ dataDir: first.dataDir, masterKey: oldKey })).rejects.toThrow(
      /master key does not match this instance's data/,
    );
    const after = await startServer({ dataDir: first.dataDir, masterKey: newKey });
    try {
      for (const project of ["alpha", "beta"]) {
        await expectValue(after, project, "DB_PASSWORD", `${project}-v2`);
        await expectValue(after, project, "DB_PASSWORD", `${project}-v1`, 1);
      }
      // The token-hash and audit-chain keys were re-wrapped too: old tokens and the chain still hold.
      expect((await after.api("GET", "/v1/projects", undefined, first.rootToken)).status).toBe(200);
      expect((await after.api("POST", "/v1/audit/verify", {})).body).toMatchObject({ ok: true });
    } finally {
      await after.server.close();
    }
  });

  it("a node started with the new and the previous key keeps serving across the rotation, and after a restart with the new key only", async () => {
    const oldKey = generateMasterKey();
    const newKey = generateMasterKey();
    const first = await newInstance(oldKey);
    await first.api("POST", "/v1/projects", { slug: "old" });
    await first.api("POST", secretsPath("old", "production"), { key: "K", value: "written-under-old" });
    await first.server.close();

    const node = await startServer({
      dataDir: first.dataDir,
      masterKey: newKey,
      env: { COFFER_MASTER_KEY_PREVIOUS: oldKey },
    });
    try {
      // Created in the transition window: its data key is wrapped with the new key already.
      await node.api("POST", "/v1/projects", { slug: "window" });
      await node.api("POST", secretsPath("window", "production"), { key: "K", value: "written-in-window" });

      expect(await rotateWithCommand(first.dataDir, oldKey, newKey)).toContain("Re-wrapped 2 data keys");

      expect((await node.api("POST", "/v1/projects", { slug: "after" })).status).toBe(201);
      await node.api("POST", secretsPath("after", "production"), { key: "K", value: "written-after" });
      await expectValue(node, "old", "K", "written-under-old");
      await expectValue(node, "window", "K", "written-in-window");
      await expectValue(node, "after", "K", "written-after");
      await node.api("PATCH", `${secretsPath("old", "production")}/K`, { value: "updated-after" });
    } finally {
      await node.server.close();
    }

    expect(await wrappedUnder(first.dataDir, { old: oldKey, new: newKey })).toBe("new");
    const restarted = await startServer({ dataDir: first.dataDir, masterKey: newKey });
    try {
      await expectValue(restarted, "old", "K", "updated-after");
      await expectValue(restarted, "old", "K", "written-under-old", 1);
      await expectValue(restarted, "window", "K", "written-in-window");
      await expectValue(restarted, "after", "K", "written-after");
    } finally {
      await restarted.server.close();
    }
  });

  it("is atomic: a rotation failing half-way leaves every key wrapped under the old master key, nothing mixed", async () => {
    const oldKey = generateMasterKey();
    const newKey = generateMasterKey();
    const first = await newInstance(oldKey);
    for (let n = 1; n <= 5; n++) {
      await first.api("POST", "/v1/projects", { slug: `p${n}` });
      await first.api("POST", secretsPath(`p${n}`, "production"), { key: "K", value: `value-${n}` });
    }
    await first.server.close();
    const keys = { from: parseMasterKey(oldKey), to: parseMasterKey(newKey) };

    // A failure after two of the five data keys were re-wrapped (a lost connection, a full disk…).
    const repo = createKeysRepo();
    let updates = 0;
    const failing: KeysRepo = {
      ...repo,
      async updateDataKey(db, projectId, version, wrapped) {
        if (++updates === 3) throw new Error("connection lost half-way");
        await repo.updateDataKey(db, projectId, version, wrapped);
      },
    };
    const store = await openStoreOf(first.dataDir);
    try {
      await expect(rotateMasterKey(store, failing, keys)).rejects.toThrow("connection lost half-way");
    } finally {
      await store.close();
    }
    expect(updates).toBe(3);
    expect(await wrappedUnder(first.dataDir, { old: oldKey, new: newKey })).toBe("old");

    // A data key that opens with neither key (the database was altered) stops it the same way.
    const sql = await rawSql(first.dataDir);
    const [last] = await sql.all(
      "select project_id, wrapped_key from data_keys order by project_id desc limit 1",
    );
    const altered = Buffer.from(String(last?.["wrapped_key"]), "base64");
    altered[altered.length - 1]! ^= 0x01;
    await sql.run(
      "update data_keys set wrapped_key = ? where project_id = ?",
      altered.toString("base64"),
      String(last?.["project_id"]),
    );
    await expect(rotateWithCommand(first.dataDir, oldKey, newKey)).rejects.toThrow(
      /opens with neither master key .*nothing was changed/,
    );
    await sql.run(
      "update data_keys set wrapped_key = ? where project_id = ?",
      String(last?.["wrapped_key"]),
      String(last?.["project_id"]),
    );
    await sql.close();
    expect(await wrappedUnder(first.dataDir, { old: oldKey, new: newKey })).toBe("old");

    const stillOld = await startServer({ dataDir: first.dataDir, masterKey: oldKey });
    try {
      for (let n = 1; n <= 5; n++) await expectValue(stillOld, `p${n}`, "K", `value-${n}`);
    } finally {
      await stillOld.server.close();
    }
    // Run again, it completes; and running it once more (both keys still given) is harmless.
    await rotateWithCommand(first.dataDir, oldKey, newKey);
    await rotateWithCommand(first.dataDir, oldKey, newKey);
    expect(await wrappedUnder(first.dataDir, { old: oldKey, new: newKey })).toBe("new");
  });

  it("costs the same whatever the number of secrets: it writes the data keys and instance keys, never a secret", async () => {
    const oldKey = generateMasterKey();
    const midKey = generateMasterKey();
    const newKey = generateMasterKey();
    const first = await newInstance(oldKey);
    for (const project of ["a", "b", "c"]) await first.api("POST", "/v1/projects", { slug: project });
    const write = async (server: TestServer, from: number, to: number) => {
      for (let start = from; start < to; start += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, to - start) }, (_, i) =>
            server.api("POST", secretsPath("a", "production"), {
              key: `S${start + i}`,
              value: `v${start + i}`,
            }),
          ),
        );
      }
    };
    await write(first, 0, 20);
    await first.server.close();

    /** Rotates through a repo that counts the rows it writes; returns the count and the report. */
    const rotateCounting = async (from: string, to: string) => {
      const repo = createKeysRepo();
      let rowsWritten = 0;
      const counting: KeysRepo = {
        ...repo,
        updateDataKey: async (...args) => {
          rowsWritten++;
          await repo.updateDataKey(...args);
        },
        updateMeta: async (...args) => {
          rowsWritten++;
          await repo.updateMeta(...args);
        },
      };
      const store = await openStoreOf(first.dataDir);
      try {
        const report = await rotateMasterKey(store, counting, {
          from: parseMasterKey(from),
          to: parseMasterKey(to),
        });
        return { rowsWritten, dataKeys: report.dataKeys };
      } finally {
        await store.close();
      }
    };
    const secretRows = async () => {
      const sql = await rawSql(first.dataDir);
      const rows = await sql.all("select secret_id, version, key_version, ciphertexts from secret_versions");
      await sql.close();
      return rows.map((row) => JSON.stringify(row)).sort();
    };

    const before = await secretRows();
    const small = await rotateCounting(oldKey, midKey);
    expect(await secretRows()).toEqual(before);

    const again = await startServer({ dataDir: first.dataDir, masterKey: midKey });
    await write(again, 20, 200);
    await again.server.close();
    const large = await rotateCounting(midKey, newKey);

    // Three data keys, plus the token-hash key, the audit-chain key and the key check.
    expect(small).toEqual({ rowsWritten: 6, dataKeys: 3 });
    expect(large).toEqual(small);
    expect(before).toHaveLength(20);
    expect(await secretRows()).toHaveLength(200);
  });
});
