// Reveals, proxied calls and templates read each secret's head row from memory on the embedded database
// (secrets/head-cache.ts). Every write that changes what they must answer is made here right after a read that
// cached the row, and the next read has to see it: through Coffer's API, the Vault API and a data-key rotation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiResponse, secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
const base = secretsPath("cache", "production");
const vaultData = (key: string) => `/vault/v1/cache/production/data/${key}`;

beforeAll(async () => {
  coffer = await startServer();
  expect((await coffer.api("POST", "/v1/projects", { slug: "cache" })).status).toBe(201);
});
afterAll(() => coffer.close());

async function create(key: string, value: string): Promise<void> {
  expect((await coffer.api("POST", base, { key, value })).status).toBe(201);
}

/** Reads twice, so that the second read is the one served from memory when the cache works. */
async function revealTwice(key: string): Promise<ApiResponse> {
  await coffer.api("GET", `${base}/${key}/value`);
  return coffer.api("GET", `${base}/${key}/value`);
}

async function resolved(key: string): Promise<unknown> {
  const response = await coffer.api("POST", "/v1/projects/cache/environments/production/resolve", {
    template: { value: `{{ secrets.${key} }}` },
  });
  expect(response.status).toBe(200);
  return response.body.resolved.value;
}

async function vault(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${coffer.url}${path}`, {
    method,
    headers: { "x-vault-token": coffer.rootToken, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("a read after a write sees the write", () => {
  it("a new value, through Coffer's API", async () => {
    await create("UPDATED", "first");
    expect((await revealTwice("UPDATED")).body).toMatchObject({ version: 1, data: { value: "first" } });
    expect((await coffer.api("PATCH", `${base}/UPDATED`, { value: "second" })).status).toBe(200);
    expect((await revealTwice("UPDATED")).body).toMatchObject({ version: 2, data: { value: "second" } });
  });

  it("a rollback", async () => {
    await create("ROLLED", "old");
    await coffer.api("PATCH", `${base}/ROLLED`, { value: "new" });
    expect((await revealTwice("ROLLED")).body.data).toEqual({ value: "new" });
    expect((await coffer.api("POST", `${base}/ROLLED/rollback`, { version: 1 })).status).toBe(200);
    expect((await revealTwice("ROLLED")).body).toMatchObject({ version: 3, data: { value: "old" } });
  });

  it("a permanent delete, and a new secret under the same key", async () => {
    await create("DELETED", "gone soon");
    expect((await revealTwice("DELETED")).status).toBe(200);
    expect((await coffer.api("DELETE", `${base}/DELETED`)).status).toBe(204);
    expect((await revealTwice("DELETED")).status).toBe(404);
    await create("DELETED", "born again");
    expect((await revealTwice("DELETED")).body).toMatchObject({ version: 1, data: { value: "born again" } });
  });

  it("a Vault soft delete, undelete and destroy of the current version", async () => {
    expect((await vault("POST", vaultData("VAULTED"), { data: { value: "kv" } })).status).toBe(200);
    expect((await revealTwice("VAULTED")).body.data).toEqual({ value: "kv" });
    expect((await vault("DELETE", vaultData("VAULTED"))).status).toBe(204);
    expect((await revealTwice("VAULTED")).status).toBe(404);
    const undelete = await vault("POST", "/vault/v1/cache/production/undelete/VAULTED", { versions: [1] });
    expect(undelete.status).toBe(204);
    expect((await revealTwice("VAULTED")).body.data).toEqual({ value: "kv" });
    const destroy = await vault("PUT", "/vault/v1/cache/production/destroy/VAULTED", { versions: [1] });
    expect(destroy.status).toBe(204);
    const after = await revealTwice("VAULTED");
    expect(after.status).toBe(404);
    expect(after.text).not.toContain("kv");
  });

  // The value is the same before and after, so this shows that a reveal keeps working across the rotation's
  // writes rather than that the row was read again (the tests above show that).
  it("a data-key rotation, which re-encrypts every value under a new key and retires the old one", async () => {
    await create("ROTATED", "survives rotation");
    expect((await revealTwice("ROTATED")).body.data).toEqual({ value: "survives rotation" });
    expect((await coffer.api("POST", "/v1/keys/rotate-data", { project: "cache" })).status).toBe(202);
    for (let attempt = 0; attempt < 100; attempt++) {
      const status = await coffer.api("GET", "/v1/keys/status");
      const project = status.body.projects.find((entry: { project: string }) => entry.project === "cache");
      if (project.versions.length === 1 && project.activeVersion === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await revealTwice("ROTATED");
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual({ value: "survives rotation" });
  });

  it("a template resolved after an update gets the new value", async () => {
    await create("TEMPLATED", "before");
    expect(await resolved("TEMPLATED")).toBe("before");
    expect(await resolved("TEMPLATED")).toBe("before");
    await coffer.api("PATCH", `${base}/TEMPLATED`, { value: "after" });
    expect(await resolved("TEMPLATED")).toBe("after");
  });

  it("bulk reads of named keys see an update of one of them", async () => {
    await create("BULK_A", "a1");
    await create("BULK_B", "b1");
    const bulk = () =>
      coffer.api("POST", "/v1/projects/cache/environments/production/values", { keys: ["BULK_B", "BULK_A"] });
    await bulk();
    expect((await bulk()).body).toMatchObject({
      secrets: [
        { key: "BULK_A", data: { value: "a1" } },
        { key: "BULK_B", data: { value: "b1" } },
      ],
    });
    await coffer.api("PATCH", `${base}/BULK_B`, { value: "b2" });
    expect((await bulk()).body.secrets.map((secret: { data: unknown }) => secret.data)).toEqual([
      { value: "a1" },
      { value: "b2" },
    ]);
  });
});
