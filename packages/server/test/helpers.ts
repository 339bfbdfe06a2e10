// Test support: a real Coffer server on an ephemeral port with a fresh SQLite file, and a small HTTP client.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type CofferServer, createServer, generateMasterKey, loadConfig } from "@coffer/server";

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
  options: { dataDir?: string; masterKey?: string } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const masterKey = options.masterKey ?? generateMasterKey();
  const config = loadConfig(["--port", "0", "--data-dir", dataDir], { COFFER_MASTER_KEY: masterKey });
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
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
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
