// `coffer secrets …`: list, read, write, delete and roll back the secrets of one environment.

import type { Command, Group, Invocation, OptionSpecs } from "../args.ts";
import { parsePositiveInteger } from "../args.ts";
import { connectionOptions, connectToEnvironment, environmentOption, projectOption } from "../client.ts";
import { actorName, cell, list, shortDate, writeJson, writeTable } from "../output.ts";
import { setSecret } from "./secrets-set.ts";
import { confirmDeletion, yesOption } from "./shared.ts";

export const scopeOptions: OptionSpecs = { ...projectOption, ...environmentOption, ...connectionOptions };

const listSecrets: Command = {
  name: "list",
  summary: "List an environment's secrets: keys and metadata, never values",
  maxArgs: 0,
  options: {
    prefix: { type: "string", valueName: "PATH", description: "only keys under these segments (payments/)" },
    search: { type: "string", valueName: "TEXT", description: "only keys or descriptions containing TEXT" },
    ...scopeOptions,
  },
  async run(invocation) {
    const { coffer } = connectToEnvironment(invocation);
    const { flags, io } = invocation;
    const secrets = await coffer.secrets.list({
      prefix: flags.string("prefix"),
      search: flags.string("search"),
    });
    if (flags.boolean("json")) return writeJson(io.stdout, { secrets });
    writeTable(
      io.stdout,
      [
        { header: "KEY", value: (s) => s.key },
        { header: "FIELDS", value: (s) => list(s.fields) },
        { header: "VERSION", value: (s) => String(s.version) },
        { header: "TYPE", value: (s) => cell(s.type, 20) },
        { header: "UPDATED", value: (s) => shortDate(s.updatedAt) },
        { header: "DESCRIPTION", value: (s) => cell(s.description) },
      ],
      secrets,
      "No secrets.",
    );
  },
};

const getSecret: Command = {
  name: "get",
  summary: "Print a secret's value (needs the secrets:reveal permission)",
  args: "KEY",
  minArgs: 1,
  maxArgs: 1,
  details:
    "A single-value secret prints its value alone; a secret with several fields prints a FIELD/VALUE\n" +
    "table, or one field's value with --field.",
  options: {
    field: { type: "string", valueName: "NAME", description: "print only this field's value" },
    version: { type: "string", valueName: "N", description: "read version N instead of the current one" },
    ...scopeOptions,
  },
  async run(invocation) {
    const { coffer } = connectToEnvironment(invocation);
    const { args, flags, io } = invocation;
    const key = args[0]!;
    const versionFlag = flags.string("version");
    const secret =
      versionFlag === undefined
        ? await coffer.secrets.get(key)
        : await coffer.secrets.getVersion(key, parsePositiveInteger(versionFlag, "--version"));
    const fieldName = flags.string("field");
    if (fieldName !== undefined) {
      const value = secret.data[fieldName];
      if (value === undefined) {
        throw new Error(
          `secret '${key}' has no field '${fieldName}' (fields: ${Object.keys(secret.data).join(", ")})`,
        );
      }
      if (flags.boolean("json")) return writeJson(io.stdout, value);
      io.stdout.write(`${value}\n`);
      return;
    }
    if (flags.boolean("json")) return writeJson(io.stdout, secret);
    const fields = Object.entries(secret.data);
    if (fields.length === 1 && fields[0]![0] === "value") {
      io.stdout.write(`${fields[0]![1]}\n`);
      return;
    }
    writeTable(
      io.stdout,
      [
        { header: "FIELD", value: ([name]) => name },
        { header: "VALUE", value: ([, value]) => value },
      ],
      fields,
      "No fields.",
    );
  },
};

const deleteSecret: Command = {
  name: "delete",
  summary: "Delete a secret and all its versions, permanently",
  args: "KEY",
  minArgs: 1,
  maxArgs: 1,
  options: { ...yesOption, ...scopeOptions },
  async run(invocation) {
    const { coffer, project, environment } = connectToEnvironment(invocation);
    const key = invocation.args[0]!;
    const question = `Delete secret '${key}' from ${project}/${environment} with all its versions? This cannot be undone.`;
    await confirmDeletion(invocation, question);
    await coffer.secrets.delete(key);
    if (!invocation.flags.boolean("json"))
      invocation.io.stdout.write(`Deleted secret '${key}' and all its versions.\n`);
  },
};

const listVersions: Command = {
  name: "versions",
  summary: "List a secret's versions, newest first",
  args: "KEY",
  minArgs: 1,
  maxArgs: 1,
  options: scopeOptions,
  async run(invocation) {
    const { coffer } = connectToEnvironment(invocation);
    const { io, flags } = invocation;
    const versions = await coffer.secrets.versions(invocation.args[0]!);
    if (flags.boolean("json")) return writeJson(io.stdout, { versions });
    writeTable(
      io.stdout,
      [
        { header: "VERSION", value: (v) => String(v.version) },
        { header: "CREATED", value: (v) => shortDate(v.createdAt) },
        { header: "BY", value: (v) => actorName(v.createdBy) },
        { header: "FIELDS", value: (v) => list(v.fields) },
      ],
      versions,
      "No versions.",
    );
  },
};

const rollbackSecret: Command = {
  name: "rollback",
  summary: "Make an old version's value current again (as a new version)",
  args: "KEY VERSION",
  minArgs: 2,
  maxArgs: 2,
  options: scopeOptions,
  async run(invocation) {
    const { args, flags, io } = invocation;
    const version = parsePositiveInteger(args[1]!, "VERSION");
    const { coffer } = connectToEnvironment(invocation);
    const secret = await coffer.secrets.rollback(args[0]!, version);
    if (flags.boolean("json")) return writeJson(io.stdout, secret);
    io.stdout.write(
      `Rolled back '${secret.key}' to the value of version ${version}: now version ${secret.version}.\n`,
    );
  },
};

const setCommand: Command = {
  name: "set",
  summary: "Create a secret, or update it if it exists",
  args: "KEY [VALUE]",
  minArgs: 1,
  maxArgs: 2,
  details:
    "The value comes from VALUE, from stdin with --value-stdin (keeps it out of shell history),\n" +
    "or from one or more --field NAME=VALUE. Without any, only the metadata of an existing secret\n" +
    "changes. On update, fields not named are kept and an empty value keeps the current one.",
  options: {
    "value-stdin": {
      type: "boolean",
      description: "read the value from stdin (one trailing newline removed)",
    },
    field: { type: "string", multiple: true, valueName: "NAME=VALUE", description: "set one field" },
    description: { type: "string", valueName: "TEXT", description: "what the secret is for" },
    type: { type: "string", valueName: "TYPE", description: "category, e.g. api_key" },
    name: { type: "string", valueName: "NAME", description: "display name" },
    meta: { type: "string", multiple: true, valueName: "KEY=VALUE", description: "metadata entry" },
    "allow-destination": {
      type: "string",
      multiple: true,
      valueName: "HOST",
      description: "host the proxy may send the value to",
    },
    ...scopeOptions,
  },
  run: (invocation: Invocation) => setSecret(invocation),
};

export const secretsGroup: Group = {
  name: "secrets",
  summary: "Manage the secrets of a project environment",
  commands: [listSecrets, getSecret, setCommand, deleteSecret, listVersions, rollbackSecret],
};
