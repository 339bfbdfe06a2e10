// The authorization matrix: every route of the OpenAPI document × each role × (own project, foreign project,
// anonymous, expired token, revoked token) answers with the expected status, and foreign projects do not leak.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLES, type Role } from "../src/auth/permissions.ts";
import { asUser, createUser, type Session, signIn, startServer, type TestServer } from "./helpers.ts";
import { startEchoUpstream, type Upstream } from "./upstreams.ts";

type Rule =
  | { kind: "public" }
  | { kind: "session-only" }
  | { kind: "any" }
  | { kind: "instance-admin" }
  | { kind: "permission"; permission: string }
  | { kind: "token-manager" }
  | { kind: "audit-reader" };

const perm = (permission: string): Rule => ({ kind: "permission", permission });

/** What each route needs. A route missing here fails the test: new routes must state their rule. */
const RULES: Record<string, Rule> = {
  "GET /healthz": { kind: "public" },
  "GET /readyz": { kind: "public" },
  "POST /v1/auth/login": { kind: "public" },
  "POST /v1/setup": { kind: "public" },
  "POST /v1/auth/logout": { kind: "session-only" },
  "POST /v1/auth/password": { kind: "session-only" },
  "GET /v1/auth/me": { kind: "any" },
  "GET /v1/projects": { kind: "any" },
  "POST /v1/projects": { kind: "instance-admin" },
  "GET /v1/projects/{project}": { kind: "any" },
  "PATCH /v1/projects/{project}": perm("projects:manage"),
  "DELETE /v1/projects/{project}": perm("projects:delete"),
  "GET /v1/projects/{project}/environments": { kind: "any" },
  "POST /v1/projects/{project}/environments": perm("projects:manage"),
  "DELETE /v1/projects/{project}/environments/{env}": perm("projects:manage"),
  "GET /v1/projects/{project}/environments/{env}/secrets": perm("secrets:list"),
  "POST /v1/projects/{project}/environments/{env}/secrets": perm("secrets:create"),
  "POST /v1/projects/{project}/environments/{env}/secrets/batch": perm("secrets:create"),
  "GET /v1/projects/{project}/environments/{env}/secrets/{key}": perm("secrets:list"),
  "PATCH /v1/projects/{project}/environments/{env}/secrets/{key}": perm("secrets:update"),
  "DELETE /v1/projects/{project}/environments/{env}/secrets/{key}": perm("secrets:delete"),
  "GET /v1/projects/{project}/environments/{env}/secrets/{key}/value": perm("secrets:reveal"),
  "GET /v1/projects/{project}/environments/{env}/secrets/{key}/versions": perm("secrets:list"),
  "GET /v1/projects/{project}/environments/{env}/secrets/{key}/versions/{version}/value":
    perm("secrets:reveal"),
  "POST /v1/projects/{project}/environments/{env}/secrets/{key}/rollback": perm("secrets:update"),
  "POST /v1/projects/{project}/environments/{env}/values": perm("secrets:reveal"),
  "GET /v1/projects/{project}/members": { kind: "any" },
  "POST /v1/projects/{project}/members": perm("members:manage"),
  "PATCH /v1/projects/{project}/members/{userId}": perm("members:manage"),
  "DELETE /v1/projects/{project}/members/{userId}": perm("members:manage"),
  "POST /v1/tokens": { kind: "token-manager" },
  "GET /v1/tokens": { kind: "token-manager" },
  "DELETE /v1/tokens/{id}": { kind: "token-manager" },
  "GET /v1/users": { kind: "instance-admin" },
  "POST /v1/users": { kind: "instance-admin" },
  "DELETE /v1/users/{id}": { kind: "instance-admin" },
  "GET /v1/audit": { kind: "audit-reader" },
  "POST /v1/audit/verify": { kind: "instance-admin" },
  "GET /v1/keys/status": { kind: "instance-admin" },
  "POST /v1/keys/rotate-data": { kind: "instance-admin" },
  "GET /v1/projects/{project}/connections": perm("secrets:list"),
  "POST /v1/projects/{project}/connections": perm("connections:manage"),
  "GET /v1/projects/{project}/connections/{connection}": perm("secrets:list"),
  "PATCH /v1/projects/{project}/connections/{connection}": perm("connections:manage"),
  "DELETE /v1/projects/{project}/connections/{connection}": perm("connections:manage"),
  "POST /v1/projects/{project}/environments/{env}/resolve": perm("secrets:reveal"),
  "POST /v1/projects/{project}/environments/{env}/references/check": perm("secrets:list"),
  "POST /v1/projects/{project}/environments/{env}/http": perm("secrets:use"),
  ...Object.fromEntries(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((method) => [
      `${method} /v1/proxy/{project}/{env}/{connection}/{*}`,
      perm("secrets:use"),
    ]),
  ),
};

