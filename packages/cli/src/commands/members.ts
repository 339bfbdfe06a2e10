// `coffer members …`: who belongs to a project, with which role and extra permissions.

import type { Member, Permission, Role, UpdateMember } from "@coffer/sdk";
import { type Command, type Flags, type Group, type OptionSpecs, UsageError } from "../args.ts";
import { connect, connectionOptions, projectOption, requireProject } from "../client.ts";
import { cell, list, shortDate, writeJson, writeTable } from "../output.ts";

const scopeOptions = { ...projectOption, ...connectionOptions };

const ROLES_HELP =
  "Roles: owner, admin, developer, viewer. No role may read secret values: grant that with\n" +
  "--permission secrets:reveal (people manage secrets, programs read them).";

const permissionOption: OptionSpecs = {
  permission: {
    type: "string",
    multiple: true,
    valueName: "PERM",
    description: "a permission beyond the role, e.g. secrets:reveal",
  },
};

const listMembers: Command = {
  name: "list",
  summary: "List a project's members with their roles",
  maxArgs: 0,
  options: scopeOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const project = requireProject(invocation);
    const members = await connect(invocation).members.list({ project });
    if (flags.boolean("json")) return writeJson(io.stdout, { members });
    writeTable(
      io.stdout,
      [
        { header: "USER ID", value: (m) => m.userId },
        { header: "EMAIL", value: (m) => m.email },
        { header: "NAME", value: (m) => cell(m.name, 30) },
        { header: "ROLE", value: (m) => m.role },
        { header: "PERMISSIONS", value: (m) => list(m.permissions) },
        { header: "ADDED", value: (m) => shortDate(m.createdAt) },
      ],
      members,
      "No members.",
    );
  },
};

const addMember: Command = {
  name: "add",
  summary: "Add an existing user to a project with a role",
  args: "EMAIL",
  minArgs: 1,
  maxArgs: 1,
  details: `Example: coffer members add dev@example.com --role developer -p payments\n\n${ROLES_HELP}`,
  options: {
    role: { type: "string", valueName: "ROLE", description: "owner, admin, developer or viewer (required)" },
    ...permissionOption,
    ...scopeOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const role = flags.string("role") as Role | undefined;
    if (!role) throw new UsageError("--role is required (owner, admin, developer or viewer)");
    const project = requireProject(invocation);
    const permissions = flags.list("permission") as Permission[];
    const member = await connect(invocation).members.add(
      { email: args[0]!, role, ...(permissions.length > 0 ? { permissions } : {}) },
      { project },
    );
    if (flags.boolean("json")) return writeJson(io.stdout, member);
    io.stdout.write(`Added ${member.email} to project '${project}' as ${describeRole(member)}.\n`);
  },
};

const updateMember: Command = {
  name: "update",
  summary: "Change a member's role or extra permissions",
  args: "USER_ID",
  minArgs: 1,
  maxArgs: 1,
  details:
    "--permission replaces the member's extra permissions; --no-permissions removes them all.\n" +
    `The user id is in 'coffer members list'.\n\n${ROLES_HELP}`,
  options: {
    role: { type: "string", valueName: "ROLE", description: "the new role" },
    ...permissionOption,
    "no-permissions": { type: "boolean", description: "remove every extra permission" },
    ...scopeOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const changes = readMemberChanges(flags);
    const project = requireProject(invocation);
    const member = await connect(invocation).members.update(args[0]!, changes, { project });
    if (flags.boolean("json")) return writeJson(io.stdout, member);
    io.stdout.write(`Updated ${member.email} in project '${project}': now ${describeRole(member)}.\n`);
  },
};

const removeMember: Command = {
  name: "remove",
  summary: "Remove a member from a project (the user remains)",
  args: "USER_ID",
  minArgs: 1,
  maxArgs: 1,
  options: scopeOptions,
  async run(invocation) {
    const { args, flags, io } = invocation;
    const project = requireProject(invocation);
    await connect(invocation).members.remove(args[0]!, { project });
    if (!flags.boolean("json")) io.stdout.write(`Removed user ${args[0]} from project '${project}'.\n`);
  },
};

function readMemberChanges(flags: Flags): UpdateMember {
  const changes: UpdateMember = {};
  const role = flags.string("role");
  if (role !== undefined) changes.role = role as Role;
  if (flags.has("permission") && flags.boolean("no-permissions")) {
    throw new UsageError("give --permission or --no-permissions, not both");
  }
  if (flags.has("permission")) changes.permissions = flags.list("permission") as Permission[];
  if (flags.boolean("no-permissions")) changes.permissions = [];
  if (Object.keys(changes).length === 0) {
    throw new UsageError("nothing to update: pass --role, --permission or --no-permissions");
  }
  return changes;
}

/** `developer`, or `developer + secrets:reveal`. */
function describeRole(member: Member): string {
  return member.permissions.length > 0 ? `${member.role} + ${member.permissions.join(", ")}` : member.role;
}

export const membersGroup: Group = {
  name: "members",
  summary: "Manage who belongs to a project, and their roles",
  commands: [listMembers, addMember, updateMember, removeMember],
};
