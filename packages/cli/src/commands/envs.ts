// `coffer envs …`: list, create and delete the environments of a project.

import type { CreateEnvironment } from "@coffer/sdk";
import type { Command, Group } from "../args.ts";
import { connect, connectionOptions, projectOption, requireProject } from "../client.ts";
import { cell, shortDate, writeJson, writeTable } from "../output.ts";
import { confirmDeletion, deleteOrExplainForce, forceOption, yesOption } from "./shared.ts";

const scopeOptions = { ...projectOption, ...connectionOptions };

const listEnvironments: Command = {
  name: "list",
  summary: "List a project's environments",
  maxArgs: 0,
  options: scopeOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const project = requireProject(invocation);
    const environments = await connect(invocation).environments.list({ project });
    if (flags.boolean("json")) return writeJson(io.stdout, { environments });
    writeTable(
      io.stdout,
      [
        { header: "SLUG", value: (e) => e.slug },
        { header: "NAME", value: (e) => cell(e.name, 40) },
        { header: "CREATED", value: (e) => shortDate(e.createdAt) },
      ],
      environments,
      "No environments.",
    );
  },
};

const createEnvironment: Command = {
  name: "create",
  summary: "Add an environment to a project",
  args: "SLUG",
  minArgs: 1,
  maxArgs: 1,
  options: {
    name: { type: "string", valueName: "NAME", description: "display name" },
    ...scopeOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const project = requireProject(invocation);
    const request: CreateEnvironment = { slug: args[0]! };
    const name = flags.string("name");
    if (name !== undefined) request.name = name;
    const environment = await connect(invocation).environments.create(request, { project });
    if (flags.boolean("json")) return writeJson(io.stdout, environment);
    io.stdout.write(`Created environment '${environment.slug}' in project '${project}'.\n`);
  },
};

const deleteEnvironment: Command = {
  name: "delete",
  summary: "Delete an environment, permanently",
  args: "SLUG",
  minArgs: 1,
  maxArgs: 1,
  options: {
    ...forceOption,
    ...yesOption,
    ...scopeOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const project = requireProject(invocation);
    const slug = args[0]!;
    const question = `Delete environment '${slug}' of project '${project}'${flags.boolean("force") ? " with all its secrets" : ""}? This cannot be undone.`;
    await confirmDeletion(invocation, question);
    await deleteOrExplainForce(invocation, () =>
      connect(invocation).environments.delete(slug, { project, force: flags.boolean("force") }),
    );
    if (!flags.boolean("json")) io.stdout.write(`Deleted environment '${slug}' of project '${project}'.\n`);
  },
};

export const envsGroup: Group = {
  name: "envs",
  summary: "Manage the environments of a project",
  commands: [listEnvironments, createEnvironment, deleteEnvironment],
};
