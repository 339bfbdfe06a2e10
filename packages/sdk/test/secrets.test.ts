import { describe, expect, it } from "vitest";
import { CofferError } from "../src/index.ts";
import { clientOf, fakeCoffer, secretMetadata } from "./fake-coffer.ts";

const base = "/v1/projects/payments/environments/production";

describe("listing secrets", () => {
  it("sends the token and the filters, and returns the secrets' metadata", async () => {
    const server = await fakeCoffer(() => ({
      json: { secrets: [secretMetadata("payments/db")], nextCursor: null },
    }));
    const secrets = await clientOf(server).secrets.list({ prefix: "payments", search: "db" });

    expect(secrets.map((s) => s.key)).toEqual(["payments/db"]);
    const [request] = server.requests;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe(`${base}/secrets?limit=1000&prefix=payments&search=db`);
    expect(request?.headers["authorization"]).toBe("Bearer coffer_test-token");
    expect(request?.headers["accept"]).toBe("application/json");
    expect(request?.headers["content-type"]).toBeUndefined();
    expect(request?.body).toBe("");
  });

  it("follows nextCursor across three pages and returns every secret in order", async () => {
    const pages = [
      { secrets: [secretMetadata("A"), secretMetadata("B")], nextCursor: "cursor-1" },
      { secrets: [secretMetadata("C")], nextCursor: "cursor/2+" },
      { secrets: [secretMetadata("D")], nextCursor: null },
    ];
    const server = await fakeCoffer((_, index) => ({ json: pages[index] }));
    const secrets = await clientOf(server).secrets.list({ pageSize: 2, prefix: "x" });

    expect(secrets.map((s) => s.key)).toEqual(["A", "B", "C", "D"]);
    expect(server.requests.map((r) => r.url)).toEqual([
      `${base}/secrets?limit=2&prefix=x`,
      `${base}/secrets?limit=2&cursor=cursor-1&prefix=x`,
      `${base}/secrets?limit=2&cursor=cursor%2F2%2B&prefix=x`,
    ]);
  });

  it("iterates page by page and stops requesting when the caller stops", async () => {
    const server = await fakeCoffer((_, index) => ({
      json: { secrets: [secretMetadata(`K${index}`)], nextCursor: `c${index}` },
    }));
    const seen: string[] = [];
    for await (const page of clientOf(server).secrets.iterate()) {
      seen.push(...page.map((s) => s.key));
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["K0", "K1"]);
    expect(server.requests).toHaveLength(2);
  });

  it("returns one page with its cursor from page()", async () => {
    const server = await fakeCoffer(() => ({ json: { secrets: [secretMetadata("A")], nextCursor: "next" } }));
    const page = await clientOf(server).secrets.page({ limit: 1, cursor: "abc" });
    expect(page.nextCursor).toBe("next");
    expect(server.requests[0]?.url).toBe(`${base}/secrets?limit=1&cursor=abc`);
  });

  it("stops with invalid_response when the server hands back a cursor it already gave", async () => {
    const server = await fakeCoffer(() => ({ json: { secrets: [], nextCursor: "same" } }));
    const error = await clientOf(server)
      .secrets.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CofferError);
    expect((error as CofferError).code).toBe("invalid_response");
    expect(server.requests).toHaveLength(2);
  });
});

describe("reading secrets", () => {
  it("sends a key containing / as one percent-encoded path segment", async () => {
    const server = await fakeCoffer(() => ({
      json: { key: "payments/db", version: 3, data: { user: "app", password: "pw" } },
    }));
    const secret = await clientOf(server).secrets.get("payments/db");

    expect(secret).toEqual({ key: "payments/db", version: 3, data: { user: "app", password: "pw" } });
    expect(server.requests[0]?.method).toBe("GET");
    expect(server.requests[0]?.url).toBe(`${base}/secrets/payments%2Fdb/value`);
  });

  it("describes a secret from its metadata endpoint, which has no value", async () => {
    const server = await fakeCoffer(() => ({ json: secretMetadata("STRIPE_KEY", { fields: ["value"] }) }));
    const secret = await clientOf(server).secrets.describe("STRIPE_KEY");
    expect(secret.fields).toEqual(["value"]);
    expect(server.requests[0]?.url).toBe(`${base}/secrets/STRIPE_KEY`);
  });

  it("lists versions, reads one version and rolls back through the version endpoints", async () => {
    const actor = { type: "token", id: "t", name: "ci" };
    const server = await fakeCoffer((request) => {
      if (request.url.endsWith("/versions")) {
        return { json: { versions: [{ version: 2, createdAt: "x", createdBy: actor, fields: ["value"] }] } };
      }
      if (request.url.endsWith("/rollback")) return { json: secretMetadata("a/b", { version: 3 }) };
      return { json: { key: "a/b", version: 1, data: { value: "old" } } };
    });
    const secrets = clientOf(server).secrets;

    expect((await secrets.versions("a/b")).map((v) => v.version)).toEqual([2]);
    expect((await secrets.getVersion("a/b", 1)).data).toEqual({ value: "old" });
    expect((await secrets.rollback("a/b", 1)).version).toBe(3);
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      `GET ${base}/secrets/a%2Fb/versions `,
      `GET ${base}/secrets/a%2Fb/versions/1/value `,
      `POST ${base}/secrets/a%2Fb/rollback {"version":1}`,
    ]);
  });

  it("fetches the named values, or all of them, in one POST", async () => {
    const server = await fakeCoffer(() => ({
      json: { secrets: [{ key: "A", version: 1, data: { value: "1" } }] },
    }));
    const coffer = clientOf(server);

    expect(await coffer.secrets.values(["A", "B/C"])).toEqual([
      { key: "A", version: 1, data: { value: "1" } },
    ]);
    await coffer.secrets.values();
    expect(server.requests.map((r) => [r.method, r.url, r.json])).toEqual([
      ["POST", `${base}/values`, { keys: ["A", "B/C"] }],
      ["POST", `${base}/values`, {}],
    ]);
  });
});

