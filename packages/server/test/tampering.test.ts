// Stored data altered behind Coffer's back fails closed, with a clear error, on every surface that reads it: a flipped
// byte, a ciphertext moved between secrets, versions, fields or projects, an altered wrapped key or key check, and a
// truncated database file. Never a wrong plaintext, never the ciphertext. (security.test.ts covers a wrong master key
// and the first two cases on the reveal route.)
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { generateMasterKey, serve } from "@coffer/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiResponse,
  databaseEnv,
  ON_POSTGRES,
  type RawSql,
  rawSql,
  schemaOf,
  secretsPath,
  startServer,
  type TestServer,
  tempDir,
} from "./helpers.ts";
import { runCli } from "./nodes.ts";
import { startEchoUpstream, type Upstream } from "./upstreams.ts";

const plain = (name: string) => `${name}-${randomBytes(12).toString("hex")}`;

/** The envelope with one bit of its encrypted body flipped (past the 5-byte header and the 12-byte nonce). */
function flipped(envelope: string, index = 20): string {
  const bytes = Buffer.from(envelope, "base64");
  bytes[index]! ^= 0x01;
  return bytes.toString("base64");
}

/** Removes a test's data: its directory, and on PostgreSQL its schema. */
async function removeData(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (!ON_POSTGRES) return;
  const sql = await rawSql(dataDir);
  await sql.run(`drop schema if exists ${schemaOf(dataDir)} cascade`);
  await sql.close();
}

async function secretId(sql: RawSql, project: string, key: string): Promise<string> {
  const rows = await sql.all(
    `select s.id from secrets s join environments e on e.id = s.environment_id
       join projects p on p.id = e.project_id where p.slug = ? and e.slug = 'production' and s.key = ?`,
    project,
    key,
  );
  return String(rows[0]?.["id"]);
}

async function ciphertextsOf(sql: RawSql, id: string, version: number): Promise<Record<string, string>> {
  const rows = await sql.all(
    "select ciphertexts from secret_versions where secret_id = ? and version = ?",
    id,
    version,
  );
  return JSON.parse(String(rows[0]?.["ciphertexts"])) as Record<string, string>;
}

async function setCiphertexts(sql: RawSql, id: string, version: number, fields: Record<string, string>) {
  await sql.run(
    "update secret_versions set ciphertexts = ? where secret_id = ? and version = ?",
    JSON.stringify(fields),
    id,
    version,
  );
}

