// The real, unmodified node-vault client (from the npm registry) against a real Coffer server: the main listener
// (/vault/v1/…) and the Vault listener (--vault-port, /v1/…). Bodies are checked field by field against the
// reference (compat-apis.md Part 1).
import nodeVault from "node-vault";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, rawSql, secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
let vaultUrl: string;
/** node-vault on the Vault listener, with the root token. */
let vault: ReturnType<typeof nodeVault>;

// biome-ignore lint/suspicious/noExplicitAny: Vault bodies are arbitrary JSON; the assertions check their shape.
type Json = any;

const MOUNT = "payments/production";
const ENVELOPE_KEYS = [
  "request_id",
  "lease_id",
  "renewable",
  "lease_duration",
  "data",
  "wrap_info",
  "warnings",
  "auth",
  "mount_type",
];
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function client(options: { token?: string; listener?: "main" | "vault"; noCustomHTTPVerbs?: boolean } = {}) {
  return nodeVault({
    endpoint: options.listener === "main" ? `${coffer.url}/vault` : vaultUrl,
    token: options.token ?? coffer.rootToken,
    noCustomHTTPVerbs: options.noCustomHTTPVerbs ?? false,
  });
}

/** The ApiResponseError node-vault rejects with: its status and the body Coffer sent. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: Json; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { response, message } = error as {
      response?: { statusCode: number; body: unknown };
      message: string;
    };
    if (response === undefined) throw error;
    return { status: response.statusCode, body: response.body, message };
  }
  throw new Error("expected the request to fail");
}

function expectEnvelope(body: Json, mountType: string) {
  expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
  expect(body.request_id).toMatch(UUID);
  expect(body).toMatchObject({
    lease_id: "",
    renewable: false,
    lease_duration: 0,
    wrap_info: null,
    auth: null,
  });
  expect(body.mount_type).toBe(mountType);
}

function expectVersionMetadata(
  metadata: Json,
  expected: { version: number; deleted?: boolean; destroyed?: boolean },
) {
  expect(Object.keys(metadata)).toEqual([
    "created_time",
    "custom_metadata",
    "deletion_time",
    "destroyed",
    "version",
  ]);
  expect(metadata.created_time).toMatch(TIME);
  expect(metadata.version).toBe(expected.version);
  expect(metadata.destroyed).toBe(expected.destroyed ?? false);
  if (expected.deleted) expect(metadata.deletion_time).toMatch(TIME);
  else expect(metadata.deletion_time).toBe("");
}

async function auditActions(key: string): Promise<string[]> {
  const response = await coffer.api(
    "GET",
    `/v1/audit?project=payments&key=${encodeURIComponent(key)}&limit=100`,
  );
  return (response.body.events as { action: string; outcome: string }[])
    .reverse()
    .map((event) => (event.outcome === "success" ? event.action : `${event.action}:${event.outcome}`));
}

async function storedVersions(key: string) {
  const sql = await rawSql(coffer.dataDir);
  try {
    return await sql.all(
      "select v.version, v.ciphertexts, v.deletion_time, v.destroyed from secret_versions v " +
        "join secrets s on s.id = v.secret_id where s.key = ? order by v.version",
      key,
    );
  } finally {
    await sql.close();
  }
}

beforeAll(async () => {
  coffer = await startServer({ env: { COFFER_VAULT_PORT: "0" } });
  vaultUrl = coffer.server.vaultUrl()!;
  vault = client();
  expect((await coffer.api("POST", "/v1/projects", { slug: "payments" })).status).toBe(201);
  expect((await coffer.api("POST", "/v1/projects", { slug: "other" })).status).toBe(201);
});
afterAll(() => coffer.close());

describe("writing and reading with node-vault", () => {
  it("writes a secret and answers with the new version's metadata in Vault's envelope", async () => {
    const body = await vault.write(`${MOUNT}/data/app/db`, { data: { password: "p1" }, options: { cas: 0 } });
    expectEnvelope(body, "kv");
    expect(body.warnings).toBeNull();
    expectVersionMetadata(body.data, { version: 1 });
    expect(body.data.custom_metadata).toBeNull();
    const stored = await coffer.api("GET", `${secretsPath("payments", "production")}/app%2Fdb/value`);
    expect(stored.body).toEqual({ key: "app/db", version: 1, data: { password: "p1" } });
  });

  it("reads the current version, and an older one with ?version", async () => {
    await vault.write(`${MOUNT}/data/app/db`, { data: { password: "p2", user: "app" } });
    const current = await vault.read(`${MOUNT}/data/app/db`);
    expectEnvelope(current, "kv");
    expect(Object.keys(current.data)).toEqual(["data", "metadata"]);
    expect(current.data.data).toEqual({ password: "p2", user: "app" });
    expectVersionMetadata(current.data.metadata, { version: 2 });
    const old = await vault.read(`${MOUNT}/data/app/db?version=1`);
    expect(old.data.data).toEqual({ password: "p1" });
    expectVersionMetadata(old.data.metadata, { version: 1 });
  });

  it("answers 404 with an empty errors list for a key or version that does not exist", async () => {
    // 3000000000: past what a version number can be; PostgreSQL would refuse to compare it (a 400, not a 404).
    const paths = [
      `${MOUNT}/data/nothing-here`,
      `${MOUNT}/data/app/db?version=99`,
      `${MOUNT}/data/app/db?version=3000000000`,
    ];
    for (const path of paths) {
      const error = await failure(vault.read(path));
      expect(error).toMatchObject({ status: 404, body: { errors: [] }, message: "Status 404" });
    }
  });

  it("gives non-string JSON values back as written, while Coffer's API shows their JSON text", async () => {
    const data = {
      port: 5432,
      enabled: false,
      tags: ["a", "b"],
      nested: { depth: 1 },
      nothing: null,
      text: "t",
    };
    await vault.write(`${MOUNT}/data/typed`, { data });
    expect((await vault.read(`${MOUNT}/data/typed`)).data.data).toEqual(data);
    const stored = await coffer.api("GET", `${secretsPath("payments", "production")}/typed/value`);
    expect(stored.body.data).toMatchObject({
      port: "5432",
      enabled: "false",
      nested: '{"depth":1}',
      text: "t",
    });
    // A field changed through Coffer's API holds a string from then on; the others keep their JSON type.
    await coffer.api("PATCH", `${secretsPath("payments", "production")}/typed`, { fields: { port: "6543" } });
    expect((await vault.read(`${MOUNT}/data/typed`)).data.data).toMatchObject({
      port: "6543",
      enabled: false,
    });
  });

  it("applies Coffer's rules for keys, fields and values, as Vault-style 400s", async () => {
    const cases: [string, unknown, RegExp][] = [
      [`${MOUNT}/data/1bad`, { data: { a: "b" } }, /Secret key segment "1bad" must start with a letter/],
      [`${MOUNT}/data/ok`, { data: { "bad name": "b" } }, /Field name "bad name" must start with a letter/],
      [`${MOUNT}/data/ok`, { data: { a: "" } }, /^Secret value is required$/],
      [`${MOUNT}/data/ok`, { options: {} }, /^no data provided$/],
    ];
    for (const [path, body, message] of cases) {
      const error = await failure(vault.write(path, body));
      expect(error.status).toBe(400);
      expect(error.body.errors).toHaveLength(1);
      expect(error.body.errors[0]).toMatch(message);
    }
  });

  it("refuses a write whose check-and-set version is not the current one", async () => {
    const stale = await failure(
      vault.write(`${MOUNT}/data/app/db`, { data: { password: "x" }, options: { cas: 1 } }),
    );
    expect(stale).toMatchObject({
      status: 400,
      body: { errors: ["check-and-set parameter did not match the current version"] },
    });
    const exists = await failure(
      vault.write(`${MOUNT}/data/app/db`, { data: { x: "y" }, options: { cas: 0 } }),
    );
    expect(exists.status).toBe(400);
    const bad = await failure(
      vault.write(`${MOUNT}/data/app/db`, { data: { x: "y" }, options: { cas: "two" } }),
    );
    expect(bad.body).toEqual({ errors: ["error parsing check-and-set parameter"] });
    const ok = await vault.write(`${MOUNT}/data/app/db`, { data: { password: "p3" }, options: { cas: "2" } });
    expect(ok.data.version).toBe(3);
  });

  it("patches the current data with a JSON merge patch, and refuses other content types with 415", async () => {
    await vault.write(`${MOUNT}/data/patched`, { data: { a: "1", b: "2", conf: { x: 1, y: 2 } } });
    const patched = await vault.update(`${MOUNT}/data/patched`, {
      data: { a: "one", b: null, conf: { y: 3 } },
    });
    expectEnvelope(patched, "kv");
    expectVersionMetadata(patched.data, { version: 2 });
    expect((await vault.read(`${MOUNT}/data/patched`)).data.data).toEqual({ a: "one", conf: { x: 1, y: 3 } });
    const response = await fetch(`${vaultUrl}/v1/${MOUNT}/data/patched`, {
      method: "PATCH",
      headers: { "x-vault-token": coffer.rootToken, "content-type": "application/json" },
      body: JSON.stringify({ data: { a: "z" } }),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      errors: ["PATCH requires Content-Type of application/merge-patch+json, provided application/json"],
    });
    const missing = await failure(vault.update(`${MOUNT}/data/never-written`, { data: { a: "b" } }));
    expect(missing).toMatchObject({ status: 404, body: "" });
  });

  it("answers a KV v1-style path on the KV v2 mount with Vault's raw 404 and warning", async () => {
    const error = await failure(vault.write(`${MOUNT}/hello`, { value: "world" }));
    expect(error.status).toBe(404);
    expectEnvelope(error.body, "");
    expect(error.body.data).toBeNull();
    expect(error.body.warnings).toEqual([
      "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. " +
        "If using the Vault CLI, use 'vault kv put' for this operation.",
    ]);
  });
});

describe("listing", () => {
  beforeAll(async () => {
    for (const key of ["folder/one", "folder/two", "folder/sub/three", "folder"]) {
      await vault.write(`${MOUNT}/data/${key}`, { data: { v: key } });
    }
  });

  it("lists a folder's keys and sub-folders with the LIST method, on both listeners", async () => {
    for (const listener of ["vault", "main"] as const) {
      const body = await client({ listener }).list(`${MOUNT}/metadata/folder`);
      expectEnvelope(body, "kv");
      expect(body.data).toEqual({ keys: ["one", "sub/", "two"] });
    }
  });

  it("lists with GET ?list=1 too (node-vault's noCustomHTTPVerbs), and the mount root", async () => {
    const body = await client({ noCustomHTTPVerbs: true }).list(`${MOUNT}/metadata/folder/`);
    expect(body.data.keys).toEqual(["one", "sub/", "two"]);
    const root = await vault.list(`${MOUNT}/metadata`);
    expect(root.data.keys).toEqual(expect.arrayContaining(["app/", "folder", "folder/", "typed"]));
  });

  it("answers 404 with an empty errors list for a folder without keys", async () => {
    expect(await failure(vault.list(`${MOUNT}/metadata/empty`))).toMatchObject({
      status: 404,
      body: { errors: [] },
    });
  });
});

describe("deleting, undeleting and destroying versions", () => {
  const key = "lifecycle";
  beforeAll(async () => {
    await vault.write(`${MOUNT}/data/${key}`, { data: { v: "one" } });
    await vault.write(`${MOUNT}/data/${key}`, { data: { v: "two" } });
  });

  it("soft-deletes the latest version: reads answer 404 with its metadata, and its ciphertext is kept", async () => {
    expect(await vault.delete(`${MOUNT}/data/${key}`)).toBe("");
    const error = await failure(vault.read(`${MOUNT}/data/${key}`));
    expect(error.status).toBe(404);
    expectEnvelope(error.body, "");
    expect(error.body.data.data).toBeNull();
    expectVersionMetadata(error.body.data.metadata, { version: 2, deleted: true });
    const stored = await storedVersions(key);
    expect(stored[1]).toMatchObject({ version: 2, destroyed: 0 });
    expect(JSON.parse(String(stored[1]?.ciphertexts))).toHaveProperty("v");
    // Coffer's own reveal refuses it too.
    const reveal = await coffer.api("GET", `${secretsPath("payments", "production")}/${key}/value`);
    expect(reveal.status).toBe(404);
    expect((await vault.read(`${MOUNT}/data/${key}?version=1`)).data.data).toEqual({ v: "one" });
  });

  it("undeletes a version, which reads again", async () => {
    expect(await vault.write(`${MOUNT}/undelete/${key}`, { versions: [2] })).toBe("");
    const body = await vault.read(`${MOUNT}/data/${key}`);
    expect(body.data.data).toEqual({ v: "two" });
    expectVersionMetadata(body.data.metadata, { version: 2 });
  });

  it("deletes listed versions through delete/, as the Vault CLI sends them (strings)", async () => {
    expect(await vault.write(`${MOUNT}/delete/${key}`, { versions: ["1"] })).toBe("");
    expect((await failure(vault.read(`${MOUNT}/data/${key}?version=1`))).status).toBe(404);
    const empty = await failure(vault.write(`${MOUNT}/delete/${key}`, { versions: [] }));
    expect(empty.body).toEqual({ errors: ["No version number provided"] });
    await vault.write(`${MOUNT}/undelete/${key}`, { versions: "1" });
  });

  it("destroys versions: their ciphertexts are removed from the database", async () => {
    expect(await vault.destroySecretVersions({ mount_point: MOUNT, path: key, versions: [1] })).toBe("");
    const stored = await storedVersions(key);
    expect(stored[0]).toMatchObject({ version: 1, ciphertexts: "{}", destroyed: 1 });
    const error = await failure(vault.read(`${MOUNT}/data/${key}?version=1`));
    expect(error.status).toBe(404);
    expectVersionMetadata(error.body.data.metadata, { version: 1, destroyed: true });
    const reveal = await coffer.api(
      "GET",
      `${secretsPath("payments", "production")}/${key}/versions/1/value`,
    );
    expect(reveal.status).toBe(404);
    const empty = await failure(vault.write(`${MOUNT}/destroy/${key}`, {}));
    expect(empty.body).toEqual({ errors: ["no version number provided"] });
  });

  it("writes a new version on top of a deleted one", async () => {
    await vault.delete(`${MOUNT}/data/${key}`);
    const written = await vault.write(`${MOUNT}/data/${key}`, { data: { v: "three" } });
    expect(written.data.version).toBe(3);
    expect((await vault.read(`${MOUNT}/data/${key}`)).data.data).toEqual({ v: "three" });
  });
});

describe("metadata", () => {
  const key = "meta/service";

  it("reads a key's metadata field by field", async () => {
    await vault.write(`${MOUNT}/data/${key}`, { data: { v: "1" } });
    await vault.write(`${MOUNT}/data/${key}`, { data: { v: "2" } });
    await vault.delete(`${MOUNT}/data/${key}`);
    const body = await vault.read(`${MOUNT}/metadata/${key}`);
    expectEnvelope(body, "kv");
    expect(Object.keys(body.data)).toEqual([
      "cas_required",
      "created_time",
      "current_version",
      "custom_metadata",
      "delete_version_after",
      "max_versions",
      "oldest_version",
      "updated_time",
      "versions",
    ]);
    expect(body.data).toMatchObject({
      cas_required: false,
      current_version: 2,
      custom_metadata: null,
      delete_version_after: "0s",
      max_versions: 0,
      oldest_version: 0,
    });
    expect(Object.keys(body.data.versions)).toEqual(["1", "2"]);
    expect(body.data.versions["1"]).toEqual({
      created_time: expect.stringMatching(TIME),
      deletion_time: "",
      destroyed: false,
    });
    expect(body.data.versions["2"].deletion_time).toMatch(TIME);
  });

  it("writes custom_metadata (the secret's Coffer metadata), max_versions and cas_required", async () => {
    const written = await vault.write(`${MOUNT}/metadata/${key}`, {
      max_versions: 2,
      cas_required: "true",
      custom_metadata: { owner: "payments", tier: 1 },
    });
    expect(written).toBe("");
    const body = await vault.read(`${MOUNT}/metadata/${key}`);
    expect(body.data).toMatchObject({
      cas_required: true,
      max_versions: 2,
      custom_metadata: { owner: "payments", tier: "1" },
    });
    const described = await coffer.api("GET", `${secretsPath("payments", "production")}/meta%2Fservice`);
    expect(described.body.metadata).toEqual({ owner: "payments", tier: "1" });
    const required = await failure(vault.write(`${MOUNT}/data/${key}`, { data: { v: "3" } }));
    expect(required.body).toEqual({ errors: ["check-and-set parameter required for this call"] });
  });

  it("keeps max_versions versions: older ones are removed, and oldest_version follows", async () => {
    await vault.write(`${MOUNT}/data/${key}`, { data: { v: "3" }, options: { cas: 2 } });
    await vault.write(`${MOUNT}/data/${key}`, { data: { v: "4" }, options: { cas: 3 } });
    const body = await vault.read(`${MOUNT}/metadata/${key}`);
    expect(body.data).toMatchObject({ current_version: 4, oldest_version: 3 });
    expect(Object.keys(body.data.versions)).toEqual(["3", "4"]);
    expect((await storedVersions(key)).map((row) => row.version)).toEqual([3, 4]);
    expect((await vault.read(`${MOUNT}/data/${key}`)).data.metadata.custom_metadata).toEqual({
      owner: "payments",
      tier: "1",
    });
  });

  it("reads and writes the mount configuration", async () => {
    const before = await vault.read(`${MOUNT}/config`);
    expectEnvelope(before, "kv");
    expect(before.data).toEqual({ cas_required: false, delete_version_after: "0s", max_versions: 0 });
    expect(
      await vault.write("payments/staging/config", { delete_version_after: "1h30m", max_versions: 5 }),
    ).toBe("");
    const after = await vault.read("payments/staging/config");
    expect(after.data).toEqual({ cas_required: false, delete_version_after: "1h30m0s", max_versions: 5 });
    const written = await vault.write("payments/staging/data/scheduled", { data: { v: "x" } });
    expect(written.data.deletion_time).toMatch(TIME);
  });

  it("keeps delete_version_after of weeks and months (past a 32-bit count of milliseconds)", async () => {
    // 720h is 2,592,000,000 ms: more than a 32-bit integer holds, and an everyday Vault setting.
    expect(await vault.write("payments/development/config", { delete_version_after: "2160h" })).toBe("");
    expect((await vault.read("payments/development/config")).data.delete_version_after).toBe("2160h0m0s");
    const long = `${MOUNT}/metadata/meta/long-lived`;
    expect(await vault.write(long, { delete_version_after: "720h" })).toBe("");
    expect((await vault.read(long)).data.delete_version_after).toBe("720h0m0s");
    const written = await vault.write(`${MOUNT}/data/meta/long-lived`, { data: { v: "kept for 30 days" } });
    const days = (Date.parse(written.data.deletion_time) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    await vault.write("payments/development/config", { delete_version_after: "0s" });
  });

  it("refuses a max_versions past 2^31 - 1 on both databases, with the limit", async () => {
    for (const path of [`${MOUNT}/metadata/meta/many`, "payments/development/config"]) {
      const error = await failure(vault.write(path, { max_versions: 3_000_000_000 }));
      expect(error.status).toBe(400);
      expect(error.body).toEqual({ errors: ["max_versions cannot be more than 2147483647"] });
    }
  });

  it("makes a key from metadata alone, which Coffer's API lists, updates and gives its first value", async () => {
    const path = `${secretsPath("payments", "production")}/meta%2Fnew`;
    expect(await vault.write(`${MOUNT}/metadata/meta/new`, { custom_metadata: { owner: "ops" } })).toBe("");
    const described = await coffer.api("GET", path);
    expect(described.body).toMatchObject({ key: "meta/new", version: 0, metadata: { owner: "ops" } });
    // No value yet: a reveal is a 404, and so is Vault's read of its data.
    expect((await coffer.api("GET", `${path}/value`)).status).toBe(404);
    const described2 = await coffer.api("PATCH", path, { description: "made by a Vault client" });
    expect(described2.status).toBe(200);
    expect(described2.body).toMatchObject({ version: 0, description: "made by a Vault client" });
    const valued = await coffer.api("PATCH", path, { value: "first" });
    expect(valued.body).toMatchObject({ version: 1, fields: ["value"] });
    expect((await coffer.api("GET", `${path}/value`)).body).toEqual({
      key: "meta/new",
      version: 1,
      data: { value: "first" },
    });
    expect((await vault.read(`${MOUNT}/data/meta/new`)).data.data).toEqual({ value: "first" });
  });

  it("deletes a key with every version through metadata, as Coffer's delete does", async () => {
    expect(await vault.delete(`${MOUNT}/metadata/${key}`)).toBe("");
    expect((await failure(vault.read(`${MOUNT}/metadata/${key}`))).status).toBe(404);
    expect((await coffer.api("GET", `${secretsPath("payments", "production")}/meta%2Fservice`)).status).toBe(
      404,
    );
    expect(await storedVersions(key)).toEqual([]);
    expect(await vault.delete(`${MOUNT}/metadata/${key}`)).toBe("");
  });
});

describe("tokens and permissions", () => {
  it("takes the token from X-Vault-Token or Authorization: Bearer", async () => {
    const headerSets: Record<string, string>[] = [
      { "x-vault-token": coffer.rootToken },
      { authorization: `Bearer ${coffer.rootToken}` },
    ];
    for (const headers of headerSets) {
      const response = await fetch(`${vaultUrl}/v1/${MOUNT}/data/app/db`, { headers });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("content-type")).toBe("application/json");
      expect((await response.text()).endsWith("}\n")).toBe(true);
    }
  });

  it("answers a change with nothing to say with 204, no body, and Vault's headers", async () => {
    const response = await fetch(`${vaultUrl}/v1/${MOUNT}/data/never-there`, {
      method: "DELETE",
      headers: { "x-vault-token": coffer.rootToken },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe("");
  });

  it("answers 403 permission denied without a valid token", async () => {
    const anonymous = await fetch(`${vaultUrl}/v1/${MOUNT}/data/app/db`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toEqual({ errors: ["permission denied"] });
    const error = await failure(client({ token: "hvs.not-a-coffer-token" }).read(`${MOUNT}/data/app/db`));
    expect(error.status).toBe(403);
    expect(error.message).toBe("permission denied");
  });

  it("applies Coffer's permissions: a list-only token lists but cannot read or write, and the refusal is audited", async () => {
    const token = await createToken(coffer, { projects: ["payments"], permissions: ["secrets:list"] });
    const lister = client({ token });
    expect((await lister.list(`${MOUNT}/metadata/app`)).data.keys).toEqual(["db"]);
    const read = await failure(lister.read(`${MOUNT}/data/app/db`));
    expect(read.status).toBe(403);
    expect(read.body.errors[0]).toBe("permission denied");
    expect(read.body.errors[1]).toMatch(/secrets:reveal/);
    expect((await failure(lister.write(`${MOUNT}/data/app/db`, { data: { a: "b" } }))).status).toBe(403);
    expect(await auditActions("app/db")).toContain("secret.reveal:denied");
  });

  it("needs secrets:create to create a key and secrets:update to change one", async () => {
    const token = await createToken(coffer, { projects: ["payments"], permissions: ["secrets:create"] });
    const creator = client({ token });
    expect((await creator.write(`${MOUNT}/data/created-only`, { data: { a: "b" } })).data.version).toBe(1);
    expect((await failure(creator.write(`${MOUNT}/data/created-only`, { data: { a: "c" } }))).status).toBe(
      403,
    );
  });

  it("shows another project's environments as no mount at all", async () => {
    const token = await createToken(coffer, { projects: ["other"], permissions: ["secrets:reveal"] });
    const error = await failure(client({ token }).read(`${MOUNT}/data/app/db`));
    expect(error.status).toBe(404);
    expect(error.body).toEqual({
      errors: [`no handler for route "${MOUNT}/data/app/db". route entry not found.`],
    });
  });

  it("records the same audit events as Coffer's own routes", async () => {
    const key = "audited";
    await vault.write(`${MOUNT}/data/${key}`, { data: { a: "1" } });
    await vault.write(`${MOUNT}/data/${key}`, { data: { a: "2" } });
    await vault.read(`${MOUNT}/data/${key}`);
    await vault.delete(`${MOUNT}/data/${key}`);
    await vault.write(`${MOUNT}/undelete/${key}`, { versions: [2] });
    await vault.destroySecretVersions({ mount_point: MOUNT, path: key, versions: [1] });
    await vault.delete(`${MOUNT}/metadata/${key}`);
    expect(await auditActions(key)).toEqual([
      "secret.create",
      "secret.update",
      "secret.reveal",
      "secret.version_delete",
      "secret.version_undelete",
      "secret.version_destroy",
      "secret.delete",
    ]);
  });
});

describe("system endpoints", () => {
  it("answers sys/health without an envelope or a token", async () => {
    const body = await client({ token: "" }).health();
    expect(body).toEqual({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: "disabled",
      replication_dr_mode: "disabled",
      server_time_utc: expect.any(Number),
      version: expect.any(String),
      enterprise: false,
      echo_duration_ms: 0,
      clock_skew_ms: 0,
      replication_primary_canary_age_ms: 0,
    });
    const head = await fetch(`${vaultUrl}/v1/sys/health?activecode=299`, { method: "HEAD" });
    expect(head.status).toBe(299);
  });

  it("lists the caller's environments as KV v2 mounts in sys/mounts, also at the top level", async () => {
    const body = await vault.mounts();
    const mount = {
      accessor: expect.stringMatching(/^kv_/),
      config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
      deprecation_status: "supported",
      description: expect.any(String),
      external_entropy_access: false,
      local: false,
      options: { version: "2" },
      plugin_version: "",
      running_plugin_version: expect.any(String),
      running_sha256: "",
      seal_wrap: false,
      type: "kv",
      uuid: expect.stringMatching(UUID),
    };
    expect(body.data[`${MOUNT}/`]).toEqual(mount);
    expect(body[`${MOUNT}/`]).toEqual(mount);
    expect(body.mount_type).toBe("system");
    const token = await createToken(coffer, { projects: ["other"], permissions: ["secrets:list"] });
    expect(Object.keys((await client({ token }).mounts()).data)).toEqual([
      "other/development/",
      "other/production/",
      "other/staging/",
    ]);
  });

  it("answers the Vault CLI's preflight with the mount's path and KV version 2", async () => {
    for (const path of [MOUNT, `${MOUNT}/`, `${MOUNT}/app/db`]) {
      const body = await vault.read(`sys/internal/ui/mounts/${path}`);
      expectEnvelope(body, "system");
      expect(body.data).toMatchObject({ path: `${MOUNT}/`, type: "kv", options: { version: "2" } });
    }
    const error = await failure(vault.read("sys/internal/ui/mounts/nowhere"));
    expect(error).toMatchObject({
      status: 403,
      body: {
        errors: [
          'preflight capability check returned 403, please ensure client\'s policies grant access to path "nowhere/"',
        ],
      },
    });
  });

  it("describes the caller's token in auth/token/lookup-self, with its value as id", async () => {
    const body = await vault.tokenLookupSelf();
    expectEnvelope(body, "token");
    expect(Object.keys(body.data)).toEqual([
      "accessor",
      "creation_time",
      "creation_ttl",
      "display_name",
      "entity_id",
      "expire_time",
      "explicit_max_ttl",
      "id",
      "meta",
      "num_uses",
      "orphan",
      "path",
      "policies",
      "ttl",
      "type",
    ]);
    expect(body.data).toMatchObject({ id: coffer.rootToken, ttl: 0, expire_time: null, type: "service" });
  });

  it("keeps the Vault routes out of the OpenAPI document: their contract is Vault's", async () => {
    const document = await coffer.api("GET", "/openapi.json", undefined, null);
    expect(Object.keys(document.body.paths).filter((path) => path.includes("vault"))).toEqual([]);
  });
});
