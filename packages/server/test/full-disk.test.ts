// A database that runs out of space (the COFFER_STORAGE_MAX_BYTES quota, SQLite's max_page_count) mid-write: a
// clear 507, nothing half-written, no value without its audit event, reads go on, and writes come back with space.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { ConfigError, generateMasterKey, loadConfig } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ApiResponse,
  createToken,
  ON_POSTGRES,
  rawSql,
  secretsPath,
  startServer,
  TEST_PG_URL,
  type TestServer,
  tempDir,
} from "./helpers.ts";
import { runCli } from "./nodes.ts";

const PROJECT = "quota";
const base = secretsPath(PROJECT, "production");
const QUOTA = "1M";
/** At most this many writes to fill the quota: far more than 1 MiB needs, so a quota never reached fails the test. */
const MAX_FILL_WRITES = 300;

/** A random value of about `chars` characters (random, so nothing in the file shrinks it). */
const randomValue = (chars: number) => randomBytes(Math.ceil((chars * 3) / 4)).toString("base64");

type Filled = { written: Map<string, string>; refused: string[]; full: ApiResponse };

/**
 * Creates secrets, large then smaller, until even a small one is refused: then every b-tree is out of pages. Returns
 * what was acknowledged, what was refused, and the first refusal.
 */
async function fillUntilFull(coffer: TestServer, prefix: string): Promise<Filled> {
  const written = new Map<string, string>();
  const refused: string[] = [];
  let full: ApiResponse | undefined;
  let attempts = 0;
  for (const size of [48 * 1024, 4 * 1024, 300]) {
    for (;;) {
      if (++attempts > MAX_FILL_WRITES) throw new Error(`the ${QUOTA} quota was not reached`);
      const key = `${prefix}_${attempts}`;
      const value = randomValue(size);
      const response = await coffer.api("POST", base, { key, value });
      if (response.status === 201) {
        written.set(key, value);
        continue;
      }
      expect(response.status, response.text).toBe(507);
      refused.push(key);
      full ??= response;
      break;
    }
  }
  return { written, refused, full: full! };
}

function expectStorageFull(response: ApiResponse) {
  expect(response.status).toBe(507);
  expect(response.body.error.code).toBe("storage_full");
  expect(response.body.error.message).toMatch(/out of space: nothing of this request was saved/);
  expect(response.body.error.message).toContain("COFFER_STORAGE_MAX_BYTES");
}

async function auditEvents(coffer: TestServer, query: string) {
  const response = await coffer.api("GET", `/v1/audit?limit=1000&${query}`);
  expect(response.status).toBe(200);
  return response.body.events as { action: string; key: string; outcome: string }[];
}

describe("the storage quota setting", () => {
  const env = (value: string, extra: Record<string, string> = {}) => ({
    COFFER_MASTER_KEY: generateMasterKey(),
    COFFER_STORAGE_MAX_BYTES: value,
    ...extra,
  });

  it("takes bytes or a binary unit, and names the setting when the value is wrong", () => {
    expect(loadConfig([], env("2097152")).storageMaxBytes).toBe(2 * 1024 * 1024);
    expect(loadConfig([], env("512M")).storageMaxBytes).toBe(512 * 1024 * 1024);
    expect(loadConfig([], env("2GiB")).storageMaxBytes).toBe(2 * 1024 ** 3);
    expect(loadConfig([], { COFFER_MASTER_KEY: generateMasterKey() }).storageMaxBytes).toBeUndefined();
    for (const bad of ["lots", "10K", "-5M", "1.5G"]) {
      expect(() => loadConfig([], env(bad))).toThrow(ConfigError);
      expect(() => loadConfig([], env(bad))).toThrow(
        /COFFER_STORAGE_MAX_BYTES must be a size of at least 1M/,
      );
    }
  });

  it("is refused with PostgreSQL, whose space is limited in PostgreSQL itself", () => {
    expect(() => loadConfig([], env("1G", { COFFER_DATABASE_URL: TEST_PG_URL }))).toThrow(
      /COFFER_STORAGE_MAX_BYTES limits the embedded database only/,
    );
  });
});

