// `coffer connections …`: the named upstreams of a project's egress proxy — list, show, create (from a
// preset in one line), update and delete.

import type {
  Connection,
  ConnectionPreset,
  ConnectionSettings,
  CreateConnection,
  ProxyMethod,
} from "@coffer/sdk";
import { type Command, type Flags, type Group, type OptionSpecs, parsePairs, UsageError } from "../args.ts";
import { connect, connectionOptions, projectOption, requireProject } from "../client.ts";
import { cell, list, shortDate, writeJson, writeTable } from "../output.ts";
import { confirmDeletion, yesOption } from "./shared.ts";

const scopeOptions = { ...projectOption, ...connectionOptions };

const PRESETS_HELP =
  "Presets: openai (https://api.openai.com, Authorization: Bearer <secret>), anthropic\n" +
  "(https://api.anthropic.com, x-api-key: <secret>), openai-compatible (give --base-url).\n" +
  "Templates reference secrets as $SECRET/NAME or {{ secrets.NAME.field }}; they are resolved in the\n" +
  "environment named by each proxied request, at that moment. Use it with:\n" +
  '  curl -H "Authorization: Bearer $COFFER_TOKEN" $COFFER_ADDR/v1/proxy/PROJECT/ENV/NAME/v1/models';

const settingsOptions: OptionSpecs = {
  "base-url": { type: "string", valueName: "URL", description: "the upstream, https://host[:port][/path]" },
  header: {
    type: "string",
    multiple: true,
    valueName: "'NAME: TEMPLATE'",
    description: "a header to add, e.g. 'Authorization: Bearer $SECRET/KEY'",
  },
  query: {
    type: "string",
    multiple: true,
    valueName: "NAME=TEMPLATE",
    description: "a query parameter to add",
  },
  method: {
    type: "string",
    multiple: true,
    valueName: "METHOD",
    description: "an allowed method (default: all)",
  },
  path: {
    type: "string",
    multiple: true,
    valueName: "GLOB",
    description: "an allowed path, e.g. '/v1/**' (default: all)",
  },
  "timeout-ms": {
    type: "string",
    valueName: "MS",
    description: "longest wait for headers and between chunks",
  },
  "max-body-bytes": { type: "string", valueName: "BYTES", description: "largest request body accepted" },
  description: { type: "string", valueName: "TEXT", description: "what the connection is for" },
};

/** `Name: template` → { name: template }; the template may itself contain ':'. */
function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(":");
    if (at <= 0)
      throw new UsageError("--header expects 'NAME: TEMPLATE' (a name, then ':', then the template)");
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

function parseCount(flags: Flags, flag: string): number | undefined {
  const text = flags.string(flag);
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text))
    throw new UsageError(`--${flag} must be a positive whole number, got '${text}'`);
  return Number(text);
}

/** The settings given on the command line; absent flags are left out. */
function readSettings(flags: Flags): ConnectionSettings {
  const settings: ConnectionSettings = {};
  const baseUrl = flags.string("base-url");
  if (baseUrl !== undefined) settings.baseUrl = baseUrl;
  if (flags.has("header")) settings.headers = parseHeaders(flags.list("header"));
  if (flags.has("query")) settings.query = parsePairs(flags.list("query"), "query");
  if (flags.has("method"))
    settings.methods = flags.list("method").map((method) => method.toUpperCase() as ProxyMethod);
  if (flags.has("path")) settings.paths = flags.list("path");
  const timeoutMs = parseCount(flags, "timeout-ms");
  if (timeoutMs !== undefined) settings.timeoutMs = timeoutMs;
  const maxBodyBytes = parseCount(flags, "max-body-bytes");
  if (maxBodyBytes !== undefined) settings.maxBodyBytes = maxBodyBytes;
  const description = flags.string("description");
  if (description !== undefined) settings.description = description;
  return settings;
}

function describeConnection(connection: Connection): string {
  const lines = [
    `Name:        ${connection.name}${connection.preset ? ` (preset ${connection.preset})` : ""}`,
    `Base URL:    ${connection.baseUrl}`,
    ...Object.entries(connection.headers).map(([name, template]) => `Header:      ${name}: ${template}`),
    ...Object.entries(connection.query).map(([name, template]) => `Query:       ${name}=${template}`),
    `Methods:     ${list(connection.methods, "all")}`,
    `Paths:       ${list(connection.paths, "all")}`,
    `References:  ${list(connection.references)}`,
    `Limits:      ${connection.timeoutMs} ms, ${connection.maxBodyBytes} bytes per request body`,
  ];
  if (connection.description) lines.push(`Description: ${connection.description}`);
  return `${lines.join("\n")}\n`;
}

