// Starts a throwaway Coffer dev server (fresh data dir, known root token, default logging) and sets it up
// through its REST API, the way a user would.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "./child-server.ts";

export interface StartCofferOptions {
  /** Extra environment for the server (e.g. to switch a feature off); inherited COFFER_* never leak in. */
  env?: Record<string, string>;
  /** Extra `coffer serve` flags. */
  args?: string[];
}

export interface CofferInstance {
  url: string;
  /** The server process, e.g. to read its memory from /proc. */
  pid: number;
  rootToken: string;
  dataDir: string;
  /** `Authorization` header carrying the root token. */
  authHeaders: Record<string, string>;
  /** A JSON request with the root token; throws on a non-2xx answer, naming the status and the body. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  createProject(slug: string): Promise<void>;
  createSecret(project: string, environment: string, key: string, value: string): Promise<void>;
  stop(): Promise<void>;
}

const REPO_ROOT = join(import.meta.dirname, "..", "..");
const COFFER_BIN = join(REPO_ROOT, "packages", "cli", "bin", "coffer.js");
const READY_TIMEOUT_MS = 30_000;
const API_TIMEOUT_MS = 10_000;

export async function startCoffer(options: StartCofferOptions = {}): Promise<CofferInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), "coffer-bench-"));
  const rootToken = `coffer_${randomBytes(32).toString("base64url")}`;
  const args = [COFFER_BIN, "serve", "--dev", "--port", "0", "--data-dir", dataDir];
  args.push("--dev-root-token", rootToken, ...(options.args ?? []));
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });

  let server: Awaited<ReturnType<typeof startChildServer>>;
  try {
    server = await startChildServer({
      name: "coffer",
      args,
      cwd: REPO_ROOT,
      env: { ...environmentWithoutCoffer(), ...options.env },
      readyLine: /Coffer listening on (http:\/\/\S+)/,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
  } catch (error) {
    await removeDataDir();
    throw error;
  }

  const url = server.url.replace(/\/$/, "");
  const authHeaders = { authorization: `Bearer ${rootToken}` };
  const api = <T>(method: string, path: string, body?: unknown) =>
    requestJson<T>(url, authHeaders, method, path, body);
  return {
    url,
    pid: server.pid,
    rootToken,
    dataDir,
    authHeaders,
    api,
    async createProject(slug) {
      await api("POST", "/v1/projects", { slug });
    },
    async createSecret(project, environment, key, value) {
      const path = `/v1/projects/${project}/environments/${environment}/secrets`;
      await api("POST", path, { key, value });
    },
    async stop() {
      await server.stop();
      await removeDataDir();
    },
  };
}

/** The bench's environment minus COFFER_*, so a developer's own settings cannot change what is measured. */
function environmentWithoutCoffer(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("COFFER_")));
}

async function requestJson<T>(
  baseUrl: string,
  authHeaders: Record<string, string>,
  method: string,
  path: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { ...authHeaders, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `Coffer set-up failed: ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`,
    );
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