const PASSWORD = "correct-horse-battery";
const ROLE_NAMES = Object.keys(ROLES) as Role[];

let coffer: TestServer;
/** The upstream of every project's connection "conn", and the one allowed destination of "K". */
let echo: Upstream;
const sessions = new Map<Role, Session>();
const userIds = new Map<string, string>();
let counter = 0;
let operations: { method: string; path: string }[] = [];

/** A fresh project per case, so that one case's changes cannot decide another's outcome. */
async function fixture() {
  const n = ++counter;
  const slug = `p${n}`;
  await coffer.api("POST", "/v1/projects", { slug });
  const base = `/v1/projects/${slug}/environments/development/secrets`;
  await coffer.api("POST", base, { key: "K", value: "v1" });
  await coffer.api("PATCH", `${base}/K`, { value: "v2", allowedDestinations: [`127.0.0.1:${echo.port}`] });
  await coffer.api("POST", `/v1/projects/${slug}/connections`, {
    name: "conn",
    baseUrl: echo.url,
    headers: { "x-key": "$SECRET/K" },
  });
  for (const role of ROLE_NAMES) {
    await coffer.api("POST", `/v1/projects/${slug}/members`, { email: `${role}@matrix.test`, role });
  }
  await coffer.api("POST", `/v1/projects/${slug}/members`, { email: "extra@matrix.test", role: "developer" });
  const token = await coffer.api("POST", "/v1/tokens", {
    name: `t${n}`,
    projects: [slug],
    permissions: ["secrets:list"],
  });
  return { n, slug, tokenId: token.body.id as string };
}

function concrete(path: string, project: string, n: number, tokenId: string): string {
  return path
    .replace("{project}", project)
    .replace(
      "{env}",
      path.includes("/environments/{env}/") || path.startsWith("/v1/proxy/") ? "development" : "staging",
    )
    .replace("{connection}", "conn")
    .replace("{*}", "anything")
    .replace("{key}", "K")
    .replace("{version}", "1")
    .replace("{userId}", userIds.get("extra") ?? "")
    .replace("{id}", path.startsWith("/v1/users") ? (userIds.get("spare") ?? "") : tokenId)
    .concat(path.endsWith("{project}") || path.endsWith("{env}") ? "?force=true" : "")
    .replace("p0", String(n));
}

function bodyFor(method: string, path: string, slug: string, n: number): unknown {
  const table: Record<string, unknown> = {
    "POST /v1/projects": { slug: `new${n}` },
    "PATCH /v1/projects/{project}": { name: `Renamed ${n}` },
    "POST /v1/projects/{project}/environments": { slug: `env${n}` },
    "POST /v1/projects/{project}/environments/{env}/secrets": { key: `NEW_${n}`, value: "v" },
    "POST /v1/projects/{project}/environments/{env}/secrets/batch": {
      secrets: [{ key: `BATCH_${n}`, value: "v" }],
      onConflict: "fail",
    },
    "PATCH /v1/projects/{project}/environments/{env}/secrets/{key}": { value: `v-${n}` },
    "POST /v1/projects/{project}/environments/{env}/secrets/{key}/rollback": { version: 1 },
    "POST /v1/projects/{project}/environments/{env}/values": {},
    "POST /v1/projects/{project}/members": { email: "newbie@matrix.test", role: "viewer" },
    "PATCH /v1/projects/{project}/members/{userId}": { role: "viewer" },
    "POST /v1/tokens": { name: "t", projects: [slug], permissions: ["secrets:list"] },
    "POST /v1/users": { email: `u${n}@matrix.test`, password: PASSWORD },
    "POST /v1/auth/password": { currentPassword: PASSWORD, newPassword: PASSWORD },
    "POST /v1/audit/verify": {},
    "POST /v1/keys/rotate-data": {},
    "POST /v1/projects/{project}/connections": { name: `c${n}`, baseUrl: echo.url },
    "PATCH /v1/projects/{project}/connections/{connection}": { description: `d${n}` },
    "POST /v1/projects/{project}/environments/{env}/resolve": { template: "$SECRET/K" },
    "POST /v1/projects/{project}/environments/{env}/references/check": { template: "$SECRET/K" },
    "POST /v1/projects/{project}/environments/{env}/http": {
      method: "GET",
      url: `${echo.url}/`,
      headers: { "x-key": "$SECRET/K" },
    },
  };
  return table[`${method} ${path}`];
}

