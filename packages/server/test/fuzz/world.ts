// The world the fuzzer works in: projects, environments, secrets with versions, connections to a local upstream,
// people with memberships and sessions, scoped and spare tokens. Fuzzed requests delete and change parts of it;
// `restore` puts back whatever is missing or changed, so that later requests still reach deep code paths.
import { createServer, type Server } from "node:http";
import type { FuzzClient } from "./client.ts";

export const MAIN_PROJECT = "app";
export const OTHER_PROJECT = "other";
export const ENVIRONMENTS = ["development", "staging", "production"];

/** The secrets of the fixture; each allows the local upstream (host and port) as its destination. */
type SecretSpec = { key: string; create: Record<string, unknown>; updates: Record<string, unknown>[] };

export const SECRET_SPECS: SecretSpec[] = [
  {
    key: "API_KEY",
    create: { value: "sk_fuzz_api_key_0001", type: "api_key" },
    updates: [],
  },
  {
    key: "payments/db",
    create: { fields: { user: "fuzz-db-user-0001", password: "fuzz-db-password-0001" } },
    updates: [],
  },
  {
    key: "ROTATED",
    create: { value: "rotated-value-1" },
    updates: [{ value: "rotated-value-2" }, { value: "rotated-value-3" }],
  },
];
/** Where the secrets above live. */
const SECRET_PLACES: [string, string][] = [
  [MAIN_PROJECT, "development"],
  [MAIN_PROJECT, "production"],
  [OTHER_PROJECT, "development"],
];

export const USERS = {
  admin: { email: "admin@fuzz.test", instanceAdmin: true },
  dev: { email: "dev@fuzz.test", instanceAdmin: false },
  viewer: { email: "viewer@fuzz.test", instanceAdmin: false },
  login: { email: "login@fuzz.test", instanceAdmin: false },
  spare: { email: "spare@fuzz.test", instanceAdmin: false },
  /** Signs in for the password-change and sign-out requests, whose failures lock its account for a while. */
  self: { email: "self@fuzz.test", instanceAdmin: false },
} as const;
export type UserName = keyof typeof USERS;
export const INITIAL_PASSWORD = "fuzz-password-0001";
/** The administrator owns the main project, so that the fuzzer's changes of other owners can be undone. */
const MEMBERS: [UserName, string][] = [
  ["admin", "owner"],
  ["dev", "developer"],
  ["viewer", "viewer"],
  ["spare", "viewer"],
];

export const TOKEN_SPECS = {
  list: { projects: [MAIN_PROJECT], permissions: ["secrets:list"] },
  use: {
    projects: [MAIN_PROJECT],
    environments: ["development"],
    permissions: ["secrets:list", "secrets:use", "secrets:reveal"],
  },
  spare1: { projects: ["*"], permissions: ["secrets:list"] },
  spare2: { projects: [OTHER_PROJECT], permissions: ["audit:read"] },
} as const;
export type TokenName = keyof typeof TOKEN_SPECS;

export type Session = { cookie: string; csrf: string };
export const SESSION_USERS = ["admin", "dev", "self"] as const;
export type SessionName = (typeof SESSION_USERS)[number];

