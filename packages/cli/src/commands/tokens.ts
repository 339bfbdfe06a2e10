// `coffer tokens …`: create (shown once), list and revoke API tokens.

import type { CreateToken, Permission } from "@coffer/sdk";
import { type Command, type Group, UsageError } from "../args.ts";
import { connect, connectionOptions } from "../client.ts";
import { cell, list, shortDate, writeJson, writeTable } from "../output.ts";

const PERMISSIONS_HELP =
  "Permissions: secrets:list, secrets:create, secrets:update, secrets:delete, secrets:use,\n" +
  "secrets:reveal, connections:manage, audit:read, members:manage, tokens:manage, admin.\n" +
  "A token can only create tokens within its own scope.";

const createToken: Command = {
  name: "create",
  summary: "Create an API token; it is printed once and never shown again",
  maxArgs: 0,
  details: `Example: coffer tokens create --name ci --project payments --env production \\\n    --permission secrets:reveal --expires 30d\n\n${PERMISSIONS_HELP}`,
  options: {
    name: { type: "string", valueName: "NAME", description: "what the token is for (required)" },
    project: {
      type: "string",
      short: "p",
      multiple: true,
      valueName: "SLUG",
      description: "a project it may access, '*' for all; at least one",
    },
    env: {
      type: "string",
      short: "e",
      multiple: true,
      valueName: "SLUG",
      description: "limit it to an environment",
    },
    permission: {
      type: "string",
      multiple: true,
      valueName: "PERM",
      description: "a permission to grant; at least one",
    },
    expires: { type: "string", valueName: "WHEN", description: "expiry: 12h, 30d, 2w or an ISO date" },
    ...connectionOptions,
  },
  async run(invocation) {
    const { flags, io } = invocation;
    const name = flags.string("name");
    if (!name) throw new UsageError("--name is required");
    const projects = flags.list("project");
    if (projects.length === 0)
      throw new UsageError("at least one --project is required ('*' for all projects)");
    const permissions = flags.list("permission") as Permission[];
    if (permissions.length === 0) throw new UsageError("at least one --permission is required");
    const request: CreateToken = { name, projects, permissions };
    if (flags.has("env")) request.environments = flags.list("env");
    const expires = flags.string("expires");
    if (expires !== undefined) request.expiresAt = parseExpiry(expires, new Date());

    const created = await connect(invocation).tokens.create(request);
    if (flags.boolean("json")) return writeJson(io.stdout, created);
    // Only the token goes to stdout, so `TOKEN=$(coffer tokens create …)` captures exactly it.
    const expiry = created.expiresAt ? `expires ${shortDate(created.expiresAt)} UTC` : "never expires";
    io.stderr.write(`Created token '${created.name}' (id ${created.id}, ${expiry}):\n`);
    io.stdout.write(`${created.token}\n`);
    io.stderr.write("Copy it now: it will not be shown again.\n");
  },
};

const listTokens: Command = {
  name: "list",
  summary: "List API tokens (never their secret part)",
  maxArgs: 0,
  options: connectionOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const tokens = await connect(invocation).tokens.list();
    if (flags.boolean("json")) return writeJson(io.stdout, { tokens });
    writeTable(
      io.stdout,
      [
        { header: "ID", value: (t) => t.id },
        { header: "NAME", value: (t) => cell(t.name, 30) },
        { header: "PROJECTS", value: (t) => list(t.projects) },
        { header: "ENVIRONMENTS", value: (t) => list(t.environments, "*") },
        { header: "PERMISSIONS", value: (t) => list(t.permissions) },
        { header: "EXPIRES", value: (t) => shortDate(t.expiresAt) },
        { header: "LAST USED", value: (t) => shortDate(t.lastUsedAt) },
      ],
      tokens,
      "No tokens.",
    );
  },
};

const revokeToken: Command = {
  name: "revoke",
  summary: "Revoke an API token; programs using it are refused from now on",
  args: "ID",
  minArgs: 1,
  maxArgs: 1,
  options: connectionOptions,
  async run(invocation) {
    const { args, flags, io } = invocation;
    await connect(invocation).tokens.revoke(args[0]!);
    if (!flags.boolean("json")) io.stdout.write(`Revoked token ${args[0]}.\n`);
  },
};

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `2w` from now, or an ISO 8601 date/time; returns an ISO timestamp in the future. */
export function parseExpiry(text: string, now: Date): string {
  const at = expiryDate(text, now);
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new UsageError(`--expires expects a duration (12h, 30d, 2w) or an ISO date, got '${text}'`);
  }
  if (at.getTime() <= now.getTime()) throw new UsageError(`--expires '${text}' is in the past`);
  return at.toISOString();
}

function expiryDate(text: string, now: Date): Date | undefined {
  const duration = /^([1-9][0-9]*)([hdw])$/.exec(text);
  if (duration) return new Date(now.getTime() + Number(duration[1]) * DURATION_UNITS[duration[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return new Date(text);
  return undefined;
}

export const tokensGroup: Group = {
  name: "tokens",
  summary: "Manage API tokens",
  commands: [createToken, listTokens, revokeToken],
};
