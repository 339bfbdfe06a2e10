// The login `coffer login` keeps: `{ addr, token }` in $XDG_CONFIG_HOME/coffer/config.json (mode 0600).

import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface StoredLogin {
  addr?: string;
  token?: string;
}

type Env = Record<string, string | undefined>;

export function configPath(env: Env): string {
  const base = env["XDG_CONFIG_HOME"] || join(env["HOME"] || homedir(), ".config");
  return join(base, "coffer", "config.json");
}

/** The stored login, or an empty one when there is none; a damaged file is reported, not ignored. */
export function readStoredLogin(env: Env): StoredLogin {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(typeof parsed["addr"] === "string" ? { addr: parsed["addr"] } : {}),
      ...(typeof parsed["token"] === "string" ? { token: parsed["token"] } : {}),
    };
  } catch {
    throw new Error(`${path} is not valid JSON: fix it, or remove it and run 'coffer login' again`);
  }
}

/** Writes the login readable by its owner only (the directory too): it holds a token. */
export function writeStoredLogin(env: Env, login: StoredLogin): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  writeFileSync(path, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of a file that already existed.
  chmodSync(path, 0o600);
  return path;
}

export function removeStoredLogin(env: Env): void {
  rmSync(configPath(env), { force: true });
}
