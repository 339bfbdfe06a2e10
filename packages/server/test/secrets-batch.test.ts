// The batch import endpoint: all-or-nothing, conflict modes, dry runs, permissions and one audit event per secret.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
let counter = 0;

/** A fresh environment per test, so that one test's secrets cannot decide another's outcome. */
async function freshEnvironment(): Promise<{ env: string; base: string; batch: string }> {
  const env = `env${++counter}`;
  expect((await coffer.api("POST", "/v1/projects/batchp/environments", { slug: env })).status).toBe(201);
  const base = secretsPath("batchp", env);
  return { env, base, batch: `${base}/batch` };
}

async function valuesOf(env: string): Promise<Record<string, Record<string, string>>> {
  const response = await coffer.api("POST", `/v1/projects/batchp/environments/${env}/values`, {});
  expect(response.status).toBe(200);
  return Object.fromEntries(
    (response.body.secrets as { key: string; data: Record<string, string> }[]).map((s) => [s.key, s.data]),
  );
}

beforeAll(async () => {
  coffer = await startServer();
  expect((await coffer.api("POST", "/v1/projects", { slug: "batchp" })).status).toBe(201);
});
afterAll(() => coffer.close());

describe("POST …/secrets/batch", () => {
  it("creates every secret of the batch, single values and fields, with their attributes", async () => {
    const { env, base, batch } = await freshEnvironment();
    const response = await coffer.api("POST", batch, {
      secrets: [
        { key: "API_KEY", value: "k-1", description: "the key", type: "api_key", metadata: { team: "a" } },
        { key: "db/main", fields: { user: "app", password: "p=w#\n'\"$x" } },
      ],
      onConflict: "fail",
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ created: ["API_KEY", "db/main"], updated: [], skipped: [] });
    expect(response.text).not.toContain("k-1");
    expect(await valuesOf(env)).toEqual({
      API_KEY: { value: "k-1" },
      "db/main": { user: "app", password: "p=w#\n'\"$x" },
    });
    const described = await coffer.api("GET", `${base}/API_KEY`);
    expect(described.body).toMatchObject({
      description: "the key",
      type: "api_key",
      metadata: { team: "a" },
      version: 1,
    });
  });

  it("with onConflict fail answers 409 naming the existing keys and writes nothing", async () => {
    const { env, base, batch } = await freshEnvironment();
    await coffer.api("POST", base, { key: "TAKEN", value: "old" });
    const response = await coffer.api("POST", batch, {
      secrets: [
        { key: "NEW", value: "n" },
        { key: "TAKEN", value: "new" },
      ],
      onConflict: "fail",
    });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("conflict");
    expect(response.body.error.message).toContain('"TAKEN"');
    expect(response.body.error.details).toEqual({ keys: ["TAKEN"] });
    expect(await valuesOf(env)).toEqual({ TAKEN: { value: "old" } });
  });

  it("with onConflict skip leaves existing secrets alone and creates the rest", async () => {
    const { env, base, batch } = await freshEnvironment();
    await coffer.api("POST", base, { key: "TAKEN", value: "old" });
    const response = await coffer.api("POST", batch, {
      secrets: [
        { key: "NEW", value: "n" },
        { key: "TAKEN", value: "new" },
      ],
      onConflict: "skip",
    });
    expect(response.body).toEqual({ created: ["NEW"], updated: [], skipped: ["TAKEN"] });
    expect(await valuesOf(env)).toEqual({ NEW: { value: "n" }, TAKEN: { value: "old" } });
  });

  it("with onConflict overwrite writes a new version of existing secrets", async () => {
    const { env, base, batch } = await freshEnvironment();
    await coffer.api("POST", base, { key: "TAKEN", fields: { a: "1", b: "2" } });
    const response = await coffer.api("POST", batch, {
      secrets: [
        { key: "NEW", value: "n" },
        { key: "TAKEN", value: "new" },
      ],
      onConflict: "overwrite",
    });
    expect(response.body).toEqual({ created: ["NEW"], updated: ["TAKEN"], skipped: [] });
    expect(await valuesOf(env)).toEqual({ NEW: { value: "n" }, TAKEN: { value: "new" } });
    expect((await coffer.api("GET", `${base}/TAKEN`)).body).toMatchObject({ version: 2, fields: ["value"] });
  });

  it("a dry run reports what would happen and writes nothing", async () => {
    const { env, base, batch } = await freshEnvironment();
    await coffer.api("POST", base, { key: "TAKEN", value: "old" });
    const response = await coffer.api("POST", batch, {
      secrets: [
        { key: "NEW", value: "n" },
        { key: "TAKEN", value: "new" },
      ],
      onConflict: "overwrite",
      dryRun: true,
    });
    expect(response.body).toEqual({ created: ["NEW"], updated: ["TAKEN"], skipped: [] });
    expect(await valuesOf(env)).toEqual({ TAKEN: { value: "old" } });
  });

  it("an invalid item fails the whole batch with 400 naming its index and key", async () => {
    const { env, batch } = await freshEnvironment();
    const response = await coffer.api("POST", batch, {
      secrets: [
        { key: "GOOD", value: "g" },
        { key: "1bad", value: "b" },
      ],
      onConflict: "fail",
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^secrets\[1\] \(key "1bad"\): /);
    expect(response.body.error.details).toMatchObject({ index: 1, key: "1bad", field: "key" });
    expect(await valuesOf(env)).toEqual({});
  });

  it("an empty value, an oversized value or a repeated key is refused with the item named", async () => {
    const { batch } = await freshEnvironment();
    const cases: [unknown[], RegExp, number][] = [
      [[{ key: "A", value: "" }], /^secrets\[0\] \(key "A"\): Secret value is required/, 400],
      [[{ key: "A", value: "x".repeat(64 * 1024 + 1) }], /^secrets\[0\] \(key "A"\): .*larger than/, 413],
      [
        [
          { key: "A", value: "1" },
          { key: "A", value: "2" },
        ],
        /^secrets\[1\] \(key "A"\): .*also item 0/,
        400,
      ],
    ];
    for (const [secrets, message, status] of cases) {
      const response = await coffer.api("POST", batch, { secrets, onConflict: "fail" });
      expect(response.status).toBe(status);
      expect(response.body.error.message).toMatch(message);
    }
  });

  it("records one audit event per secret written", async () => {
    const { env, batch } = await freshEnvironment();
    await coffer.api("POST", batch, {
      secrets: [
        { key: "ONE", value: "1" },
        { key: "TWO", value: "2" },
      ],
      onConflict: "fail",
    });
    const audit = await coffer.api("GET", `/v1/audit?project=batchp&environment=${env}&limit=100`);
    const creates = (audit.body.events as { action: string; key: string }[])
      .filter((event) => event.action === "secret.create")
      .map((event) => event.key)
      .sort();
    expect(creates).toEqual(["ONE", "TWO"]);
  });

  it("overwriting needs secrets:update as well as secrets:create", async () => {
    const { env, base, batch } = await freshEnvironment();
    await coffer.api("POST", base, { key: "TAKEN", value: "old" });
    const token = await createToken(coffer, { projects: ["batchp"], permissions: ["secrets:create"] });
    const body = { secrets: [{ key: "TAKEN", value: "new" }], onConflict: "overwrite" };
    const refused = await coffer.api("POST", batch, body, token);
    expect(refused.status).toBe(403);
    const skipped = await coffer.api("POST", batch, { ...body, onConflict: "skip" }, token);
    expect(skipped.body).toEqual({ created: [], updated: [], skipped: ["TAKEN"] });
    expect(await valuesOf(env)).toEqual({ TAKEN: { value: "old" } });
  });

  it("writes 5,000 secrets in one request", { timeout: 60_000 }, async () => {
    const { env, batch } = await freshEnvironment();
    const secrets = Array.from({ length: 5000 }, (_, i) => ({ key: `K${i}`, value: `v${i}` }));
    const response = await coffer.api("POST", batch, { secrets, onConflict: "fail" });
    expect(response.status).toBe(200);
    expect(response.body.created).toHaveLength(5000);
    const values = await valuesOf(env);
    expect(Object.keys(values)).toHaveLength(5000);
    expect(values["K4321"]).toEqual({ value: "v4321" });
  });
});
