// `coffer.references` and `coffer.resolve`: templates holding `$SECRET/NAME` or `{{ secrets.NAME }}`
// references, checked or resolved by the server in one project environment.

import type { Transport } from "./http.ts";
import { type EnvironmentCallOptions, environmentPath, type ScopeDefaults } from "./scope.ts";
import type { ReferenceCheck, ResolveResponse } from "./types.ts";

/**
 * A string, or a JSON document (any object or array that JSON.stringify renders, typed by an
 * interface or not) whose strings may hold references.
 */
export type Template = string | object;

export class ReferencesApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /**
   * Which references the template contains, where each is, and whether it exists; needs only
   * `secrets:list` and reads no value. A malformed reference fails with `malformed_reference`.
   */
  async check(template: Template, options?: EnvironmentCallOptions): Promise<ReferenceCheck> {
    return this.#transport.json<ReferenceCheck>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/references/check`,
      body: { template },
      signal: options?.signal,
    });
  }

  /**
   * The template with every reference replaced by its value, in the same shape; needs
   * `secrets:reveal`. A reference to a missing secret or field fails with an error naming it and its
   * place (`secret_not_found`, `field_not_found`; `details.problems` lists every one).
   */
  resolve(template: string, options?: EnvironmentCallOptions): Promise<string>;
  resolve<T extends object>(template: T, options?: EnvironmentCallOptions): Promise<T>;
  resolve(template: Template, options?: EnvironmentCallOptions): Promise<unknown>;
  async resolve(template: Template, options?: EnvironmentCallOptions): Promise<unknown> {
    const response = await this.#transport.json<ResolveResponse>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/resolve`,
      body: { template },
      signal: options?.signal,
    });
    return response.resolved;
  }
}
