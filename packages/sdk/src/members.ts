// `coffer.members`: who belongs to a project, with which role and extra permissions.

import type { Transport } from "./http.ts";
import { type ProjectCallOptions, projectPath, type ScopeDefaults, segment } from "./scope.ts";
import type { AddMember, Member, MemberList, UpdateMember } from "./types.ts";

export class MembersApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  async list(options?: ProjectCallOptions): Promise<Member[]> {
    const response = await this.#transport.json<MemberList>({
      method: "GET",
      path: this.#membersPath(options),
      signal: options?.signal,
    });
    return response.members;
  }

  /** Adds an existing user, found by email, to the project; needs `members:manage`. */
  async add(member: AddMember, options?: ProjectCallOptions): Promise<Member> {
    const { email, role, permissions } = member;
    return this.#transport.json<Member>({
      method: "POST",
      path: this.#membersPath(options),
      body: { email, role, permissions } satisfies AddMember,
      signal: options?.signal,
    });
  }

  /** Changes the role and/or replaces the extra permissions; no change at all fails with `no_changes`. */
  async update(userId: string, changes: UpdateMember, options?: ProjectCallOptions): Promise<Member> {
    const { role, permissions } = changes;
    return this.#transport.json<Member>({
      method: "PATCH",
      path: this.#memberPath(userId, options),
      body: { role, permissions } satisfies UpdateMember,
      signal: options?.signal,
    });
  }

  /** Removes the person from the project (the user itself remains). */
  async remove(userId: string, options?: ProjectCallOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: this.#memberPath(userId, options),
      signal: options?.signal,
    });
  }

  #membersPath(options: ProjectCallOptions | undefined): string {
    return `${projectPath(this.#defaults, options)}/members`;
  }

  #memberPath(userId: string, options: ProjectCallOptions | undefined): string {
    return `${this.#membersPath(options)}/${segment(userId, "userId")}`;
  }
}
