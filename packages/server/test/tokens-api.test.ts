import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
const alpha = secretsPath("alpha", "production");
const beta = secretsPath("beta", "production");

beforeAll(async () => {
  coffer = await startServer();
  await coffer.api("POST", "/v1/projects", { slug: "alpha" });
  await coffer.api("POST", "/v1/projects", { slug: "beta" });
  await coffer.api("POST", alpha, { key: "A_KEY", value: "alpha-value" });
  await coffer.api("POST", beta, { key: "B_KEY", value: "beta-value" });
});
afterAll(() => coffer.close());

describe("authentication", () => {
  it("answers 401 without a token, with a malformed one, or with an unknown one", async () => {
    for (const token of [null, "nonsense", "coffer_unknown"]) {
      const response = await coffer.api("GET", "/v1/projects", undefined, token);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("unauthorized");
    }
  });

  it("refuses an expired token", async () => {
    const token = await createToken(coffer, {
      projects: ["alpha"],
      permissions: ["secrets:list"],
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await coffer.api("GET", alpha, undefined, token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const response = await coffer.api("GET", alpha, undefined, token);
    expect(response.status).toBe(401);
    expect(response.body.error.message).toContain("expired");
  });

  it("refuses a revoked token on the very next request", async () => {
    const created = await coffer.api("POST", "/v1/tokens", {
      name: "short-lived",
      projects: ["alpha"],
      permissions: ["secrets:list"],
    });
    const token = created.body.token as string;
    expect((await coffer.api("GET", alpha, undefined, token)).status).toBe(200);
    expect((await coffer.api("DELETE", `/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await coffer.api("GET", alpha, undefined, token)).status).toBe(401);
  });
});

describe("authorization", () => {
  it("gives 403 naming the permission a token lacks", async () => {
    const token = await createToken(coffer, { projects: ["alpha"], permissions: ["secrets:list"] });
    expect((await coffer.api("GET", alpha, undefined, token)).status).toBe(200);
    const reveal = await coffer.api("GET", `${alpha}/A_KEY/value`, undefined, token);
    expect(reveal.status).toBe(403);
    expect(reveal.body.error).toMatchObject({
      code: "forbidden",
      message: 'This token lacks the "secrets:reveal" permission on project "alpha"',
      details: { permission: "secrets:reveal" },
    });
    expect(reveal.text).not.toContain("alpha-value");
    for (const [method, path, body] of [
      ["POST", alpha, { key: "NEW", value: "v" }],
      ["PATCH", `${alpha}/A_KEY`, { value: "v2" }],
      ["DELETE", `${alpha}/A_KEY`, undefined],
      ["POST", `${alpha}/A_KEY/rollback`, { version: 1 }],
      ["POST", "/v1/projects/alpha/environments/production/values", {}],
      ["GET", `${alpha}/A_KEY/versions/1/value`, undefined],
    ] as const) {
      expect((await coffer.api(method, path, body, token)).status, `${method} ${path}`).toBe(403);
    }
  });

  it("gives 404, not 403, for another project: its existence does not leak", async () => {
    const token = await createToken(coffer, { projects: ["alpha"], permissions: ["admin"] });
    for (const path of ["/v1/projects/beta", beta, `${beta}/B_KEY/value`, "/v1/projects/beta/environments"]) {
      const response = await coffer.api("GET", path, undefined, token);
      expect(response.status, path).toBe(404);
      expect(response.body.error.message).toBe(
        path === "/v1/projects/beta" || path.endsWith("environments")
          ? 'Project "beta" not found'
          : 'Project "beta" not found',
      );
    }
    const ghost = await coffer.api("GET", "/v1/projects/ghost", undefined, token);
    expect(ghost.body.error.message).toBe('Project "ghost" not found');
    const list = await coffer.api("GET", "/v1/projects", undefined, token);
    expect(list.body.projects.map((p: { slug: string }) => p.slug)).toEqual(["alpha"]);
  });

  it("limits a token to its environments", async () => {
    const token = await createToken(coffer, {
      projects: ["alpha"],
      environments: ["staging"],
      permissions: ["secrets:list"],
    });
    expect((await coffer.api("GET", secretsPath("alpha", "staging"), undefined, token)).status).toBe(200);
    expect((await coffer.api("GET", alpha, undefined, token)).status).toBe(404);
    const envs = await coffer.api("GET", "/v1/projects/alpha/environments", undefined, token);
    expect(envs.body.environments.map((e: { slug: string }) => e.slug)).toEqual(["staging"]);
  });

  it("lets only an all-projects admin create projects", async () => {
    const token = await createToken(coffer, { projects: ["alpha"], permissions: ["admin"] });
    const response = await coffer.api("POST", "/v1/projects", { slug: "gamma" }, token);
    expect(response.status).toBe(403);
  });

  it("lets a reveal token read values but not change them", async () => {
    const token = await createToken(coffer, { projects: ["alpha"], permissions: ["secrets:reveal"] });
    expect((await coffer.api("GET", `${alpha}/A_KEY/value`, undefined, token)).body.data.value).toBe(
      "alpha-value",
    );
    expect((await coffer.api("PATCH", `${alpha}/A_KEY`, { value: "x" }, token)).status).toBe(403);
  });
});

describe("token management", () => {
  it("shows the token once and lists tokens without it", async () => {
    const created = await coffer.api("POST", "/v1/tokens", {
      name: "ci",
      projects: ["alpha"],
      environments: ["production"],
      permissions: ["secrets:reveal"],
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^coffer_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({
      name: "ci",
      projects: ["alpha"],
      environments: ["production"],
      permissions: ["secrets:reveal"],
      expiresAt: null,
      lastUsedAt: null,
    });
    const list = await coffer.api("GET", "/v1/tokens");
    expect(list.text).not.toContain(created.body.token);
    expect(list.body.tokens.find((t: { id: string }) => t.id === created.body.id)).toMatchObject({
      name: "ci",
    });
  });

  it("refuses unknown permissions, past expiry and missing projects with clear messages", async () => {
    const unknown = await coffer.api("POST", "/v1/tokens", {
      name: "x",
      projects: ["alpha"],
      permissions: ["read"],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('Unknown permission "read"');
    const past = await coffer.api("POST", "/v1/tokens", {
      name: "x",
      projects: ["alpha"],
      permissions: ["secrets:list"],
      expiresAt: "2001-01-01T00:00:00Z",
    });
    expect(past.body.error.message).toBe("expiresAt must be in the future");
    const none = await coffer.api("POST", "/v1/tokens", {
      name: "x",
      projects: [],
      permissions: ["secrets:list"],
    });
    expect(none.status).toBe(400);
    const ghost = await coffer.api("POST", "/v1/tokens", {
      name: "x",
      projects: ["ghost"],
      permissions: ["secrets:list"],
    });
    expect(ghost.status).toBe(404);
  });

  it("does not let a token grant more than it holds", async () => {
    const manager = await createToken(coffer, {
      projects: ["alpha"],
      permissions: ["tokens:manage", "secrets:list"],
    });
    const escalate = await coffer.api(
      "POST",
      "/v1/tokens",
      { name: "x", projects: ["alpha"], permissions: ["secrets:reveal"] },
      manager,
    );
    expect(escalate.status).toBe(403);
    const otherProject = await coffer.api(
      "POST",
      "/v1/tokens",
      { name: "x", projects: ["beta"], permissions: ["secrets:list"] },
      manager,
    );
    expect(otherProject.status).toBe(404);
    const allowed = await coffer.api(
      "POST",
      "/v1/tokens",
      { name: "x", projects: ["alpha"], permissions: ["secrets:list"] },
      manager,
    );
    expect(allowed.status).toBe(201);
    const visible = await coffer.api("GET", "/v1/tokens", undefined, manager);
    expect(visible.body.tokens.every((t: { projects: string[] }) => t.projects.join() === "alpha")).toBe(
      true,
    );
  });

  it("needs tokens:manage to manage tokens", async () => {
    const token = await createToken(coffer, { projects: ["alpha"], permissions: ["secrets:list"] });
    expect((await coffer.api("GET", "/v1/tokens", undefined, token)).status).toBe(403);
  });
});
