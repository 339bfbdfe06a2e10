import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
beforeAll(async () => {
  coffer = await startServer();
});
afterAll(() => coffer.close());

describe("projects", () => {
  it("creates a project with the default environments", async () => {
    const created = await coffer.api("POST", "/v1/projects", { slug: "billing", description: "Invoices" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: "billing", name: "Billing", description: "Invoices" });
    const envs = await coffer.api("GET", "/v1/projects/billing/environments");
    expect(envs.body.environments.map((e: { slug: string }) => e.slug)).toEqual([
      "development",
      "staging",
      "production",
    ]);
  });

  it("creates a project with chosen environments", async () => {
    await coffer.api("POST", "/v1/projects", { slug: "tiny", name: "Tiny one", environments: ["prod"] });
    const envs = await coffer.api("GET", "/v1/projects/tiny/environments");
    expect(envs.body.environments).toEqual([expect.objectContaining({ slug: "prod", name: "Prod" })]);
  });

  it("lists, reads and renames projects", async () => {
    const list = await coffer.api("GET", "/v1/projects");
    expect(list.body.projects.map((p: { slug: string }) => p.slug)).toEqual(["billing", "tiny"]);
    const renamed = await coffer.api("PATCH", "/v1/projects/billing", { name: "Billing & Invoices" });
    expect(renamed.body.name).toBe("Billing & Invoices");
    expect((await coffer.api("GET", "/v1/projects/billing")).body.name).toBe("Billing & Invoices");
    expect((await coffer.api("PATCH", "/v1/projects/billing", { name: "Billing & Invoices" })).status).toBe(
      422,
    );
  });

  it("refuses bad or duplicate slugs with a message naming the rule", async () => {
    const bad = await coffer.api("POST", "/v1/projects", { slug: "Bad Slug" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("must start with a lowercase letter");
    const duplicate = await coffer.api("POST", "/v1/projects", { slug: "billing" });
    expect(duplicate.status).toBe(409);
    expect((await coffer.api("POST", "/v1/projects", {})).body.error.message).toBe(
      'Field "slug" is required',
    );
  });

  it("answers 404 for an unknown project", async () => {
    const response = await coffer.api("GET", "/v1/projects/ghost");
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual({ code: "not_found", message: 'Project "ghost" not found' });
  });

  it("refuses to delete a project holding secrets unless forced", async () => {
    await coffer.api("POST", "/v1/projects", { slug: "doomed" });
    await coffer.api("POST", secretsPath("doomed", "staging"), { key: "K", value: "v" });
    const refused = await coffer.api("DELETE", "/v1/projects/doomed");
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("holds 1 secret");
    expect((await coffer.api("DELETE", "/v1/projects/doomed?force=true")).status).toBe(204);
    expect((await coffer.api("GET", "/v1/projects/doomed")).status).toBe(404);
  });
});

describe("environments", () => {
  it("adds and removes an environment", async () => {
    const created = await coffer.api("POST", "/v1/projects/billing/environments", { slug: "qa" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: "qa", name: "Qa" });
    expect((await coffer.api("POST", "/v1/projects/billing/environments", { slug: "qa" })).status).toBe(409);
    expect((await coffer.api("DELETE", "/v1/projects/billing/environments/qa")).status).toBe(204);
    expect((await coffer.api("DELETE", "/v1/projects/billing/environments/qa")).status).toBe(404);
  });

  it("refuses to delete an environment holding secrets unless forced", async () => {
    await coffer.api("POST", secretsPath("billing", "staging"), { key: "K", value: "v" });
    expect((await coffer.api("DELETE", "/v1/projects/billing/environments/staging")).status).toBe(409);
    expect((await coffer.api("DELETE", "/v1/projects/billing/environments/staging?force=true")).status).toBe(
      204,
    );
    expect((await coffer.api("GET", `${secretsPath("billing", "staging")}`)).status).toBe(404);
  });

  it("answers 404 for secrets of an unknown environment", async () => {
    const response = await coffer.api("GET", secretsPath("billing", "nowhere"));
    expect(response.status).toBe(404);
    expect(response.body.error.message).toBe('Environment "nowhere" not found in project "billing"');
  });
});

describe("health and documentation", () => {
  it("answers health and readiness without a token", async () => {
    expect((await coffer.api("GET", "/healthz", undefined, null)).body).toEqual({ status: "ok" });
    expect((await coffer.api("GET", "/readyz", undefined, null)).body).toEqual({ status: "ready" });
  });

  it("serves an OpenAPI 3.1 document describing every route", async () => {
    const response = await coffer.api("GET", "/openapi.json", undefined, null);
    expect(response.body.openapi).toBe("3.1.0");
    const paths = Object.keys(response.body.paths);
    for (const path of [
      "/v1/projects",
      "/v1/projects/{project}",
      "/v1/projects/{project}/environments",
      "/v1/projects/{project}/environments/{env}",
      "/v1/projects/{project}/environments/{env}/secrets",
      "/v1/projects/{project}/environments/{env}/secrets/{key}",
      "/v1/projects/{project}/environments/{env}/secrets/{key}/value",
      "/v1/projects/{project}/environments/{env}/secrets/{key}/versions",
      "/v1/projects/{project}/environments/{env}/secrets/{key}/versions/{version}/value",
      "/v1/projects/{project}/environments/{env}/secrets/{key}/rollback",
      "/v1/projects/{project}/environments/{env}/values",
      "/v1/tokens",
      "/v1/tokens/{id}",
    ]) {
      expect(paths).toContain(path);
    }
    const create = response.body.paths["/v1/projects/{project}/environments/{env}/secrets"].post;
    expect(create.requestBody.content["application/json"].schema.properties.key).toBeDefined();
  });

  it("documents 507 storage_full on every write and on the reveals, not on plain reads", async () => {
    const { paths } = (await coffer.api("GET", "/openapi.json", undefined, null)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const writes: [string, { responses: Record<string, unknown> }][] = [];
    for (const [path, operations] of Object.entries(paths)) {
      for (const method of ["post", "put", "patch", "delete"]) {
        const operation = operations[method];
        if (operation !== undefined) writes.push([`${method.toUpperCase()} ${path}`, operation]);
      }
    }
    expect(writes.map(([name]) => name)).toContain("POST /v1/projects");
    for (const [name, operation] of writes) {
      expect(operation.responses["507"], name).toMatchObject({
        content: { "application/json": { schema: { required: ["error"] } } },
      });
    }
    const secret = "/v1/projects/{project}/environments/{env}/secrets/{key}";
    expect(paths[`${secret}/value`]?.["get"]?.responses["507"]).toBeDefined();
    expect(paths[`${secret}/versions/{version}/value`]?.["get"]?.responses["507"]).toBeDefined();
    expect(paths["/v1/projects"]?.["get"]?.responses["507"]).toBeUndefined();
  });

  it("puts a request id and no-store on every response", async () => {
    const response = await coffer.api("GET", "/v1/projects");
    expect(response.headers.get("x-request-id")).toMatch(/.+/);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("answers unknown routes with the error shape", async () => {
    const response = await coffer.api("GET", "/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });
});
