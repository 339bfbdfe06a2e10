// `coffer projects …`: list, create and delete projects.

import type { CreateProject } from "@coffer/sdk";
import type { Command, Group } from "../args.ts";
import { connect, connectionOptions } from "../client.ts";
import { cell, shortDate, writeJson, writeTable } from "../output.ts";
import { confirmDeletion, deleteOrExplainForce, forceOption, yesOption } from "./shared.ts";

const listProjects: Command = {
  name: "list",
  summary: "List the projects the token can see",
  maxArgs: 0,
  options: connectionOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const projects = await connect(invocation).projects.list();
    if (flags.boolean("json")) return writeJson(io.stdout, { projects });
    writeTable(
      io.stdout,
      [
        { header: "SLUG", value: (p) => p.slug },
        { header: "NAME", value: (p) => cell(p.name, 40) },
        { header: "CREATED", value: (p) => shortDate(p.createdAt) },
        { header: "DESCRIPTION", value: (p) => cell(p.description) },
      ],
      projects,
      "No projects.",
    );
  },
};

const createProject: Command = {
  name: "create",
  summary: "Create a project (with the environments development, staging, production unless --env)",
  args: "SLUG",
  minArgs: 1,
  maxArgs: 1,
  options: {
    name: { type: "string", valueName: "NAME", description: "display name" },
    description: { type: "string", valueName: "TEXT", description: "what the project is" },
    env: { type: "string", multiple: true, valueName: "SLUG", description: "an environment to create" },
    ...connectionOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const request: CreateProject = { slug: args[0]! };
    const name = flags.string("name");
    const description = flags.string("description");
    if (name !== undefined) request.name = name;
    if (description !== undefined) request.description = description;
    if (flags.has("env")) request.environments = flags.list("env");
    const project = await connect(invocation).projects.create(request);
    if (flags.boolean("json")) return writeJson(io.stdout, project);
    io.stdout.write(`Created project '${project.slug}'.\n`);
  },
};

const deleteProject: Command = {
  name: "delete",
  summary: "Delete a project, permanently",
  args: "SLUG",
  minArgs: 1,
  maxArgs: 1,
  options: {
    ...forceOption,
    ...yesOption,
    ...connectionOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const slug = args[0]!;
    const question = `Delete project '${slug}' with its environments${flags.boolean("force") ? " and all their secrets" : ""}? This cannot be undone.`;
    await confirmDeletion(invocation, question);
    await deleteOrExplainForce(invocation, () =>
      connect(invocation).projects.delete(slug, { force: flags.boolean("force") }),
    );
    if (!flags.boolean("json")) io.stdout.write(`Deleted project '${slug}'.\n`);
  },
};

export const projectsGroup: Group = {
  name: "projects",
  summary: "Manage projects",
  commands: [listProjects, createProject, deleteProject],
};
