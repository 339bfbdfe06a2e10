// `coffer.environments`: the environments of a project (development, staging, production…).

import type { Transport } from "./http.ts";
import { type ProjectCallOptions, projectPath, type ScopeDefaults, segment } from "./scope.ts";
import type { CreateEnvironment, Environment, EnvironmentList } from "./types.ts";

export interface DeleteEnvironmentOptions extends ProjectCallOptions {
  /** Deletes the environment even when it holds secrets; without it such a delete fails with 409. */
  force?: boolean;
}

export class EnvironmentsApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  async list(options?: ProjectCallOptions): Promise<Environment[]> {
    const response = await this.#transport.json<EnvironmentList>({
      method: "GET",
      path: `${projectPath(this.#defaults, options)}/environments`,
      signal: options?.signal,
    });
    return response.environments;
  }

  async create(environment: CreateEnvironment, options?: ProjectCallOptions): Promise<Environment> {
    const { slug, name } = environment;
    return this.#transport.json<Environment>({
      method: "POST",
      path: `${projectPath(this.#defaults, options)}/environments`,
      body: { slug, name } satisfies CreateEnvironment,
      signal: options?.signal,
    });
  }

  async delete(slug: string, options?: DeleteEnvironmentOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: `${projectPath(this.#defaults, options)}/environments/${segment(slug, "environment")}`,
      query: { force: options?.force ? "true" : undefined },
      signal: options?.signal,
    });
  }
}
