// A real `coffer serve` child process on port 0 with a temp data dir, and the root token's API for seeding.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../cli/bin/coffer.js", import.meta.url));

export type ServerProcess = {
  url: string;
  /** What the server printed at start (the dev admin's password, the setup link). */
  output(): string;
  stop(): Promise<void>;
};

export type DevServer = ServerProcess & {
  rootToken: string;
  admin: { email: string; password: string };
  /** The REST API with the root token; throws on an unexpected status. */
  api<T = unknown>(method: string, path: string, body?: unknown, expected?: number): Promise<T>;
};

export function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "coffer-web-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...args],
    { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`coffer serve did not start within 20 s:\n${output}`));
    }, 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /^Coffer listening on (http:\/\/\S+)$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1]!, output: () => output, stop });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`coffer serve exited with ${code} before listening:\n${output}`));
    });
  });
}

export async function startDevServer(): Promise<DevServer> {
  const server = await startServer(["--dev"]);
  const text = server.output();
  const rootToken = /Root token:\s+(coffer_\S+)/.exec(text)?.[1];
  const signIn = /Sign in:\s+(\S+) \/ (\S+)/.exec(text);
  if (rootToken === undefined || signIn === null) throw new Error(`Unexpected dev server output:\n${text}`);
  const api = async <T>(method: string, path: string, body?: unknown, expected?: number): Promise<T> => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${rootToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const ok = expected === undefined ? response.ok : response.status === expected;
    if (!ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  };
  return { ...server, rootToken, admin: { email: signIn[1]!, password: signIn[2]! }, api };
}

/** Creates secrets through the API, several requests at a time. */
export async function seedSecrets(
  server: DevServer,
  project: string,
  environment: string,
  secrets: { key: string; value: string; description?: string; type?: string }[],
  concurrency = 12,
): Promise<void> {
  let next = 0;
  const path = `/v1/projects/${project}/environments/${environment}/secrets`;
  const worker = async () => {
    while (next < secrets.length) {
      const secret = secrets[next++]!;
      await server.api("POST", path, secret, 201);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
