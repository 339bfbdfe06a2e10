// Where the server is and who we are: flags over environment variables over the stored login, then an SDK client.

import { Coffer } from "@coffer/sdk";
import { type Invocation, type OptionSpecs, UsageError } from "./args.ts";
import { readStoredLogin } from "./stored-login.ts";

export const DEFAULT_ADDR = "http://127.0.0.1:8200";

/** Where the server is and who we are. */
export const serverOptions: OptionSpecs = {
  addr: {
    type: "string",
    valueName: "URL",
    description: "server address (default $COFFER_ADDR or " + DEFAULT_ADDR + ")",
  },
  token: { type: "string", valueName: "TOKEN", description: "API token (default $COFFER_TOKEN)" },
};

/** Flags of every command that talks to the server and prints a table or JSON. */
export const connectionOptions: OptionSpecs = {
  ...serverOptions,
  json: { type: "boolean", description: "print the API response as JSON" },
};

/** Flags of commands that work inside a project (and environment). */
export const projectOption: OptionSpecs = {
  project: {
    type: "string",
    short: "p",
    valueName: "SLUG",
    description: "project (default $COFFER_PROJECT)",
  },
};

export const environmentOption: OptionSpecs = {
  env: { type: "string", short: "e", valueName: "SLUG", description: "environment (default $COFFER_ENV)" },
};

export interface Connection {
  addr: string;
  token: string;
}

/**
 * Flags, then COFFER_ADDR/COFFER_TOKEN, then what `coffer login` stored. The stored token goes only to the
 * stored address: pointing the CLI at another server must not hand it that server's credentials.
 */
export function resolveConnection({ flags, io }: Invocation): Connection {
  const stored = readStoredLogin(io.env);
  const addr = flags.string("addr") ?? (io.env["COFFER_ADDR"] || stored.addr || DEFAULT_ADDR);
  const storedToken = stored.addr !== undefined && sameAddr(stored.addr, addr) ? stored.token : undefined;
  const token = flags.string("token") ?? (io.env["COFFER_TOKEN"] || storedToken);
  if (!token) throw new UsageError("no API token: run 'coffer login', set COFFER_TOKEN or pass --token");
  try {
    new URL(addr);
  } catch {
    throw new UsageError(`the server address '${addr}' is not a URL (expected e.g. ${DEFAULT_ADDR})`);
  }
  return { addr: addr.replace(/\/+$/, ""), token };
}

function sameAddr(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

export function requireProject({ flags, io }: Invocation): string {
  const project = flags.string("project") ?? io.env["COFFER_PROJECT"];
  if (!project) throw new UsageError("no project: pass --project/-p or set COFFER_PROJECT");
  return project;
}

export function requireEnvironment({ flags, io }: Invocation): string {
  const environment = flags.string("env") ?? io.env["COFFER_ENV"];
  if (!environment) throw new UsageError("no environment: pass --env/-e or set COFFER_ENV");
  return environment;
}

export function connect(invocation: Invocation): Coffer {
  const { addr, token } = resolveConnection(invocation);
  return new Coffer({ url: addr, token });
}

/** A client bound to one project and environment, for the `secrets` commands. */
export function connectToEnvironment(invocation: Invocation): {
  coffer: Coffer;
  project: string;
  environment: string;
} {
  const project = requireProject(invocation);
  const environment = requireEnvironment(invocation);
  const { addr, token } = resolveConnection(invocation);
  return { coffer: new Coffer({ url: addr, token, project, environment }), project, environment };
}
