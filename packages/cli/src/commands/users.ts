// `coffer users …`: the people who can sign in (instance admins only).

import type { CreateUser } from "@coffer/sdk";
import { type Command, type Group, UsageError } from "../args.ts";
import { connect, connectionOptions } from "../client.ts";
import { readStdin } from "../io.ts";
import { cell, shortDate, writeJson, writeTable } from "../output.ts";
import { confirmDeletion, yesOption } from "./shared.ts";

const listUsers: Command = {
  name: "list",
  summary: "List the people who can sign in",
  maxArgs: 0,
  options: connectionOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const users = await connect(invocation).users.list();
    if (flags.boolean("json")) return writeJson(io.stdout, { users });
    writeTable(
      io.stdout,
      [
        { header: "ID", value: (u) => u.id },
        { header: "EMAIL", value: (u) => u.email },
        { header: "NAME", value: (u) => cell(u.name, 30) },
        { header: "ADMIN", value: (u) => (u.instanceAdmin ? "yes" : "-") },
        { header: "CREATED", value: (u) => shortDate(u.createdAt) },
      ],
      users,
      "No users.",
    );
  },
};

const createUser: Command = {
  name: "create",
  summary: "Create a person who can sign in, with a password read from stdin",
  args: "EMAIL",
  minArgs: 1,
  maxArgs: 1,
  details:
    "The password (12 characters or more) is read from stdin so that it stays out of shell history:\n" +
    "  coffer users create dev@example.com --name Dev --password-stdin < password.txt\n" +
    "A new user belongs to no project: add them with 'coffer members add EMAIL --role ROLE -p PROJECT'.",
  options: {
    name: { type: "string", valueName: "NAME", description: "display name" },
    admin: { type: "boolean", description: "make them an instance admin (users, audit verify)" },
    "password-stdin": {
      type: "boolean",
      description: "read the password from stdin (required; one trailing newline removed)",
    },
    ...connectionOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    if (!flags.boolean("password-stdin")) {
      throw new UsageError(
        "--password-stdin is required: the password is read from stdin, never from the command line",
      );
    }
    if (io.stdin.isTTY) io.stderr.write("Type the password, then press Enter and Ctrl-D:\n");
    const password = await readStdin(io);
    if (password === "") throw new UsageError("stdin was empty: no password to set");
    const request: CreateUser = { email: args[0]!, password };
    const name = flags.string("name");
    if (name !== undefined) request.name = name;
    if (flags.boolean("admin")) request.instanceAdmin = true;
    const user = await connect(invocation).users.create(request);
    if (flags.boolean("json")) return writeJson(io.stdout, user);
    const role = user.instanceAdmin ? "instance admin" : "user";
    io.stdout.write(`Created ${role} '${user.email}' (id ${user.id}).\n`);
  },
};

const deleteUser: Command = {
  name: "delete",
  summary: "Delete a person, with their project memberships and sessions",
  args: "ID",
  minArgs: 1,
  maxArgs: 1,
  options: { ...yesOption, ...connectionOptions },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const id = args[0]!;
    await confirmDeletion(invocation, `Delete user ${id} with their memberships and sessions?`);
    await connect(invocation).users.delete(id);
    if (!flags.boolean("json")) io.stdout.write(`Deleted user ${id}.\n`);
  },
};

export const usersGroup: Group = {
  name: "users",
  summary: "Manage the people who can sign in (instance admins)",
  commands: [listUsers, createUser, deleteUser],
};
