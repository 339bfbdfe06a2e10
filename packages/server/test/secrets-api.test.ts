import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
const base = secretsPath("shop", "production");

beforeAll(async () => {
  coffer = await startServer();
  expect((await coffer.api("POST", "/v1/projects", { slug: "shop" })).status).toBe(201);
});
afterAll(() => coffer.close());

describe("creating secrets", () => {
  it("creates a single-value secret and answers with metadata, never the value", async () => {
    const response = await coffer.api("POST", base, {
      key: "STRIPE_API_KEY",
      value: "sk_live_create",
      description: "Stripe live key",
      type: "api_key",
      name: "Stripe",
      metadata: { owner: "payments" },
      allowedDestinations: ["API.Stripe.com."],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      key: "STRIPE_API_KEY",
      description: "Stripe live key",
      type: "api_key",
      name: "Stripe",
      metadata: { owner: "payments" },
      fields: ["value"],
      allowedDestinations: ["api.stripe.com"],
      version: 1,
      createdBy: { type: "token", name: "initial-root" },
    });
    expect(response.text).not.toContain("sk_live_create");
  });

  it("creates a multi-field secret", async () => {
    const response = await coffer.api("POST", base, {
      key: "payments/db",
      fields: { username: "app", password: "pw-multi" },
    });
    expect(response.status).toBe(201);
    expect(response.body.fields).toEqual(["username", "password"]);
    const value = await coffer.api("GET", `${base}/payments%2Fdb/value`);
    expect(value.body).toEqual({
      key: "payments/db",
      version: 1,
      data: { username: "app", password: "pw-multi" },
    });
  });

  it('says "Secret key is required" when the key is missing or blank', async () => {
    for (const body of [{ value: "x" }, { key: "", value: "x" }, { key: "   ", value: "x" }]) {
      const response = await coffer.api("POST", base, body);
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({
        code: "validation_error",
        message: "Secret key is required",
        details: { field: "key" },
      });
    }
  });

  it('says "Secret value is required" when the value is missing or empty', async () => {
    for (const body of [{ key: "EMPTY" }, { key: "EMPTY", value: "" }, { key: "EMPTY", fields: {} }]) {
      const response = await coffer.api("POST", base, body);
      expect(response.status).toBe(400);
      expect(response.body.error.message).toBe("Secret value is required");
    }
  });

  it("names the rule a bad key breaks", async () => {
    const cases: [string, RegExp][] = [
      ["1ABC", /segment "1ABC" must start with a letter/],
      ["a b", /segment "a b" must start with a letter and contain only/],
      ["/lead", /must not start or end with '\/'/],
      ["a//b", /contain '\/\/'/],
      ["A".repeat(257), /at most 256 characters/],
    ];
    for (const [key, message] of cases) {
      const response = await coffer.api("POST", base, { key, value: "v" });
      expect(response.status, key).toBe(400);
      expect(response.body.error.message).toMatch(message);
      expect(response.body.error.details.field).toBe("key");
    }
  });

  it("rejects unknown fields, wrong types and non-JSON bodies without echoing them", async () => {
    const unknown = await coffer.api("POST", base, { key: "X", value: "v", colour: "blue" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('Unknown field "colour"');

    const wrongType = await coffer.api("POST", base, { key: "X", value: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toBe('Field "value" must be a string');

    const broken = await coffer.api("POST", base, '{"key":"X","value":"leaky-canary"');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toBe("The request body is not valid JSON");
    expect(broken.text).not.toContain("leaky-canary");
  });

  it("refuses a duplicate key with 409", async () => {
    await coffer.api("POST", base, { key: "DUP", value: "one" });
    const response = await coffer.api("POST", base, { key: "DUP", value: "two" });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toBe('A secret with key "DUP" already exists in shop/production');
  });

  it("keeps keys case-sensitive", async () => {
    expect((await coffer.api("POST", base, { key: "Case", value: "upper" })).status).toBe(201);
    expect((await coffer.api("POST", base, { key: "case", value: "lower" })).status).toBe(201);
    expect((await coffer.api("GET", `${base}/case/value`)).body.data.value).toBe("lower");
  });

  it("refuses a value larger than 64 KiB with 413", async () => {
    const response = await coffer.api("POST", base, { key: "BIG", value: "x".repeat(64 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toContain("larger than 65536 bytes");
  });
});

describe("updating secrets", () => {
  const key = `${base}/UPDATE_ME`;
  beforeAll(async () => {
    await coffer.api("POST", base, { key: "UPDATE_ME", value: "first", description: "before" });
  });

  it('answers "No changes to save" when nothing changes, including an empty value', async () => {
    for (const body of [{}, { value: "" }, { description: "before" }, { value: "first" }]) {
      const response = await coffer.api("PATCH", key, body);
      expect(response.status).toBe(422);
      expect(response.body.error).toEqual({ code: "no_changes", message: "No changes to save" });
    }
  });

  it("changes the description without a new version", async () => {
    const response = await coffer.api("PATCH", key, { description: "after", value: "" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ description: "after", version: 1 });
  });

  it("makes a new version when the value changes", async () => {
    const response = await coffer.api("PATCH", key, { value: "second" });
    expect(response.body.version).toBe(2);
    expect((await coffer.api("GET", `${key}/value`)).body).toEqual({
      key: "UPDATE_ME",
      version: 2,
      data: { value: "second" },
    });
  });

  it("merges fields: sets named ones, keeps the rest, removes nulls", async () => {
    await coffer.api("POST", base, { key: "MULTI", fields: { user: "u", pass: "p", host: "h" } });
    const response = await coffer.api("PATCH", `${base}/MULTI`, {
      fields: { pass: "p2", host: null, port: "5432" },
    });
    expect(response.status).toBe(200);
    expect(response.body.fields.sort()).toEqual(["pass", "port", "user"]);
    expect((await coffer.api("GET", `${base}/MULTI/value`)).body.data).toEqual({
      user: "u",
      pass: "p2",
      port: "5432",
    });
  });

  it("refuses to remove the last field", async () => {
    const response = await coffer.api("PATCH", key, { fields: { value: null } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain("at least one field");
  });

  it("answers 404 for a secret that does not exist", async () => {
    const response = await coffer.api("PATCH", `${base}/NOPE`, { value: "x" });
    expect(response.status).toBe(404);
    expect(response.body.error.message).toBe('Secret "NOPE" not found in shop/production');
  });
});

describe("versions and rollback", () => {
  const key = `${base}/ROTATED`;
  beforeAll(async () => {
    await coffer.api("POST", base, { key: "ROTATED", value: "v1" });
    await coffer.api("PATCH", key, { value: "v2" });
    await coffer.api("PATCH", key, { value: "v3" });
  });

  it("lists versions newest first, with who made them", async () => {
    const response = await coffer.api("GET", `${key}/versions`);
    expect(response.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(response.body.versions[0]).toMatchObject({
      fields: ["value"],
      createdBy: { name: "initial-root" },
    });
    expect(response.text).not.toMatch(/"v[123]"/);
  });

  it("reads an old version's value", async () => {
    const response = await coffer.api("GET", `${key}/versions/1/value`);
    expect(response.body).toEqual({ key: "ROTATED", version: 1, data: { value: "v1" } });
    expect((await coffer.api("GET", `${key}/versions/9/value`)).status).toBe(404);
  });

  it("rolls back by writing a new version with the old value", async () => {
    const response = await coffer.api("POST", `${key}/rollback`, { version: 1 });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(4);
    expect((await coffer.api("GET", `${key}/value`)).body).toEqual({
      key: "ROTATED",
      version: 4,
      data: { value: "v1" },
    });
    expect((await coffer.api("GET", `${key}/versions/3/value`)).body.data.value).toBe("v3");
  });

  it("refuses a rollback to the current version or to one that never existed", async () => {
    expect((await coffer.api("POST", `${key}/rollback`, { version: 4 })).status).toBe(422);
    expect((await coffer.api("POST", `${key}/rollback`, { version: 40 })).status).toBe(404);
    expect((await coffer.api("POST", `${key}/rollback`, { version: 0 })).status).toBe(400);
  });
});

describe("listing", () => {
  const listBase = secretsPath("shop", "staging");
  beforeAll(async () => {
    for (const key of ["payments/db", "payments/api", "paymentsX", "orders/db", "ALPHA", "BETA", "GAMMA"]) {
      await coffer.api("POST", listBase, {
        key,
        value: `value-of-${key}`,
        description: key === "BETA" ? "Webhook SIGNING" : "",
      });
    }
  });

  it("pages with an opaque cursor until nextCursor is null", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=3" : `?limit=3&cursor=${encodeURIComponent(cursor)}`;
      const response = await coffer.api("GET", `${listBase}${query}`);
      expect(response.status).toBe(200);
      expect(response.body.secrets.length).toBeLessThanOrEqual(3);
      seen.push(...response.body.secrets.map((s: { key: string }) => s.key));
      cursor = response.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(["ALPHA", "BETA", "GAMMA", "orders/db", "payments/api", "payments/db", "paymentsX"]);
  });

  it("filters by whole key segments with prefix", async () => {
    const response = await coffer.api("GET", `${listBase}?prefix=payments`);
    expect(response.body.secrets.map((s: { key: string }) => s.key)).toEqual(["payments/api", "payments/db"]);
  });

  it("searches key and description case-insensitively", async () => {
    const byDescription = await coffer.api("GET", `${listBase}?search=signing`);
    expect(byDescription.body.secrets.map((s: { key: string }) => s.key)).toEqual(["BETA"]);
    const byKey = await coffer.api("GET", `${listBase}?search=DB`);
    expect(byKey.body.secrets.map((s: { key: string }) => s.key)).toEqual(["orders/db", "payments/db"]);
    const literal = await coffer.api("GET", `${listBase}?search=%25`);
    expect(literal.body.secrets).toEqual([]);
  });

  it("rejects a bad limit or a forged cursor", async () => {
    expect((await coffer.api("GET", `${listBase}?limit=0`)).status).toBe(400);
    expect((await coffer.api("GET", `${listBase}?limit=5000`)).status).toBe(400);
    const forged = await coffer.api("GET", `${listBase}?cursor=not-a-cursor`);
    expect(forged.status).toBe(400);
    expect(forged.body.error.details.field).toBe("cursor");
  });

  it("never includes values", async () => {
    const response = await coffer.api("GET", listBase);
    expect(response.text).not.toContain("value-of-");
  });
});

describe("bulk values and deletion", () => {
  const bulkBase = secretsPath("shop", "development");
  beforeAll(async () => {
    await coffer.api("POST", bulkBase, { key: "ONE", value: "1" });
    await coffer.api("POST", bulkBase, { key: "TWO", fields: { a: "2a", b: "2b" } });
  });

  it("returns every value of an environment in one request", async () => {
    const response = await coffer.api("POST", "/v1/projects/shop/environments/development/values", {});
    expect(response.body.secrets).toEqual([
      { key: "ONE", version: 1, data: { value: "1" } },
      { key: "TWO", version: 1, data: { a: "2a", b: "2b" } },
    ]);
  });

  it("returns only the named keys and names the missing ones", async () => {
    const named = await coffer.api("POST", "/v1/projects/shop/environments/development/values", {
      keys: ["TWO"],
    });
    expect(named.body.secrets.map((s: { key: string }) => s.key)).toEqual(["TWO"]);
    const missing = await coffer.api("POST", "/v1/projects/shop/environments/development/values", {
      keys: ["ONE", "GHOST"],
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Secret "GHOST" not found in shop/development');
  });

  it("deletes a secret with all its versions, permanently", async () => {
    await coffer.api("PATCH", `${bulkBase}/ONE`, { value: "1b" });
    expect((await coffer.api("DELETE", `${bulkBase}/ONE`)).status).toBe(204);
    expect((await coffer.api("GET", `${bulkBase}/ONE`)).status).toBe(404);
    expect((await coffer.api("GET", `${bulkBase}/ONE/versions/1/value`)).status).toBe(404);
    expect((await coffer.api("DELETE", `${bulkBase}/ONE`)).status).toBe(404);
    const recreated = await coffer.api("POST", bulkBase, { key: "ONE", value: "fresh" });
    expect(recreated.body.version).toBe(1);
  });
});