const listConnections: Command = {
  name: "list",
  summary: "List a project's connections",
  maxArgs: 0,
  options: scopeOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const project = requireProject(invocation);
    const connections = await connect(invocation).connections.list({ project });
    if (flags.boolean("json")) return writeJson(io.stdout, { connections });
    writeTable(
      io.stdout,
      [
        { header: "NAME", value: (c) => c.name },
        { header: "BASE URL", value: (c) => cell(c.baseUrl, 50) },
        { header: "REFERENCES", value: (c) => list(c.references) },
        { header: "METHODS", value: (c) => list(c.methods, "all") },
        { header: "PATHS", value: (c) => list(c.paths, "all") },
        { header: "UPDATED", value: (c) => shortDate(c.updatedAt) },
      ],
      connections,
      "No connections.",
    );
  },
};

const getConnection: Command = {
  name: "get",
  summary: "Show a connection's settings (references, never values)",
  args: "NAME",
  minArgs: 1,
  maxArgs: 1,
  options: scopeOptions,
  async run(invocation) {
    const { args, flags, io } = invocation;
    const connection = await connect(invocation).connections.get(args[0]!, {
      project: requireProject(invocation),
    });
    if (flags.boolean("json")) return writeJson(io.stdout, connection);
    io.stdout.write(describeConnection(connection));
  },
};

const createConnection: Command = {
  name: "create",
  summary: "Create a connection, from a preset or from scratch",
  args: "NAME",
  minArgs: 1,
  maxArgs: 1,
  details:
    "Examples:\n" +
    "  coffer connections create openai --preset openai --secret OPENAI_API_KEY -p agents\n" +
    "  coffer connections create github --base-url https://api.github.com \\\n" +
    "      --header 'Authorization: Bearer $SECRET/GITHUB_TOKEN' --method GET --path '/repos/**' -p agents\n\n" +
    PRESETS_HELP,
  options: {
    preset: { type: "string", valueName: "PRESET", description: "openai, anthropic or openai-compatible" },
    secret: {
      type: "string",
      valueName: "KEY",
      description: "with --preset: the secret holding the API key",
    },
    ...settingsOptions,
    ...scopeOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const preset = flags.string("preset") as ConnectionPreset | undefined;
    const secret = flags.string("secret");
    if (secret !== undefined && preset === undefined) {
      throw new UsageError("--secret goes with --preset; without one, reference the secret in --header");
    }
    const request: CreateConnection = { name: args[0]!, ...readSettings(flags) };
    if (preset !== undefined) request.preset = preset;
    if (secret !== undefined) request.secret = secret;
    if (preset === undefined && request.baseUrl === undefined) {
      throw new UsageError("give --preset (and --secret), or --base-url");
    }
    const project = requireProject(invocation);
    const created = await connect(invocation).connections.create(request, { project });
    if (flags.boolean("json")) return writeJson(io.stdout, created);
    io.stdout.write(
      `Created connection '${created.name}' in project '${project}'.\n${describeConnection(created)}`,
    );
  },
};

const updateConnection: Command = {
  name: "update",
  summary: "Change a connection's settings (each --header/--query/--method/--path list replaces the old one)",
  args: "NAME",
  minArgs: 1,
  maxArgs: 1,
  options: {
    ...settingsOptions,
    "any-method": { type: "boolean", description: "allow every method again" },
    "any-path": { type: "boolean", description: "allow every path again" },
    ...scopeOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const changes = readSettings(flags);
    if (flags.boolean("any-method")) changes.methods = null;
    if (flags.boolean("any-path")) changes.paths = null;
    if (Object.keys(changes).length === 0)
      throw new UsageError("nothing to update: pass a setting to change");
    const project = requireProject(invocation);
    const updated = await connect(invocation).connections.update(args[0]!, changes, { project });
    if (flags.boolean("json")) return writeJson(io.stdout, updated);
    io.stdout.write(`Updated connection '${updated.name}'.\n${describeConnection(updated)}`);
  },
};

const deleteConnection: Command = {
  name: "delete",
  summary: "Delete a connection; proxied requests through it are refused from then on",
  args: "NAME",
  minArgs: 1,
  maxArgs: 1,
  options: { ...yesOption, ...scopeOptions },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const project = requireProject(invocation);
    await confirmDeletion(invocation, `Delete connection '${args[0]}' of project '${project}'?`);
    await connect(invocation).connections.delete(args[0]!, { project });
    if (!flags.boolean("json")) io.stdout.write(`Deleted connection '${args[0]}'.\n`);
  },
};

export const connectionsGroup: Group = {
  name: "connections",
  summary: "Manage the upstreams the egress proxy may call with your secrets",
  commands: [listConnections, getConnection, createConnection, updateConnection, deleteConnection],
};
