// `coffer.connections`: the named upstreams of a project's egress proxy (`coffer.proxy.fetch` uses them).

import type { Transport } from "./http.ts";
import { type ProjectCallOptions, projectPath, type ScopeDefaults, segment } from "./scope.ts";
import type { Connection, ConnectionList, CreateConnection, UpdateConnection } from "./types.ts";

export class ConnectionsApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /** The project's connections; needs `secrets:list`. */
  async list(options?: ProjectCallOptions): Promise<Connection[]> {
    const response = await this.#transport.json<ConnectionList>({
      method: "GET",
      path: this.#connectionsPath(options),
      signal: options?.signal,
    });
    return response.connections;
  }

  async get(name: string, options?: ProjectCallOptions): Promise<Connection> {
    return this.#transport.json<Connection>({
      method: "GET",
      path: this.#connectionPath(name, options),
      signal: options?.signal,
    });
  }

  /**
   * Creates a connection; needs `connections:manage`. With a preset, a name and the secret are
   * enough: `create({ name: "openai", preset: "openai", secret: "OPENAI_API_KEY" })`.
   */
  async create(connection: CreateConnection, options?: ProjectCallOptions): Promise<Connection> {
    const { name, preset, secret, ...settings } = connection;
    return this.#transport.json<Connection>({
      method: "POST",
      path: this.#connectionsPath(options),
      body: { name, preset, secret, ...pickSettings(settings) } satisfies CreateConnection,
      signal: options?.signal,
    });
  }

  /** Changes the settings given (maps such as `headers` are replaced whole); no change fails with `no_changes`. */
  async update(name: string, changes: UpdateConnection, options?: ProjectCallOptions): Promise<Connection> {
    return this.#transport.json<Connection>({
      method: "PATCH",
      path: this.#connectionPath(name, options),
      body: pickSettings(changes),
      signal: options?.signal,
    });
  }

  async delete(name: string, options?: ProjectCallOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: this.#connectionPath(name, options),
      signal: options?.signal,
    });
  }

  #connectionsPath(options: ProjectCallOptions | undefined): string {
    return `${projectPath(this.#defaults, options)}/connections`;
  }

  #connectionPath(name: string, options: ProjectCallOptions | undefined): string {
    return `${this.#connectionsPath(options)}/${segment(name, "connection")}`;
  }
}

/** Only the fields the API knows: an object typed loosely by the caller must not send extra ones. */
function pickSettings(settings: UpdateConnection): UpdateConnection {
  const { description, baseUrl, headers, query, methods, paths, timeoutMs, maxBodyBytes } = settings;
  return { description, baseUrl, headers, query, methods, paths, timeoutMs, maxBodyBytes };
}