describe("writing secrets", () => {
  it("creates with a string as the value shorthand, sending only the API's fields", async () => {
    const server = await fakeCoffer(() => ({ status: 201, json: secretMetadata("my-secret") }));
    const signal = new AbortController().signal;
    await clientOf(server).secrets.create("my-secret", "sk-123", {
      description: "Stripe",
      type: "api_key",
      metadata: { team: "billing" },
      allowedDestinations: ["api.stripe.com"],
      environment: "production",
      signal,
    });

    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`${base}/secrets`);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.json).toEqual({
      key: "my-secret",
      value: "sk-123",
      description: "Stripe",
      type: "api_key",
      metadata: { team: "billing" },
      allowedDestinations: ["api.stripe.com"],
    });
  });

  it("creates with several fields as fields", async () => {
    const server = await fakeCoffer(() => ({ status: 201, json: secretMetadata("db") }));
    await clientOf(server).secrets.create("db", { user: "app", password: "pw" }, { name: "Database" });
    expect(server.requests[0]?.json).toEqual({
      key: "db",
      fields: { user: "app", password: "pw" },
      name: "Database",
    });
  });

  it("updates attributes only when the change is null, and sends a removed field as null", async () => {
    const server = await fakeCoffer(() => ({ json: secretMetadata("db") }));
    const coffer = clientOf(server);
    await coffer.secrets.update("db", null, { description: "primary" });
    await coffer.secrets.update("db", { password: "new", legacy: null });
    await coffer.secrets.update("db", "v2");

    expect(server.requests.map((r) => [r.method, r.url, r.json])).toEqual([
      ["PATCH", `${base}/secrets/db`, { description: "primary" }],
      ["PATCH", `${base}/secrets/db`, { fields: { password: "new", legacy: null } }],
      ["PATCH", `${base}/secrets/db`, { value: "v2" }],
    ]);
  });

  it("deletes with a bodyless DELETE and resolves to undefined on 204", async () => {
    const server = await fakeCoffer(() => ({ status: 204 }));
    await expect(clientOf(server).secrets.delete("payments/db")).resolves.toBeUndefined();
    expect(server.requests[0]?.method).toBe("DELETE");
    expect(server.requests[0]?.url).toBe(`${base}/secrets/payments%2Fdb`);
    expect(server.requests[0]?.headers["content-type"]).toBeUndefined();
  });
});

describe("choosing the project and environment", () => {
  it("lets a call override the client's default project and environment", async () => {
    const server = await fakeCoffer(() => ({ json: { key: "K", version: 1, data: {} } }));
    await clientOf(server).secrets.get("K", { project: "web shop", environment: "staging" });
    expect(server.requests[0]?.url).toBe("/v1/projects/web%20shop/environments/staging/secrets/K/value");
  });

  it("refuses a call without a project before sending anything, naming the option to set", async () => {
    const server = await fakeCoffer();
    const coffer = clientOf(server, { project: undefined });
    const error = await coffer.secrets.list().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CofferError);
    expect(error).toMatchObject({ status: 0, code: "validation_error", details: { field: "project" } });
    expect((error as CofferError).message).toContain("new Coffer({ project })");
    expect(server.requests).toHaveLength(0);
  });

  it("refuses a call without an environment before sending anything", async () => {
    const server = await fakeCoffer();
    const coffer = clientOf(server, { environment: undefined });
    await expect(coffer.secrets.get("K")).rejects.toMatchObject({ details: { field: "environment" } });
    expect(server.requests).toHaveLength(0);
  });

  it("refuses an empty key with the server's message, and a dot key that would climb out of its path", async () => {
    const server = await fakeCoffer();
    const coffer = clientOf(server);
    await expect(coffer.secrets.get("")).rejects.toMatchObject({ message: "Secret key is required" });
    await expect(coffer.secrets.create("", "v")).rejects.toMatchObject({ message: "Secret key is required" });
    await expect(coffer.secrets.delete("..")).rejects.toMatchObject({ code: "validation_error" });
    await expect(coffer.secrets.getVersion("K", 0)).rejects.toMatchObject({ details: { field: "version" } });
    expect(server.requests).toHaveLength(0);
  });
});