describe("tampered values", () => {
  const dataDir = tempDir("coffer-tamper-");
  const masterKey = generateMasterKey();
  let coffer: TestServer;
  let echo: Upstream;
  /** Every plaintext and every stored envelope: none may appear in a response to a read of a tampered value. */
  const values = new Map<string, string>();
  const envelopes: string[] = [];
  const destination = () => `127.0.0.1:${echo.port}`;

  /** A tampered secret, where it lives, and a reference to the field that was altered. */
  const TAMPERED = [
    { project: "alpha", key: "FLIPPED", reference: "$SECRET/FLIPPED", what: "a flipped byte" },
    { project: "alpha", key: "SWAPPED", reference: "$SECRET/SWAPPED", what: "another secret's ciphertext" },
    {
      project: "alpha",
      key: "VERSIONED",
      reference: "$SECRET/VERSIONED",
      what: "another version's ciphertext",
    },
    {
      project: "alpha",
      key: "MULTI",
      reference: "$SECRET/MULTI.password",
      what: "another field's ciphertext",
    },
    { project: "beta", key: "CROSS", reference: "$SECRET/CROSS", what: "another project's ciphertext" },
    {
      project: "gamma",
      key: "UNDER_BAD_KEY",
      reference: "$SECRET/UNDER_BAD_KEY",
      what: "an altered data key",
    },
  ];

  async function create(project: string, key: string, body: Record<string, unknown>) {
    const response = await coffer.api("POST", secretsPath(project, "production"), {
      key,
      allowedDestinations: [destination()],
      ...body,
    });
    expect(response.status, response.text).toBe(201);
  }

  beforeAll(async () => {
    echo = await startEchoUpstream();
    coffer = await startServer({ dataDir, masterKey, env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } });
    for (const slug of ["alpha", "beta", "gamma"]) {
      expect((await coffer.api("POST", "/v1/projects", { slug })).status).toBe(201);
    }
    for (const name of ["GOOD", "FLIPPED", "SWAPPED", "VERSIONED-1", "VERSIONED-2", "USER", "PASSWORD"]) {
      values.set(name, plain(name.toLowerCase()));
    }
    values.set("CROSS-ALPHA", plain("cross-alpha"));
    values.set("CROSS-BETA", plain("cross-beta"));
    values.set("UNDER_BAD_KEY", plain("under-bad-key"));
    for (const key of ["GOOD", "FLIPPED", "SWAPPED"]) await create("alpha", key, { value: values.get(key) });
    await create("alpha", "VERSIONED", { value: values.get("VERSIONED-1") });
    const update = await coffer.api("PATCH", `${secretsPath("alpha", "production")}/VERSIONED`, {
      value: values.get("VERSIONED-2"),
    });
    expect(update.body.version).toBe(2);
    await create("alpha", "MULTI", {
      fields: { user: values.get("USER"), password: values.get("PASSWORD") },
    });
    await create("alpha", "CROSS", { value: values.get("CROSS-ALPHA") });
    await create("beta", "CROSS", { value: values.get("CROSS-BETA") });
    await create("gamma", "UNDER_BAD_KEY", { value: values.get("UNDER_BAD_KEY") });
    for (const { project, key, reference } of TAMPERED) {
      const connection = await coffer.api("POST", `/v1/projects/${project}/connections`, {
        name: `use-${key.toLowerCase().replaceAll("_", "-")}`,
        baseUrl: echo.url,
        headers: { "x-api-key": reference },
      });
      expect(connection.status, connection.text).toBe(201);
    }
    await coffer.server.close();

    const sql = await rawSql(dataDir);
    try {
      for (const row of await sql.all("select ciphertexts from secret_versions")) {
        envelopes.push(...Object.values(JSON.parse(String(row["ciphertexts"])) as Record<string, string>));
      }
      const alpha = (key: string) => secretId(sql, "alpha", key);
      const flip = await ciphertextsOf(sql, await alpha("FLIPPED"), 1);
      await setCiphertexts(sql, await alpha("FLIPPED"), 1, { value: flipped(flip["value"]!) });
      await setCiphertexts(sql, await alpha("SWAPPED"), 1, await ciphertextsOf(sql, await alpha("GOOD"), 1));
      // Versions 1 and 2 trade places: neither opens in the other's row.
      const versioned = await alpha("VERSIONED");
      const [first, second] = [
        await ciphertextsOf(sql, versioned, 1),
        await ciphertextsOf(sql, versioned, 2),
      ];
      await setCiphertexts(sql, versioned, 1, second);
      await setCiphertexts(sql, versioned, 2, first);
      const multi = await ciphertextsOf(sql, await alpha("MULTI"), 1);
      await setCiphertexts(sql, await alpha("MULTI"), 1, { user: multi["user"]!, password: multi["user"]! });
      // Same key, same field, same version: only the project (and its data key) differs.
      const cross = await ciphertextsOf(sql, await alpha("CROSS"), 1);
      await setCiphertexts(sql, await secretId(sql, "beta", "CROSS"), 1, cross);
      const [gamma] = await sql.all("select id from projects where slug = 'gamma'");
      const [dataKey] = await sql.all(
        "select wrapped_key from data_keys where project_id = ?",
        String(gamma?.["id"]),
      );
      await sql.run(
        "update data_keys set wrapped_key = ? where project_id = ?",
        flipped(String(dataKey?.["wrapped_key"]), 30),
        String(gamma?.["id"]),
      );
    } finally {
      await sql.close();
    }
    coffer = await startServer({ dataDir, masterKey, env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } });
  });

  afterAll(async () => {
    await coffer?.server.close();
    await echo?.close();
    await removeData(dataDir);
  });

  /** A fail-closed answer: the status and code given, and not a byte of any value or stored envelope. */
  function expectClosed(response: { status: number; text: string }, status = 500) {
    expect(response.status, response.text).toBe(status);
    for (const value of values.values()) expect(response.text).not.toContain(value);
    for (const envelope of envelopes) expect(response.text).not.toContain(envelope);
  }

  function expectIntegrityError(response: ApiResponse, message: RegExp) {
    expectClosed(response);
    expect(response.body.error.code).toBe("integrity_error");
    expect(response.body.error.message).toMatch(message);
  }

  const messageFor = (key: string, version = "\\d+") =>
    key === "UNDER_BAD_KEY"
      ? /data key \(version 1\) failed its integrity check: the database was altered/
      : new RegExp(`Secret "${key}" version ${version} could not be decrypted: .*failed the integrity check`);

  it.each(TAMPERED)("$what: the reveal routes answer integrity_error", async ({ project, key }) => {
    const base = secretsPath(project, "production");
    expectIntegrityError(await coffer.api("GET", `${base}/${key}/value`), messageFor(key));
    expectIntegrityError(
      await coffer.api("POST", `/v1/projects/${project}/environments/production/values`, { keys: [key] }),
      messageFor(key),
    );
    if (key === "VERSIONED") {
      expectIntegrityError(await coffer.api("GET", `${base}/${key}/versions/1/value`), messageFor(key, "1"));
      // A rollback would have to decrypt the version it copies: it fails the same way and writes nothing.
      expectIntegrityError(
        await coffer.api("POST", `${base}/${key}/rollback`, { version: 1 }),
        messageFor(key),
      );
      expect((await coffer.api("GET", `${base}/${key}`)).body.version).toBe(2);
    }
  });

  it.each(TAMPERED)(
    "$what: resolve, the proxy, the HTTP action and the Vault API refuse it whole",
    async ({ project, key, reference }) => {
      const env = `/v1/projects/${project}/environments/production`;
      const resolved = await coffer.api("POST", `${env}/resolve`, {
        template: { safe: "$SECRET/GOOD", tampered: reference },
      });
      expectIntegrityError(resolved, messageFor(key));

      const sent = echo.received.length;
      const connection = `use-${key.toLowerCase().replaceAll("_", "-")}`;
      expectIntegrityError(
        await coffer.api("GET", `/v1/proxy/${project}/production/${connection}/anything`),
        messageFor(key),
      );
      const action = await coffer.api("POST", `${env}/http`, {
        method: "GET",
        url: `${echo.url}/action`,
        headers: { "x-api-key": reference },
      });
      expectIntegrityError(action, messageFor(key));
      expect(echo.received.length, "nothing reached the upstream").toBe(sent);

      const vault = await fetch(`${coffer.url}/vault/v1/${project}/production/data/${key}`, {
        headers: { "x-vault-token": coffer.rootToken },
      });
      const text = await vault.text();
      expectClosed({ status: vault.status, text });
      expect((JSON.parse(text) as { errors: string[] }).errors.join(" ")).toMatch(
        /failed its integrity check|failed the integrity check/,
      );
    },
  );

  it("a bulk reveal of intact secrets next to tampered ones does not quietly leave the tampered ones out", async () => {
    const bulk = await coffer.api("POST", "/v1/projects/alpha/environments/production/values", {
      keys: ["GOOD", "FLIPPED"],
    });
    expectIntegrityError(bulk, messageFor("FLIPPED"));
    const everything = await coffer.api("POST", "/v1/projects/alpha/environments/production/values", {});
    expectIntegrityError(
      everything,
      /could not be decrypted: .*failed the integrity check.*No value was returned/,
    );
    const good = await coffer.api("POST", "/v1/projects/alpha/environments/production/values", {
      keys: ["GOOD", "CROSS"],
    });
    expect(good.status).toBe(200);
    expect(good.body.secrets).toHaveLength(2);
    expect(good.body.secrets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: "GOOD", data: { value: values.get("GOOD") } }),
        expect.objectContaining({ key: "CROSS", data: { value: values.get("CROSS-ALPHA") } }),
      ]),
    );
  });

  it("a project whose data key was altered takes no new value, and the other projects work on", async () => {
    const created = await coffer.api("POST", secretsPath("gamma", "production"), {
      key: "NEW",
      value: "new",
    });
    expectIntegrityError(created, messageFor("UNDER_BAD_KEY"));
    expect((await coffer.api("GET", `${secretsPath("gamma", "production")}/NEW`)).status).toBe(404);
    const read = await coffer.api("GET", `${secretsPath("alpha", "production")}/GOOD/value`);
    expect(read.body.data.value).toBe(values.get("GOOD"));
  });

  it("no tampered value was ever recorded as revealed or used, and the audit chain is intact", async () => {
    const response = await coffer.api("GET", "/v1/audit?limit=1000&outcome=success");
    const events = response.body.events as { action: string; project: string; key: string | null }[];
    const reads = events.filter((event) => event.action === "secret.reveal" || event.action === "secret.use");
    for (const { project, key } of TAMPERED) {
      expect(reads.filter((event) => event.project === project && event.key === key)).toEqual([]);
    }
    expect(reads.some((event) => event.key === "GOOD")).toBe(true);
    expect((await coffer.api("POST", "/v1/audit/verify", {})).body).toMatchObject({ ok: true });
  });
});

