// `coffer.projects`: the projects a token can see, and their administration.

import type { Transport } from "./http.ts";
import { type CallOptions, segment } from "./scope.ts";
import type { CreateProject, Project, ProjectList, UpdateProject } from "./types.ts";

export interface DeleteProjectOptions extends CallOptions {
  /** Deletes the project even when it holds secrets; without it such a delete fails with 409. */
  force?: boolean;
}

export class ProjectsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** The projects the token can see. */
  async list(options?: CallOptions): Promise<Project[]> {
    const response = await this.#transport.json<ProjectList>({
      method: "GET",
      path: "/v1/projects",
      signal: options?.signal,
    });
    return response.projects;
  }

  async get(slug: string, options?: CallOptions): Promise<Project> {
    return this.#transport.json<Project>({ method: "GET", path: projectPath(slug), signal: options?.signal });
  }

  /** Needs `admin` on every project (`*`). New projects get development, staging and production. */
  async create(project: CreateProject, options?: CallOptions): Promise<Project> {
    const { slug, name, description, environments } = project;
    return this.#transport.json<Project>({
      method: "POST",
      path: "/v1/projects",
      body: { slug, name, description, environments } satisfies CreateProject,
      signal: options?.signal,
    });
  }

  async update(slug: string, changes: UpdateProject, options?: CallOptions): Promise<Project> {
    const { name, description } = changes;
    return this.#transport.json<Project>({
      method: "PATCH",
      path: projectPath(slug),
      body: { name, description } satisfies UpdateProject,
      signal: options?.signal,
    });
  }

  async delete(slug: string, options?: DeleteProjectOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: projectPath(slug),
      query: { force: options?.force ? "true" : undefined },
      signal: options?.signal,
    });
  }
}

function projectPath(slug: string): string {
  return `/v1/projects/${segment(slug, "project")}`;
}
