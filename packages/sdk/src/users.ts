// `coffer.users`: the people of the instance (instance admins only).

import type { Transport } from "./http.ts";
import { type CallOptions, segment } from "./scope.ts";
import type { CreateUser, User, UserList } from "./types.ts";

export class UsersApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async list(options?: CallOptions): Promise<User[]> {
    const response = await this.#transport.json<UserList>({
      method: "GET",
      path: "/v1/users",
      signal: options?.signal,
    });
    return response.users;
  }

  /** A new person who can sign in with this email and password (12 characters or more). */
  async create(user: CreateUser, options?: CallOptions): Promise<User> {
    const { email, password, name, instanceAdmin } = user;
    return this.#transport.json<User>({
      method: "POST",
      path: "/v1/users",
      body: { email, password, name, instanceAdmin } satisfies CreateUser,
      signal: options?.signal,
    });
  }

  /** Deletes the person, their memberships and their sessions. */
  async delete(id: string, options?: CallOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: `/v1/users/${segment(id, "id")}`,
      signal: options?.signal,
    });
  }
}