describe("an altered instance key", () => {
  const dataDir = tempDir("coffer-tamper-meta-");
  const masterKey = generateMasterKey();
  const env = { COFFER_MASTER_KEY: masterKey, COFFER_LOG_LEVEL: "warn", ...databaseEnv(dataDir) };
  const attempt = () => serve(["--port", "0", "--data-dir", dataDir], env, { write: () => undefined });

  beforeAll(async () => {
    const coffer = await startServer({ dataDir, masterKey });
    await coffer.api("POST", "/v1/projects", { slug: "kept" });
    await coffer.server.close();
  });
  afterAll(() => removeData(dataDir));

  it.each([
    {
      name: "key_check",
      refusal:
        /stored key check failed its integrity check, yet this master key opens .* the database was altered/,
    },
    {
      name: "token_hash_key",
      refusal: /token hashing key failed its integrity check: the database was altered/,
    },
    {
      name: "audit_hash_key",
      refusal: /audit chain key failed its integrity check: the database was altered/,
    },
  ])("a flipped byte in $name stops start-up with a message that says so", async ({ name, refusal }) => {
    const sql = await rawSql(dataDir);
    const [row] = await sql.all("select value from instance_meta where name = ?", name);
    const original = String(row?.["value"]);
    await sql.run("update instance_meta set value = ? where name = ?", flipped(original), name);
    await sql.close();
    await expect(attempt()).rejects.toThrow(refusal);
    await expect(attempt()).rejects.toThrow(/Restore it from a backup \(coffer restore\)/);

    const repair = await rawSql(dataDir);
    await repair.run("update instance_meta set value = ? where name = ?", original, name);
    await repair.close();
    const server = await attempt();
    await server.close();
  });
});

