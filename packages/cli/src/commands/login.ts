// `coffer login`, `coffer logout`, `coffer whoami`: keep a verified address and token, and show who they are.

import { Coffer, type Me } from "@coffer/sdk";
import { type Command, UsageError } from "../args.ts";
import { connect, connectionOptions, DEFAULT_ADDR } from "../client.ts";
import { type Io, promptHidden, promptLine, readStdin } from "../io.ts";
import { writeJson } from "../output.ts";
import { configPath, readStoredLogin, removeStoredLogin, writeStoredLogin } from "../stored-login.ts";

export const loginCommand: Command = {
  name: "login",
  summary: "Check a server address and API token, and keep them for the next commands",
  maxArgs: 0,
  details:
    "Asks for the address and the token (typed hidden) on a terminal; in scripts pass --addr and pipe the\n" +
    "token with --token-stdin. The pair is checked with the server, then stored in\n" +
    "$XDG_CONFIG_HOME/coffer/config.json (~/.config/coffer/config.json), readable by you only.\n" +
    "COFFER_ADDR, COFFER_TOKEN, --addr and --token override it; the stored token is only ever sent to\n" +
    "the stored address.",
  options: {
    addr: { type: "string", valueName: "URL", description: `server address (default ${DEFAULT_ADDR})` },
    "token-stdin": { type: "boolean", description: "read the token from stdin" },
  },
  async run({ flags, io }) {
    const addr = (await readAddr(io, flags.string("addr"))).replace(/\/+$/, "");
    try {
      new URL(addr);
    } catch {
      throw new UsageError(`the server address '${addr}' is not a URL (expected e.g. ${DEFAULT_ADDR})`);
    }
    const token = await readToken(io, flags.boolean("token-stdin"));
    const me = await new Coffer({ url: addr, token }).auth.me();
    const path = writeStoredLogin(io.env, { addr, token });
    io.stdout.write(`Logged in to ${addr} as ${me.kind} '${me.actor.name}'. Saved in ${path}.\n`);
  },
};

async function readAddr(io: Io, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  const fallback = io.env["COFFER_ADDR"] || readStoredLogin(io.env).addr || DEFAULT_ADDR;
  if (!io.stdin.isTTY) return fallback;
  return (await promptLine(io, `Server address [${fallback}]: `)).trim() || fallback;
}

async function readToken(io: Io, fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const token = (await readStdin(io)).trim();
    if (token === "") throw new UsageError("stdin was empty: no token to log in with");
    return token;
  }
  if (!io.stdin.isTTY) throw new UsageError("stdin is not a terminal: pipe the token with --token-stdin");
  const token = (await promptHidden(io, "API token: ")).trim();
  if (token === "") throw new UsageError("no token typed");
  return token;
}

export const logoutCommand: Command = {
  name: "logout",
  summary: "Forget the stored token (the token itself stays valid: revoke it with 'coffer tokens revoke')",
  maxArgs: 0,
  options: {},
  async run({ io }) {
    const stored = readStoredLogin(io.env);
    if (stored.token === undefined) {
      io.stdout.write("No stored login.\n");
      return;
    }
    removeStoredLogin(io.env);
    io.stdout.write(`Removed the stored token for ${stored.addr ?? "the server"} (${configPath(io.env)}).\n`);
  },
};

export const whoamiCommand: Command = {
  name: "whoami",
  summary: "Show who the server takes you to be, and a token's scope",
  maxArgs: 0,
  options: connectionOptions,
  async run(invocation) {
    const coffer = connect(invocation);
    const me = await coffer.auth.me();
    const { io } = invocation;
    if (invocation.flags.boolean("json")) return writeJson(io.stdout, me);
    const lines = [`kind: ${me.kind}`, `name: ${me.actor.name}`];
    if (me.user !== null) lines.push(`email: ${me.user.email}`);
    if (me.token) lines.push(...(await scopeLines(coffer, me.token)));
    io.stdout.write(`${lines.join("\n")}\n`);
  },
};

async function scopeLines(coffer: Coffer, scope: NonNullable<Me["token"]>): Promise<string[]> {
  let projects = "all (including future ones)";
  if (scope.projects !== "*") {
    // The token sees exactly its projects, so their slugs come from its own project list.
    const slugs = new Map((await coffer.projects.list()).map((project) => [project.id, project.slug]));
    projects = scope.projects.map((id) => slugs.get(id) ?? id).join(", ") || "none";
  }
  return [
    `projects: ${projects}`,
    `environments: ${scope.environments === null ? "all" : scope.environments.join(", ")}`,
    `permissions: ${scope.permissions.join(", ")}`,
  ];
}