function allowed(rule: Rule, role: Role): boolean {
  const held: readonly string[] = ROLES[role];
  switch (rule.kind) {
    case "any":
    case "session-only":
      return true;
    case "permission":
      return held.includes(rule.permission);
    case "token-manager":
      return held.includes("tokens:manage");
    case "audit-reader":
      return held.includes("audit:read");
    default:
      return false;
  }
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  coffer = await startServer({ env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } });
  for (const name of [...ROLE_NAMES, "extra", "newbie", "spare"]) {
    userIds.set(name, await createUser(coffer, `${name}@matrix.test`, PASSWORD));
  }
  for (const role of ROLE_NAMES) sessions.set(role, await signIn(coffer, `${role}@matrix.test`, PASSWORD));
  await coffer.api("POST", "/v1/projects", { slug: "foreign" });
  await coffer.api("POST", "/v1/projects/foreign/environments/development/secrets", { key: "K", value: "x" });
  const document = (await coffer.api("GET", "/openapi.json", undefined, null)).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );
});
afterAll(async () => {
  await coffer.close();
  await echo.close();
});

describe("the authorization matrix", () => {
  it("has a rule for every route in the OpenAPI document", () => {
    const missing = operations
      .map((op) => `${op.method} ${op.path}`)
      .filter((name) => RULES[name] === undefined);
    expect(missing).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(Object.keys(RULES).length - 1);
  });

  it("answers each role on its own project as its permissions say", async () => {
    const failures: string[] = [];
    for (const { method, path } of operations) {
      const rule = RULES[`${method} ${path}`];
      if (rule === undefined || rule.kind === "public") continue;
      for (const role of ROLE_NAMES) {
        const { n, slug, tokenId } = await fixture();
        const session = sessions.get(role)!;
        const response = await asUser(
          coffer,
          session,
          method,
          concrete(path, slug, n, tokenId),
          bodyFor(method, path, slug, n),
        );
        const expected = allowed(rule, role) ? "2xx" : "403";
        const actual = response.status < 300 ? "2xx" : String(response.status);
        if (actual !== expected)
          failures.push(
            `${role} ${method} ${path}: expected ${expected}, got ${response.status} ${response.text.slice(0, 160)}`,
          );
        if (method === "POST" && path === "/v1/auth/logout" && response.status < 300) {
          sessions.set(role, await signIn(coffer, `${role}@matrix.test`, PASSWORD));
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 404 on a foreign project, whatever the route and role: its existence does not leak", async () => {
    const failures: string[] = [];
    for (const { method, path } of operations.filter((op) => op.path.includes("{project}"))) {
      for (const role of ROLE_NAMES) {
        const response = await asUser(
          coffer,
          sessions.get(role)!,
          method,
          concrete(path, "foreign", 0, "none"),
          bodyFor(method, path, "foreign", 0),
        );
        if (response.status !== 404) failures.push(`${role} ${method} ${path}: ${response.status}`);
        // A HEAD answer has no body to hold the message.
        else if (method !== "HEAD" && !/^Project "foreign" not found$/.test(response.body.error.message))
          failures.push(`${role} ${method} ${path}: ${response.body.error.message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 401 to anonymous callers, expired tokens and revoked tokens on every non-public route", async () => {
    const { slug, n, tokenId } = await fixture();
    const expiring = await coffer.api("POST", "/v1/tokens", {
      name: "expiring",
      projects: ["*"],
      permissions: ["admin"],
      expiresAt: new Date(Date.now() + 1000).toISOString(),
    });
    const revoked = await coffer.api("POST", "/v1/tokens", {
      name: "revoked",
      projects: ["*"],
      permissions: ["admin"],
    });
    await coffer.api("DELETE", `/v1/tokens/${revoked.body.id}`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const failures: string[] = [];
    for (const { method, path } of operations) {
      if (RULES[`${method} ${path}`]?.kind === "public") continue;
      for (const [who, token] of [
        ["anonymous", null],
        ["expired", expiring.body.token as string],
        ["revoked", revoked.body.token as string],
      ] as const) {
        const response = await coffer.api(
          method,
          concrete(path, slug, n, tokenId),
          bodyFor(method, path, slug, n),
          token,
        );
        if (response.status !== 401) failures.push(`${who} ${method} ${path}: ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
