// Test support: a real Coffer server on an ephemeral port with a fresh database, and a small HTTP client.
// COFFER_TEST_DATABASE=postgres runs every server test against PostgreSQL (a fresh schema per data directory).
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Writable } from "node:stream";
import { type CofferServer, createServer, generateMasterKey, loadConfig } from "@coffer/server";
import pg from "pg";

export const ON_POSTGRES = process.env["COFFER_TEST_DATABASE"] === "postgres";
export const TEST_PG_URL = process.env["COFFER_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** The schema a data directory's server uses on PostgreSQL: the same directory always maps to the same schema. */
export function schemaOf(dataDir: string): string {
  return `t_${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`;
}

/** Environment that points a server at the test database for a data directory (empty on SQLite). */
export function databaseEnv(dataDir: string): Record<string, string> {
  return ON_POSTGRES ? { COFFER_DATABASE_URL: TEST_PG_URL, COFFER_DATABASE_SCHEMA: schemaOf(dataDir) } : {};
}

/** Direct SQL on a test server's database, for tests that tamper with stored data. `?` placeholders. */
export type RawSql = {
  all(query: string, ...params: (string | number)[]): Promise<Record<string, unknown>[]>;
  run(query: string, ...params: (string | number)[]): Promise<void>;
  close(): Promise<void>;
};

export async function rawSql(dataDir: string): Promise<RawSql> {
  if (!ON_POSTGRES) {
    const db = new DatabaseSync(join(dataDir, "coffer.db"));
    return {
      all: async (query, ...params) => db.prepare(query).all(...params) as Record<string, unknown>[],
      run: async (query, ...params) => {
        db.prepare(query).run(...params);
      },
      close: async () => db.close(),
    };
  }
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`set search_path to ${schemaOf(dataDir)}`);
  const numbered = (query: string) => {
    let n = 0;
    return query.replace(/\?/g, () => `$${++n}`);
  };
  return {
    all: async (query, ...params) => (await client.query(numbered(query), params)).rows,
    run: async (query, ...params) => {
      await client.query(numbered(query), params);
    },
    close: () => client.end(),
  };
}

/** Everything the database holds, as bytes to search (SQLite files incl. WAL) or compare (a dump on PostgreSQL). */
export async function storedBytes(dataDir: string): Promise<Buffer> {
  if (!ON_POSTGRES) {
    return Buffer.concat(
      readdirSync(dataDir)
        .filter((name) => name.startsWith("coffer.db"))
        .map((name) => readFileSync(join(dataDir, name))),
    );
  }
  const sql = await rawSql(dataDir);
  try {
    const tables = await sql.all(
      "select table_name from information_schema.tables where table_schema = ? order by table_name",
      schemaOf(dataDir),
    );
    const parts: string[] = [];
    for (const { table_name } of tables) {
      parts.push(JSON.stringify(await sql.all(`select * from "${String(table_name)}" order by 1`)));
    }
    return Buffer.from(parts.join("\n"));
  } finally {
    await sql.close();
  }
}

async function dropSchema(dataDir: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schemaOf(dataDir)} cascade`);
  } finally {
    await client.end();
  }
}

export type TestServer = {
  url: string;
  rootToken: string;
  dataDir: string;
  masterKey: string;
  logs: string[];
  server: CofferServer;
  /** `token` defaults to the root token; `null` sends no Authorization header. */
  api: (method: string, path: string, body?: unknown, token?: string | null) => Promise<ApiResponse>;
  close: () => Promise<void>;
};

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies and the assertions check their shape.
export type ApiResponse = { status: number; body: any; text: string; headers: Headers };

export function tempDir(prefix = "coffer-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(
  /** `env`: more environment variables for the server's configuration (e.g. COFFER_PROXY_ALLOW_LOOPBACK). */
  options: { dataDir?: string; masterKey?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const masterKey = options.masterKey ?? generateMasterKey();
  const config = loadConfig(["--port", "0", "--data-dir", dataDir], {
    COFFER_MASTER_KEY: masterKey,
    ...databaseEnv(dataDir),
    ...options.env,
  });
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const server = await createServer(config, { masterKey: config.masterKey!, logDestination });
  const rootToken = await server.tokens.createInitialRootToken();
  const url = await server.listen();
  const api = async (method: string, path: string, body?: unknown, token: string | null = rootToken) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers["authorization"] = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };
  return {
    url,
    rootToken,
    dataDir,
    masterKey,
    logs,
    server,
    api: (method, path, body, token) => api(method, path, body, token === undefined ? rootToken : token),
    close: async () => {
      await server.close();
      if (options.dataDir === undefined) {
        rmSync(dataDir, { recursive: true, force: true });
        if (ON_POSTGRES) await dropSchema(dataDir);
      }
    },
  };
}

/** A scoped token for tests of authorization. */
export async function createToken(
  server: TestServer,
  scope: { projects: string[]; permissions: string[]; environments?: string[]; expiresAt?: string },
): Promise<string> {
  const response = await server.api("POST", "/v1/tokens", { name: "test", ...scope });
  if (response.status !== 201) throw new Error(`token creation failed: ${response.text}`);
  return response.body.token as string;
}

export const secretsPath = (project: string, env: string) =>
  `/v1/projects/${project}/environments/${env}/secrets`;

export type Session = { cookie: string; csrfToken: string; userId: string };

/** Signs a person in and returns the session cookie and CSRF token a browser would hold. */
export async function signIn(server: TestServer, email: string, password: string): Promise<Session> {
  const response = await fetch(`${server.url}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as { csrfToken: string; user: { id: string } };
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (response.status !== 200 || cookie === undefined)
    throw new Error(`sign-in failed: ${JSON.stringify(body)}`);
  return { cookie, csrfToken: body.csrfToken, userId: body.user.id };
}

/** A request as a signed-in person: the session cookie, plus the CSRF token unless told otherwise. */
export async function asUser(
  server: TestServer,
  session: Session,
  method: string,
  path: string,
  body?: unknown,
  options: { csrf?: boolean } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { cookie: session.cookie };
  if (options.csrf !== false) headers["x-csrf-token"] = session.csrfToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(server.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export async function createUser(server: TestServer, email: string, password = "correct-horse-battery") {
  const response = await server.api("POST", "/v1/users", { email, password });
  if (response.status !== 201) throw new Error(`user creation failed: ${response.text}`);
  return response.body.id as string;
}
