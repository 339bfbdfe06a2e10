// The configurable limits on what secrets hold: value size, fields per secret and secrets per environment, read
// from COFFER_MAX_* by config.ts and enforced with clear errors on every path that writes a secret (REST create and
// update, batch import, Vault KV data and metadata writes), including concurrent creates.
import { ConfigError, generateMasterKey, loadConfig } from "@coffer/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsPath, startServer, type TestServer } from "./helpers.ts";

const VALUE_LIMIT = 16;
const FIELDS_LIMIT = 3;
const SECRETS_LIMIT = 5;
const PROJECT = "limited";

let coffer: TestServer;
let counter = 0;

/** A fresh environment per test, so that one test's secrets cannot fill another's environment. */
async function freshEnvironment(): Promise<{ env: string; base: string; mount: string }> {
  const env = `env${++counter}`;
  const created = await coffer.api("POST", `/v1/projects/${PROJECT}/environments`, { slug: env });
  expect(created.status).toBe(201);
  return { env, base: secretsPath(PROJECT, env), mount: `/vault/v1/${PROJECT}/${env}` };
}

async function keysIn(base: string): Promise<string[]> {
  const response = await coffer.api("GET", `${base}?limit=1000`);
  expect(response.status).toBe(200);
  return (response.body.secrets as { key: string }[]).map((secret) => secret.key);
}

async function fill(base: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expect((await coffer.api("POST", base, { key: `FILL_${i}`, value: "v" })).status).toBe(201);
  }
}