// PostgreSQL has no per-database size limit to reach from a test (running it out of disk needs a tablespace on a
// small volume of its own); the mapping of its 53100/53200 errors to 507 is pinned in src/store/errors.test.ts.
describe.skipIf(ON_POSTGRES)("a database that runs out of space mid-write", () => {
  let dataDir = "";
  const masterKey = generateMasterKey();
  let coffer: TestServer | undefined;
  afterAll(async () => {
    await coffer?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses writes and value reads with 507, rolls them back whole, keeps serving metadata, and writes again once space is freed or the quota raised", async () => {
    dataDir = tempDir("coffer-full-");
    coffer = await startServer({ dataDir, masterKey, env: { COFFER_STORAGE_MAX_BYTES: QUOTA } });
    expect((await coffer.api("POST", "/v1/projects", { slug: PROJECT })).status).toBe(201);
    expect((await coffer.api("POST", base, { key: "KEPT", value: "kept-value-1" })).status).toBe(201);
    // Used for the first time only once the database is full: its last-used time cannot be written then.
    const reader = await createToken(coffer, { projects: [PROJECT], permissions: ["secrets:list"] });

    const first = await fillUntilFull(coffer, "FILL");
    expect(first.written.size).toBeGreaterThan(3);
    expectStorageFull(first.full);

    // An update and a Vault write are refused the same way, and change nothing.
    expectStorageFull(await coffer.api("PATCH", `${base}/KEPT`, { value: randomValue(48 * 1024) }));
    const vaultWrite = await fetch(`${coffer.url}/vault/v1/${PROJECT}/production/data/VAULT_FULL`, {
      method: "POST",
      headers: { "x-vault-token": coffer.rootToken, "content-type": "application/json" },
      body: JSON.stringify({ data: { value: randomValue(48 * 1024) } }),
    });
    expect(vaultWrite.status).toBe(507);
    expect(((await vaultWrite.json()) as { errors: string[] }).errors[0]).toContain("out of space");

    // Reveals until one cannot be audited: a value leaves only with its event, so that one is refused.
    let revealed = 0;
    let refusedReveal: ApiResponse | undefined;
    for (let attempt = 0; attempt < MAX_FILL_WRITES && refusedReveal === undefined; attempt++) {
      const response = await coffer.api("GET", `${base}/KEPT/value`);
      if (response.status === 200) {
        expect(response.body.data.value).toBe("kept-value-1");
        revealed++;
      } else refusedReveal = response;
    }
    expect(refusedReveal, "a reveal refused for lack of audit space").toBeDefined();
    expectStorageFull(refusedReveal!);
    expect(refusedReveal!.text).not.toContain("kept-value-1");
    const bulk = await coffer.api("POST", `/v1/projects/${PROJECT}/environments/production/values`, {
      keys: ["KEPT"],
    });
    expectStorageFull(bulk);
    expect(bulk.text).not.toContain("kept-value-1");

    // Metadata reads need no space, with a token never used before included.
    const listed = await coffer.api("GET", `${base}?limit=1000`, undefined, reader);
    expect(listed.status).toBe(200);
    const keys = (listed.body.secrets as { key: string }[]).map((secret) => secret.key);
    expect(keys).toEqual(expect.arrayContaining(["KEPT", ...first.written.keys()]));
    for (const key of first.refused) expect(keys).not.toContain(key);
    expect(keys).not.toContain("VAULT_FULL");
    expect((await coffer.api("GET", `${base}/KEPT`, undefined, reader)).body.version).toBe(1);
    expect((await coffer.api("GET", "/readyz", undefined, null)).status).toBe(200);

    // Deleting frees pages: the same server, and the same audit writer, take writes and reveals again.
    const big = [...first.written.keys()].slice(0, 3);
    for (const key of big) expect((await coffer.api("DELETE", `${base}/${key}`)).status).toBe(204);
    expect((await coffer.api("POST", base, { key: "AFTER_DELETE", value: "after-delete" })).status).toBe(201);
    const again = await coffer.api("GET", `${base}/KEPT/value`);
    expect(again.status).toBe(200);
    revealed++;
    expect(again.body).toMatchObject({ version: 1, data: { value: "kept-value-1" } });
    expect((await coffer.api("PATCH", `${base}/KEPT`, { value: "kept-value-2" })).body.version).toBe(2);

    // Every value that left has its event; no refused write left one.
    const reveals = await auditEvents(coffer, `key=KEPT&action=secret.reveal&outcome=success`);
    expect(reveals).toHaveLength(revealed);
    const updates = await auditEvents(coffer, "key=KEPT&action=secret.update&outcome=success");
    expect(updates).toHaveLength(1);
    for (const key of [...first.refused, "VAULT_FULL"]) {
      const events = await auditEvents(coffer, `key=${key}`);
      expect(events.filter((event) => event.outcome === "success")).toEqual([]);
    }

    // Full again; a restart with a larger quota takes writes.
    const second = await fillUntilFull(coffer, "REFILL");
    expectStorageFull(second.full);
    await coffer.server.close();
    coffer = await startServer({ dataDir, masterKey, env: { COFFER_STORAGE_MAX_BYTES: "3M" } });
    expect(
      (await coffer.api("POST", base, { key: "AFTER_RAISE", value: randomValue(48 * 1024) })).status,
    ).toBe(201);
    for (const [key, value] of [...first.written, ...second.written].slice(3)) {
      const read = await coffer.api("GET", `${base}/${key}/value`);
      expect(read.body.data.value, key).toBe(value);
    }

    expect((await coffer.api("POST", "/v1/audit/verify", {})).body).toMatchObject({ ok: true });
    const verify = await runCli(["audit", "verify"], {
      COFFER_ADDR: coffer.url,
      COFFER_TOKEN: coffer.rootToken,
    });
    expect(verify.stdout, verify.stderr).toMatch(/Audit log intact/);
    expect(verify.code).toBe(0);
    await coffer.server.close();
    coffer = undefined;

    // In the file: no secret without its current version, no version without its secret, no refused key anywhere.
    const sql = await rawSql(dataDir);
    try {
      const orphans = await sql.all(
        `select s.key from secrets s left join secret_versions v on v.secret_id = s.id and v.version = s.current_version
          where v.secret_id is null
         union all
         select v.secret_id from secret_versions v left join secrets s on s.id = v.secret_id where s.id is null`,
      );
      expect(orphans).toEqual([]);
      const refused = [...first.refused, ...second.refused, "VAULT_FULL"];
      const marks = refused.map(() => "?").join(", ");
      expect(await sql.all(`select key from secrets where key in (${marks})`, ...refused)).toEqual([]);
      const created = await sql.all("select secret_key from audit_events where action = 'secret.create'");
      const createdKeys = new Set(created.map((row) => String(row["secret_key"])));
      for (const key of refused) expect(createdKeys.has(key), key).toBe(false);
      for (const row of await sql.all("select key from secrets")) {
        expect(createdKeys.has(String(row["key"])), String(row["key"])).toBe(true);
      }
    } finally {
      await sql.close();
    }
  });
});