// A PostgreSQL database has no file to cut short: its damage is PostgreSQL's to detect and repair.
describe.skipIf(ON_POSTGRES)("a truncated database file", () => {
  let dataDir = "";
  let file = "";
  let intact = "";
  const masterKey = generateMasterKey();
  const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

  beforeAll(async () => {
    dataDir = tempDir("coffer-truncated-");
    file = join(dataDir, "coffer.db");
    intact = join(dataDir, "intact.db");
    const coffer = await startServer({ dataDir, masterKey });
    await coffer.api("POST", "/v1/projects", { slug: "cut" });
    for (let i = 0; i < 100; i++) {
      await coffer.api("POST", secretsPath("cut", "production"), { key: `K${i}`, value: `value-${i}` });
    }
    await coffer.server.close();
    copyFileSync(file, intact);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** `coffer serve` as an operator runs it: its exit code and what it printed. */
  const serveCli = () =>
    runCli(["serve", "--port", "0", "--data-dir", dataDir], { COFFER_MASTER_KEY: masterKey }, "", 30_000);

  it.each([
    {
      cut: "half",
      size: () => Math.floor(readFileSync(intact).length / 2),
      problem: /is damaged \(SQLite: /,
    },
    { cut: "all", size: () => 0, problem: /is empty \(0 bytes\)/ },
  ])(
    "cut to $cut: start-up refuses, names the file and says to restore it, and serves nothing",
    async ({ size, problem }) => {
      copyFileSync(intact, file);
      truncateSync(file, size());
      const before = sha256(file);
      const run = await serveCli();
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Error: The database file ${file} `);
      expect(run.stderr).toMatch(problem);
      expect(run.stderr).toMatch(
        /Coffer stopped before using it and changed nothing\. Restore it from a backup/,
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stdout).not.toContain("listening");
      expect(sha256(file)).toBe(before);
    },
  );

  it("a page overwritten inside the file: a read that reaches it answers storage_damaged, never a value", async () => {
    writeFileSync(file, readFileSync(intact));
    const db = new DatabaseSync(file, { readOnly: true });
    const { rootpage } = db
      .prepare("select rootpage from sqlite_schema where name = 'secret_versions'")
      .get() as {
      rootpage: number;
    };
    const { page_size } = db.prepare("PRAGMA page_size").get() as { page_size: number };
    db.close();
    const bytes = readFileSync(file);
    bytes.fill(0xff, (rootpage - 1) * page_size, rootpage * page_size);
    writeFileSync(file, bytes);
    const coffer = await startServer({ dataDir, masterKey });
    try {
      const read = await coffer.api("GET", `${secretsPath("cut", "production")}/K7/value`);
      expect(read.status).toBe(500);
      expect(read.body.error.code).toBe("storage_damaged");
      expect(read.body.error.message).toMatch(
        /The database file is damaged: .*restore the database from a backup/,
      );
      expect(read.text).not.toContain("value-7");
    } finally {
      await coffer.server.close();
    }
  });

  it("the intact file put back starts and serves every secret", async () => {
    writeFileSync(file, readFileSync(intact));
    const coffer = await startServer({ dataDir, masterKey });
    try {
      const all = await coffer.api("POST", "/v1/projects/cut/environments/production/values", {});
      expect(all.body.secrets).toHaveLength(100);
    } finally {
      await coffer.server.close();
    }
  });
});