/** A request to the Vault-compatible API on the main listener, with the root token. */
async function vault(method: string, path: string, body?: unknown) {
  const response = await fetch(coffer.url + path, {
    method,
    headers: { "x-vault-token": coffer.rootToken, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: text === "" ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  coffer = await startServer({
    env: {
      COFFER_MAX_VALUE_BYTES: String(VALUE_LIMIT),
      COFFER_MAX_FIELDS_PER_SECRET: String(FIELDS_LIMIT),
      COFFER_MAX_SECRETS_PER_ENVIRONMENT: String(SECRETS_LIMIT),
    },
  });
  expect((await coffer.api("POST", "/v1/projects", { slug: PROJECT })).status).toBe(201);
});
afterAll(() => coffer.close());

describe("configuration", () => {
  const base = { COFFER_MASTER_KEY: generateMasterKey() };

  it("reads the three limits from their variables, with 64 KiB, 64 fields and 100,000 secrets by default", () => {
    expect(loadConfig([], base).limits).toMatchObject({
      valueBytes: 65_536,
      fieldsPerSecret: 64,
      secretsPerEnvironment: 100_000,
    });
    const configured = loadConfig([], {
      ...base,
      COFFER_MAX_VALUE_BYTES: "1024",
      COFFER_MAX_FIELDS_PER_SECRET: "8",
      COFFER_MAX_SECRETS_PER_ENVIRONMENT: "250",
    });
    expect(configured.limits).toMatchObject({
      valueBytes: 1024,
      fieldsPerSecret: 8,
      secretsPerEnvironment: 250,
    });
  });

  it("refuses a limit that is not a positive whole number, naming the variable", () => {
    for (const name of [
      "COFFER_MAX_VALUE_BYTES",
      "COFFER_MAX_FIELDS_PER_SECRET",
      "COFFER_MAX_SECRETS_PER_ENVIRONMENT",
    ]) {
      for (const bad of ["0", "-1", "1.5", "lots"]) {
        expect(() => loadConfig([], { ...base, [name]: bad })).toThrow(ConfigError);
        expect(() => loadConfig([], { ...base, [name]: bad })).toThrow(
          new RegExp(`^${name} must be a whole number from 1 to`),
        );
      }
    }
  });

  it("refuses a value limit that no request body could carry", () => {
    expect(() =>
      loadConfig([], { ...base, COFFER_MAX_BODY_BYTES: "100000", COFFER_MAX_VALUE_BYTES: "200000" }),
    ).toThrow(/COFFER_MAX_VALUE_BYTES \(200000\) is larger than .*COFFER_MAX_BODY_BYTES \(100000\)/);
    expect(
      loadConfig([], { ...base, COFFER_MAX_BODY_BYTES: "300000", COFFER_MAX_VALUE_BYTES: "200000" }).limits
        .valueBytes,
    ).toBe(200_000);
  });
});

describe("value size (COFFER_MAX_VALUE_BYTES)", () => {
  const atLimit = "canary-value-16b"; // 16 bytes
  const overLimit = `${atLimit}!`;

  it("accepts a value at the limit and refuses one byte more with 413, naming the limit and the setting", async () => {
    const { base } = await freshEnvironment();
    expect((await coffer.api("POST", base, { key: "AT_LIMIT", value: atLimit })).status).toBe(201);
    const response = await coffer.api("POST", base, { key: "OVER", value: overLimit });
    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({
      code: "payload_too_large",
      message: `Secret value of field "value" is larger than ${VALUE_LIMIT} bytes, the limit set by COFFER_MAX_VALUE_BYTES`,
      details: { field: "value", limit: VALUE_LIMIT, setting: "COFFER_MAX_VALUE_BYTES" },
    });
    expect(response.text).not.toContain("canary");
    expect(await keysIn(base)).toEqual(["AT_LIMIT"]);
  });

  it("counts UTF-8 bytes, not characters, and names the field of a multi-field secret", async () => {
    const { base } = await freshEnvironment();
    const accented = await coffer.api("POST", base, { key: "ACCENTS", value: "é".repeat(9) }); // 18 bytes
    expect(accented.status).toBe(413);
    const fields = await coffer.api("POST", base, {
      key: "DB",
      fields: { user: "app", password: overLimit },
    });
    expect(fields.status).toBe(413);
    expect(fields.body.error.message).toBe(
      `Secret value of field "password" is larger than ${VALUE_LIMIT} bytes, the limit set by COFFER_MAX_VALUE_BYTES`,
    );
    expect(fields.body.error.details).toMatchObject({ field: "fields", fieldName: "password" });
    expect(await keysIn(base)).toEqual([]);
  });

  it("refuses an update over the limit with 413 and keeps the current value", async () => {
    const { base } = await freshEnvironment();
    await coffer.api("POST", base, { key: "KEEP", value: "first" });
    const response = await coffer.api("PATCH", `${base}/KEEP`, { value: overLimit });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("payload_too_large");
    const current = await coffer.api("GET", `${base}/KEEP/value`);
    expect(current.body).toMatchObject({ version: 1, data: { value: "first" } });
  });

  it("refuses a batch with one value over the limit whole, naming the item", async () => {
    const { base } = await freshEnvironment();
    const response = await coffer.api("POST", `${base}/batch`, {
      secrets: [
        { key: "FINE", value: "small" },
        { key: "HUGE", value: overLimit },
      ],
      onConflict: "fail",
    });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toBe(
      `secrets[1] (key "HUGE"): Secret value of field "value" is larger than ${VALUE_LIMIT} bytes, the limit set by COFFER_MAX_VALUE_BYTES`,
    );
    expect(response.body.error.details).toMatchObject({ index: 1, key: "HUGE", limit: VALUE_LIMIT });
    expect(await keysIn(base)).toEqual([]);
  });

  it("answers a Vault KV write over the limit with Vault's 413 error shape, and writes nothing", async () => {
    const { mount } = await freshEnvironment();
    const write = await vault("POST", `${mount}/data/app/db`, { data: { password: overLimit } });
    expect(write.status).toBe(413);
    expect(write.body).toEqual({
      errors: [
        `Secret value of field "password" is larger than ${VALUE_LIMIT} bytes, the limit set by COFFER_MAX_VALUE_BYTES`,
      ],
    });
    expect((await vault("GET", `${mount}/data/app/db`)).status).toBe(404);
    // A JSON value is measured as the JSON text Coffer stores.
    const json = await vault("POST", `${mount}/data/app/conf`, { data: { list: ["aaaa", "bbbb", "cccc"] } });
    expect(json.status).toBe(413);
  });
});

describe("fields per secret (COFFER_MAX_FIELDS_PER_SECRET)", () => {
  const message = `A secret can have at most ${FIELDS_LIMIT} fields, the limit set by COFFER_MAX_FIELDS_PER_SECRET`;

  it("refuses a create or an update that would give a secret one field too many, with 400", async () => {
    const { base } = await freshEnvironment();
    const four = await coffer.api("POST", base, { key: "FOUR", fields: { a: "1", b: "2", c: "3", d: "4" } });
    expect(four.status).toBe(400);
    expect(four.body.error).toEqual({
      code: "validation_error",
      message,
      details: { field: "fields", limit: FIELDS_LIMIT, setting: "COFFER_MAX_FIELDS_PER_SECRET" },
    });
    expect(
      (await coffer.api("POST", base, { key: "THREE", fields: { a: "1", b: "2", c: "3" } })).status,
    ).toBe(201);
    const added = await coffer.api("PATCH", `${base}/THREE`, { fields: { d: "4" } });
    expect(added.status).toBe(400);
    expect(added.body.error.message).toBe(message);
    // Changing a field, or swapping one for another, stays within the limit.
    expect((await coffer.api("PATCH", `${base}/THREE`, { fields: { a: "one" } })).status).toBe(200);
    expect((await coffer.api("PATCH", `${base}/THREE`, { fields: { c: null, d: "4" } })).status).toBe(200);
    const current = await coffer.api("GET", `${base}/THREE/value`);
    expect(current.body.data).toEqual({ a: "one", b: "2", d: "4" });
  });

  it("refuses too many fields in a batch item and in a Vault KV write", async () => {
    const { base, mount } = await freshEnvironment();
    const batch = await coffer.api("POST", `${base}/batch`, {
      secrets: [{ key: "WIDE", fields: { a: "1", b: "2", c: "3", d: "4" } }],
      onConflict: "fail",
    });
    expect(batch.status).toBe(400);
    expect(batch.body.error.message).toBe(`secrets[0] (key "WIDE"): ${message}`);
    const write = await vault("POST", `${mount}/data/wide`, { data: { a: "1", b: "2", c: "3", d: "4" } });
    expect(write.status).toBe(400);
    expect(write.body).toEqual({ errors: [message] });
    expect(await keysIn(base)).toEqual([]);
  });
});

describe("secrets per environment (COFFER_MAX_SECRETS_PER_ENVIRONMENT)", () => {
  const full = (env: string, held: number) =>
    `${PROJECT}/${env} already holds ${held} secrets; the limit is ${SECRETS_LIMIT} per environment ` +
    "(COFFER_MAX_SECRETS_PER_ENVIRONMENT). Nothing was written: delete secrets that are no longer needed, or ask " +
    "the operator to raise COFFER_MAX_SECRETS_PER_ENVIRONMENT";

  it("refuses the secret over the limit with 409 limit_reached; updates go on, and a delete makes room", async () => {
    const { env, base } = await freshEnvironment();
    await fill(base, SECRETS_LIMIT);
    const refused = await coffer.api("POST", base, { key: "ONE_TOO_MANY", value: "v" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: "limit_reached",
      message: full(env, SECRETS_LIMIT),
      details: {
        limit: SECRETS_LIMIT,
        setting: "COFFER_MAX_SECRETS_PER_ENVIRONMENT",
        held: SECRETS_LIMIT,
        adding: 1,
      },
    });
    expect(await keysIn(base)).not.toContain("ONE_TOO_MANY");
    expect((await coffer.api("PATCH", `${base}/FILL_0`, { value: "new" })).status).toBe(200);
    // The limit is per environment: another one of the same project has room.
    const other = await freshEnvironment();
    expect((await coffer.api("POST", other.base, { key: "ELSEWHERE", value: "v" })).status).toBe(201);
    expect((await coffer.api("DELETE", `${base}/FILL_1`)).status).toBe(204);
    expect((await coffer.api("POST", base, { key: "ONE_TOO_MANY", value: "v" })).status).toBe(201);
  });

  it("refuses a batch that would go over the limit whole, in a dry run too; overwrites need no room", async () => {
    const { env, base } = await freshEnvironment();
    await fill(base, 3);
    const three = ["NEW_A", "NEW_B", "NEW_C"].map((key) => ({ key, value: "v" }));
    for (const dryRun of [true, false]) {
      const response = await coffer.api("POST", `${base}/batch`, {
        secrets: three,
        onConflict: "fail",
        dryRun,
      });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe("limit_reached");
      expect(response.body.error.message).toMatch(
        new RegExp(`^${PROJECT}/${env} holds 3 secrets and this would add 3; the limit is ${SECRETS_LIMIT} `),
      );
      expect(response.body.error.details).toMatchObject({ held: 3, adding: 3, limit: SECRETS_LIMIT });
    }
    expect(await keysIn(base)).toEqual(["FILL_0", "FILL_1", "FILL_2"]);
    const two = await coffer.api("POST", `${base}/batch`, { secrets: three.slice(0, 2), onConflict: "fail" });
    expect(two.status).toBe(200);
    // Full now: replacing existing values adds no secret, skipping existing keys neither, a new key does.
    const existing = ["FILL_0", "FILL_1", "FILL_2", "NEW_A", "NEW_B"].map((key) => ({ key, value: "again" }));
    const overwrite = await coffer.api("POST", `${base}/batch`, {
      secrets: existing,
      onConflict: "overwrite",
    });
    expect(overwrite.status).toBe(200);
    expect(overwrite.body.updated).toHaveLength(5);
    const skip = await coffer.api("POST", `${base}/batch`, { secrets: existing, onConflict: "skip" });
    expect(skip.status).toBe(200);
    const oneNew = await coffer.api("POST", `${base}/batch`, {
      secrets: [...existing, { key: "NEW_C", value: "v" }],
      onConflict: "overwrite",
    });
    expect(oneNew.status).toBe(409);
    expect(oneNew.body.error.message).toBe(full(env, SECRETS_LIMIT));
    expect((await coffer.api("GET", `${base}/FILL_0/value`)).body.version).toBe(2);
  });

  it("refuses Vault KV data and metadata writes of a new key when full; writes to existing keys go on", async () => {
    const { env, base, mount } = await freshEnvironment();
    await fill(base, SECRETS_LIMIT);
    const data = await vault("POST", `${mount}/data/brand/new`, { data: { a: "b" } });
    expect(data.status).toBe(409);
    expect(data.body).toEqual({ errors: [full(env, SECRETS_LIMIT)] });
    const metadata = await vault("POST", `${mount}/metadata/brand/new`, { max_versions: 3 });
    expect(metadata.status).toBe(409);
    expect(metadata.body).toEqual({ errors: [full(env, SECRETS_LIMIT)] });
    expect((await vault("POST", `${mount}/data/FILL_0`, { data: { a: "b" } })).status).toBe(200);
    expect((await vault("POST", `${mount}/metadata/FILL_1`, { max_versions: 3 })).status).toBe(204);
    expect(await keysIn(base)).toHaveLength(SECRETS_LIMIT);
  });

  it("lets concurrent creates through REST and the Vault API fill the environment exactly to the limit", async () => {
    const { base, mount } = await freshEnvironment();
    const attempts = Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0
        ? coffer
            .api("POST", base, { key: `RACE_${i}`, value: "v" })
            .then((r) => ({ status: r.status, body: r.body }))
        : vault("POST", `${mount}/data/RACE_${i}`, { data: { value: "v" } }),
    );
    const results = await Promise.all(attempts);
    const created = results.filter((result) => result.status === 200 || result.status === 201);
    const refused = results.filter((result) => result.status === 409);
    expect(created).toHaveLength(SECRETS_LIMIT);
    expect(refused).toHaveLength(16 - SECRETS_LIMIT);
    for (const result of refused) {
      expect(JSON.stringify(result.body)).toContain("COFFER_MAX_SECRETS_PER_ENVIRONMENT");
    }
    expect(await keysIn(base)).toHaveLength(SECRETS_LIMIT);
  });

  it("lets concurrent batches fill the environment without going over it", async () => {
    const { base } = await freshEnvironment();
    const batches = Array.from({ length: 6 }, (_, i) =>
      coffer.api("POST", `${base}/batch`, {
        secrets: [
          { key: `B${i}_1`, value: "v" },
          { key: `B${i}_2`, value: "v" },
        ],
        onConflict: "fail",
      }),
    );
    const statuses = (await Promise.all(batches)).map((response) => response.status);
    // Two batches of two fit under five; a third would make six.
    expect(statuses.filter((status) => status === 200)).toHaveLength(2);
    expect(statuses.filter((status) => status === 409)).toHaveLength(4);
    expect(await keysIn(base)).toHaveLength(4);
  });
});