/** An upstream for the proxy and the HTTP action that always answers 200: any other status is Coffer's own. */
export async function startOkUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok: true, method: request.method, url: request.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function connectionSpecs(upstream: string): Record<string, Record<string, unknown>> {
  const defaults = { methods: null, paths: null, timeoutMs: 10_000, maxBodyBytes: 1024 * 1024 };
  return {
    echo: {
      ...defaults,
      baseUrl: upstream,
      headers: { authorization: "Bearer $SECRET/API_KEY" },
      query: { user: "{{ secrets.payments/db.user }}" },
    },
    spare: { ...defaults, baseUrl: `${upstream}/spare`, headers: {}, query: {} },
  };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sorted = (items: readonly string[]) => [...items].sort();

export type World = Awaited<ReturnType<typeof createWorld>>;

export async function createWorld(client: FuzzClient, rootToken: string, upstreamUrl: string) {
  const admin = { authorization: `Bearer ${rootToken}` };
  const connections = connectionSpecs(upstreamUrl);
  const allowedDestinations = [new URL(upstreamUrl).host];
  const userIds = new Map<UserName, string>();
  const passwords = new Map<UserName, string>(
    Object.keys(USERS).map((name) => [name as UserName, INITIAL_PASSWORD]),
  );
  const tokens = new Map<TokenName | "revoked", { id: string; token: string }>();
  const sessions = new Map<SessionName, Session>();
  let tokensForProject: string | undefined;
  /** Real page cursors by the path of their list, for the fuzzer to send as they are and mangled. */
  const cursors: Record<string, string> = {};

  async function call(method: string, path: string, body?: unknown) {
    return client.json(method, path, body, admin);
  }
  async function expectStatus(method: string, path: string, body: unknown, ...statuses: number[]) {
    const response = await call(method, path, body);
    if (!statuses.includes(response.status)) {
      throw new Error(
        `fixture: ${method} ${path} answered ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
    return response;
  }

  async function restoreProjects(): Promise<string> {
    const listed = (await expectStatus("GET", "/v1/projects", undefined, 200)).body.projects as {
      id: string;
      slug: string;
    }[];
    for (const slug of [MAIN_PROJECT, OTHER_PROJECT]) {
      if (!listed.some((project) => project.slug === slug)) {
        await expectStatus("POST", "/v1/projects", { slug, environments: ENVIRONMENTS }, 201);
        continue;
      }
      const environments = (await expectStatus("GET", `/v1/projects/${slug}/environments`, undefined, 200))
        .body.environments as { slug: string }[];
      for (const env of ENVIRONMENTS) {
        if (!environments.some((environment) => environment.slug === env))
          await expectStatus("POST", `/v1/projects/${slug}/environments`, { slug: env }, 201, 409);
      }
    }
    const projects = (await expectStatus("GET", "/v1/projects", undefined, 200)).body.projects as {
      id: string;
      slug: string;
    }[];
    return projects.find((project) => project.slug === MAIN_PROJECT)!.id;
  }

  async function restoreSecrets(project: string, env: string): Promise<void> {
    const base = `/v1/projects/${project}/environments/${env}/secrets`;
    const listed = (await expectStatus("GET", `${base}?limit=1000`, undefined, 200)).body.secrets as {
      key: string;
      fields: string[];
      allowedDestinations: string[];
    }[];
    for (const spec of SECRET_SPECS) {
      const path = `${base}/${encodeURIComponent(spec.key)}`;
      const create = async () => {
        await expectStatus("POST", base, { key: spec.key, ...spec.create, allowedDestinations }, 201);
        for (const update of spec.updates) await expectStatus("PATCH", path, update, 200);
      };
      const found = listed.find((secret) => secret.key === spec.key);
      if (found === undefined) {
        await create();
        continue;
      }
      const fields = (spec.create["fields"] ?? { value: spec.create["value"] }) as Record<string, string>;
      if (
        sameJson(sorted(found.fields), sorted(Object.keys(fields))) &&
        sameJson(found.allowedDestinations, allowedDestinations)
      )
        continue;
      const removed = Object.fromEntries(
        found.fields.filter((name) => !(name in fields)).map((name) => [name, null]),
      );
      const patched = await call("PATCH", path, { fields: { ...removed, ...fields }, allowedDestinations });
      if (patched.status === 200 || patched.status === 422) continue;
      // A state the Vault API can leave (metadata without a version, a deleted latest version): start afresh.
      await expectStatus("DELETE", path, undefined, 204);
      await create();
    }
  }

  async function restoreConnections(): Promise<void> {
    const base = `/v1/projects/${MAIN_PROJECT}/connections`;
    const listed = (await expectStatus("GET", base, undefined, 200)).body.connections as Record<
      string,
      unknown
    >[];
    for (const [name, spec] of Object.entries(connections)) {
      const found = listed.find((connection) => connection["name"] === name);
      if (found === undefined) {
        await expectStatus("POST", base, { name, ...spec }, 201, 409);
      } else if (Object.entries(spec).some(([field, value]) => !sameJson(found[field], value))) {
        await expectStatus("PATCH", `${base}/${name}`, spec, 200, 422);
      }
    }
  }

  async function restoreUsersAndMembers(): Promise<void> {
    const listed = (await expectStatus("GET", "/v1/users", undefined, 200)).body.users as {
      id: string;
      email: string;
    }[];
    await Promise.all(
      Object.entries(USERS).map(async ([name, spec]) => {
        const found = listed.find((user) => user.email === spec.email);
        if (found !== undefined) {
          userIds.set(name as UserName, found.id);
          return;
        }
        const created = await expectStatus("POST", "/v1/users", { ...spec, password: INITIAL_PASSWORD }, 201);
        userIds.set(name as UserName, created.body.id);
        passwords.set(name as UserName, INITIAL_PASSWORD);
      }),
    );
    const base = `/v1/projects/${MAIN_PROJECT}/members`;
    const members = (await expectStatus("GET", base, undefined, 200)).body.members as {
      userId: string;
      role: string;
      permissions: string[];
    }[];
    for (const [name, role] of MEMBERS) {
      const userId = userIds.get(name)!;
      const found = members.find((member) => member.userId === userId);
      if (found === undefined) await expectStatus("POST", base, { email: USERS[name].email, role }, 201, 409);
      else if (found.role !== role || found.permissions.length > 0)
        await expectStatus("PATCH", `${base}/${userId}`, { role, permissions: [] }, 200, 409, 422);
    }
  }

  async function restoreTokens(mainProjectId: string): Promise<void> {
    const listed = (await expectStatus("GET", "/v1/tokens", undefined, 200)).body.tokens as { id: string }[];
    const live = new Set(listed.map((token) => token.id));
    const stale = tokensForProject !== mainProjectId;
    for (const [name, spec] of Object.entries(TOKEN_SPECS)) {
      const held = tokens.get(name as TokenName);
      if (held !== undefined && live.has(held.id) && !stale) continue;
      const created = await expectStatus("POST", "/v1/tokens", { name: `fuzz-${name}`, ...spec }, 201);
      tokens.set(name as TokenName, { id: created.body.id, token: created.body.token });
    }
    if (!tokens.has("revoked")) {
      const created = await expectStatus(
        "POST",
        "/v1/tokens",
        { name: "fuzz-revoked", ...TOKEN_SPECS.list },
        201,
      );
      await expectStatus("DELETE", `/v1/tokens/${created.body.id}`, undefined, 204);
      tokens.set("revoked", { id: created.body.id, token: created.body.token });
    }
    tokensForProject = mainProjectId;
  }

  async function signIn(name: SessionName): Promise<Session | undefined> {
    const login = await client.json(
      "POST",
      "/v1/auth/login",
      { email: USERS[name].email, password: passwords.get(name) },
      {},
      "fixture",
    );
    const cookie = String(login.headers["set-cookie"] ?? "").split(";")[0] ?? "";
    return login.status === 200 && cookie !== "" ? { cookie, csrf: login.body.csrfToken } : undefined;
  }

  /** Keeps a live session per person, each with the initial password (a fuzzed change is changed back). */
  async function restoreSession(name: SessionName): Promise<void> {
    let session = sessions.get(name);
    if (session !== undefined) {
      const me = await client.json("GET", "/v1/auth/me", undefined, { cookie: session.cookie }, "fixture");
      if (me.status !== 200) session = undefined;
    }
    // A locked-out account (the fuzzer's wrong passwords) keeps its dead session until the lock ends.
    session ??= await signIn(name);
    if (session === undefined) {
      sessions.delete(name);
      return;
    }
    sessions.set(name, session);
    const password = passwords.get(name)!;
    if (password === INITIAL_PASSWORD) return;
    const changed = await client.json(
      "POST",
      "/v1/auth/password",
      { currentPassword: password, newPassword: INITIAL_PASSWORD },
      { cookie: session.cookie, "x-csrf-token": session.csrf },
      "fixture",
    );
    if (changed.status === 204) passwords.set(name, INITIAL_PASSWORD);
  }

  let damaged = false;

  async function restore(): Promise<void> {
    damaged = false;
    const mainProjectId = await restoreProjects();
    await Promise.all(SECRET_PLACES.map(([project, env]) => restoreSecrets(project, env)));
    await restoreConnections();
    await restoreUsersAndMembers();
    await restoreTokens(mainProjectId);
    await Promise.all(SESSION_USERS.map(restoreSession));
  }

  await restore();
  for (const [list, path] of [
    [
      "/v1/projects/{project}/environments/{env}/secrets",
      `/v1/projects/${MAIN_PROJECT}/environments/development/secrets`,
    ],
    ["/v1/audit", "/v1/audit"],
  ]) {
    const cursor = (await expectStatus("GET", `${path}?limit=1`, undefined, 200)).body.nextCursor;
    if (typeof cursor === "string") cursors[list!] = cursor;
  }

  return {
    restore,
    /** Something the fixture relies on may be gone or changed: the next `restore` is due. */
    markDamaged() {
      damaged = true;
    },
    damaged: () => damaged,
    rootToken,
    upstreamUrl,
    cursors,
    userId: (name: UserName) => userIds.get(name) ?? "00000000-0000-0000-0000-000000000000",
    token: (name: TokenName | "revoked") => tokens.get(name),
    session: (name: SessionName) => sessions.get(name),
    /** After a password change through the fuzzer, the fixture signs in with the new one. */
    passwordChanged(name: SessionName, password: string) {
      passwords.set(name, password);
      damaged = true;
    },
  };
}
